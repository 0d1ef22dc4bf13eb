package dev.minibatch.spi.store;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * For store authors: a {@link TableStore} whose {@link TableStore#commitWithState} is one
 * transaction gets {@link TransactionalAppend} from it, since committing with stage outputs is
 * committing with table effects that only append. Implement this instead of writing
 * {@code commitAndAppend} again; override it only where appends take another path.
 *
 * <p>Adds no state and no threads: its defaults run on the caller's thread and are as thread-safe
 * as the store's {@code commitWithState}.
 */
public interface TransactionalTableStore extends TableStore, TransactionalAppend {

    /** {@link #commitWithState} with {@code appends} as the only effects, at {@code now}. */
    @Override
    default int commitAndAppend(String stream, String token, boolean keep, int expected,
                                Map<String, List<NewMessage>> appends, Instant now) {
        return commitWithState(stream, token, keep, expected, CommitEffects.appendsOnly(appends, now));
    }
}
