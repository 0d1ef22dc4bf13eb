package dev.minibatch.model;

import java.time.Instant;

/**
 * Counts for one stream at one moment.
 *
 * @param pending    messages waiting for a window (including those waiting out a retry backoff)
 * @param claimed    messages in live windows
 * @param done       committed messages kept because of {@code keep}
 * @param lastAppend the newest appended message's creation time, or null when unknown (memory and
 *                   SQLite remember it after every message was consumed; others may not)
 */
public record StreamStats(long pending, long claimed, long done, Instant lastAppend) {
    /** No messages, no known append. */
    public static final StreamStats EMPTY = new StreamStats(0, 0, 0, null);
}
