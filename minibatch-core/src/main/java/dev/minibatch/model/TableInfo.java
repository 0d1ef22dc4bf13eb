package dev.minibatch.model;

import java.time.Instant;
import java.util.Objects;

/**
 * A table's size and activity, kept by the store as counters so reading them costs no scan.
 *
 * @param name       the table name
 * @param size       live keys
 * @param updates    key updates applied since the table was created (a key updated by 3
 *                   windows counts 3; clearing does not reset it) — sample it twice for a rate
 * @param lastUpdate when the last update was committed, or null if it never was (a cleared table
 *                   keeps its last update time)
 */
public record TableInfo(String name, long size, long updates, Instant lastUpdate) {

    /**
     * Checks that the name is not null.
     *
     * @param name the table name
     * @param size live keys
     * @param updates key updates applied since the table was created
     * @param lastUpdate when the last update was committed, or null
     */
    public TableInfo {
        Objects.requireNonNull(name, "name");
    }
}
