package dev.minibatch.spi.emitter;

import java.time.Instant;

/**
 * What {@link WindowEmitter#windowReady} decided: the window to build now (Python's query args).
 *
 * @param from  start of the window's time range (inclusive), or null for count windows
 * @param to    end of the window's time range (exclusive), or null for count windows
 * @param size  how many messages a count window takes, or 0 for no count limit
 */
public record WindowQuery(Instant from, Instant to, int size) {
    /**
     * Checks the size and the range.
     *
     * @param from start of the time range (inclusive), or null
     * @param to end of the time range (exclusive), or null
     * @param size messages of a count window, or 0
     */
    public WindowQuery {
        if (size < 0) {
            throw new IllegalArgumentException("size must be >= 0, was " + size);
        }
        if (from != null && to != null && to.isBefore(from)) {
            throw new IllegalArgumentException("window end " + to + " is before its start " + from);
        }
    }

    /**
     * A window of exactly {@code size} messages.
     *
     * @param size the number of messages, at least 1
     * @return the query
     */
    public static WindowQuery count(int size) {
        if (size < 1) {
            throw new IllegalArgumentException("a count window needs size >= 1, was " + size);
        }
        return new WindowQuery(null, null, size);
    }

    /**
     * A window over the half-open time range [from, to).
     *
     * @param from start (inclusive)
     * @param to end (exclusive)
     * @return the query
     */
    public static WindowQuery range(Instant from, Instant to) {
        return new WindowQuery(from, to, 0);
    }
}
