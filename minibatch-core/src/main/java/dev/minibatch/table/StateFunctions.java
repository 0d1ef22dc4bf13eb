package dev.minibatch.table;

import dev.minibatch.model.StateFunctionException;
import dev.minibatch.spi.store.StateUpdate;

/** Wraps user state functions so the commit path can tell their failures from store errors. */
final class StateFunctions {

    private StateFunctions() {
    }

    /** {@code fn}, with whatever it throws wrapped in a {@link StateFunctionException} naming table and key. */
    static StateUpdate.Function guarded(String table, String key, StateUpdate.Function fn) {
        return current -> {
            try {
                return fn.apply(current);
            } catch (StateFunctionException e) {
                throw e;
            } catch (RuntimeException e) {
                throw new StateFunctionException(table, key, e);
            }
        };
    }
}
