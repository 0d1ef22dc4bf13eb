package dev.minibatch.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.Objects;

/**
 * One key of a table and its value.
 *
 * @param key     the key
 * @param value   the value as a JSON tree (treat it as read-only)
 * @param version how many commits changed this key since it was last absent (1 after the first)
 * @param updated when the last update was committed (the committing consumer's clock)
 */
public record TableEntry(String key, JsonNode value, long version, Instant updated) {

    /**
     * Checks that key and value are not null.
     *
     * @param key the key
     * @param value the value as a JSON tree
     * @param version how many commits changed this key since it was last absent
     * @param updated when the last update was committed
     */
    public TableEntry {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
    }
}
