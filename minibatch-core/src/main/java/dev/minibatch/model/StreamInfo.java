package dev.minibatch.model;

import java.time.Duration;
import java.time.Instant;

/**
 * What a store knows about a stream (Python's {@code stream} document).
 *
 * @param name     the stream name
 * @param status   {@code "open"} unless closed
 * @param created  when the stream was first created
 * @param interval the stream's nominal interval (Python's {@code interval}, seconds), informational
 * @param lastRead where the next time window starts ({@code last_read}); moved by compare-and-set
 * @param maxAge   how long messages are kept, or null to keep them until committed
 */
public record StreamInfo(String name, String status, Instant created, Duration interval, Instant lastRead,
                         Duration maxAge) {
}
