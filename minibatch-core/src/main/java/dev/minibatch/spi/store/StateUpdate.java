package dev.minibatch.spi.store;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Objects;

/**
 * One key's state change, applied by {@link TableStore#commitWithState} inside the commit: the
 * function receives the key's current value (null when absent) and returns the new one (null
 * removes the key). Functions run while the store holds its commit lock or transaction, so they
 * must be quick and free of side effects (they may be called again if the step is retried).
 *
 * @param table    the table name
 * @param key      the key, non-empty
 * @param function current value → new value
 */
public record StateUpdate(String table, String key, Function function) {

    /**
     * Checks the table, key and function.
     *
     * @throws IllegalArgumentException if the key is null or empty
     * @param table the table name
     * @param key the key, non-empty
     * @param function current value → new value
     */
    public StateUpdate {
        Objects.requireNonNull(table, "table");
        Objects.requireNonNull(function, "function");
        if (key == null || key.isEmpty()) {
            throw new IllegalArgumentException("table '" + table + "': a key must be a non-empty string, was "
                    + (key == null ? "null" : "empty"));
        }
    }

    /**
     * A state update that sets {@code value} whatever was there (null removes the key).
     *
     * @param table the table's name
     * @param key the key
     * @param value the new value, or null
     * @return the update
     */
    public static StateUpdate put(String table, String key, JsonNode value) {
        return new StateUpdate(table, key, current -> value);
    }

    /** Current value (null when absent) → new value (null removes the key). */
    @FunctionalInterface
    public interface Function {
        /**
         * Computes a key's new value.
         *
         * @param current the current value, or null when absent
         * @return the new value, or null to remove the key
         */
        JsonNode apply(JsonNode current);
    }
}
