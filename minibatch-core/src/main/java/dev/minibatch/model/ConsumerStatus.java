package dev.minibatch.model;

import java.time.Instant;

/**
 * A consumer's heartbeat as seen in the store.
 *
 * @param stream     the stream consumed
 * @param consumerId host, process and a per-consumer suffix
 * @param emitter    the emitter's description, e.g. {@code CountWindow(100)}
 * @param started    when the consumer started
 * @param lastSeen   its latest heartbeat
 * @param stats      its counts at that heartbeat
 * @param stopped    true once it stopped cleanly
 */
public record ConsumerStatus(String stream, String consumerId, String emitter, Instant started, Instant lastSeen,
                             ConsumerStats stats, boolean stopped) {
}
