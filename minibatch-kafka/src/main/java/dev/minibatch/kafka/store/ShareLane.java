package dev.minibatch.kafka.store;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicIdPartition;

/**
 * One share consumer and the records it holds. A share consumer in explicit mode hands out one
 * batch at a time: it polls again only when every record of the last batch is acknowledged, and a
 * record acknowledged with {@code RENEW} (its lock extended) comes back in the next poll instead of
 * new ones. So a lane is <em>fetching</em> (holds nothing, polls for a batch), <em>holding</em> (some
 * of its batch not yet settled; no polls) or <em>renewing</em> (renewed its batch, polls to get it
 * back). Several lanes let one process hold more than one batch (count windows larger than a batch).
 * Fetcher thread only, like the consumer it wraps.
 */
final class ShareLane implements AutoCloseable {

    final int number;
    final KafkaShareConsumer<byte[], byte[]> consumer;
    /** The most records one poll hands out ({@code max.poll.records}). */
    final int batch;
    final Map<String, HeldRecord> outstanding = new LinkedHashMap<>();
    boolean renewing;
    long renewSent;
    long idleSince = System.nanoTime();

    ShareLane(int number, KafkaShareConsumer<byte[], byte[]> consumer, int batch) {
        this.number = number;
        this.consumer = consumer;
        this.batch = batch;
    }

    boolean fetching() {
        return outstanding.isEmpty() && !renewing;
    }

    boolean polls() {
        return outstanding.isEmpty() || renewing;
    }

    ConsumerRecords<byte[], byte[]> poll(Duration timeout) {
        return consumer.poll(timeout);
    }

    void acknowledge(HeldRecord h, AcknowledgeType type) {
        consumer.acknowledge(h.record, type);
    }

    /** Sends the acknowledgements; the partitions whose result is unknown, with the error. */
    Map<TopicIdPartition, Optional<KafkaException>> commit(Duration timeout) {
        return consumer.commitSync(timeout);
    }

    /** Acknowledges every outstanding record with RENEW: the lane must then poll to get them back. */
    void renewAll(long now) {
        for (HeldRecord h : outstanding.values()) {
            consumer.acknowledge(h.record, AcknowledgeType.RENEW);
        }
        renewing = true;
        renewSent = now;
    }

    long oldestLock() {
        long oldest = Long.MAX_VALUE;
        for (HeldRecord h : outstanding.values()) {
            oldest = Math.min(oldest, h.lockedAt);
        }
        return oldest;
    }

    List<HeldRecord> records() {
        return List.copyOf(outstanding.values());
    }

    @Override
    public void close() {
        consumer.close(Duration.ofSeconds(5)); // releases what it still holds
    }

    @Override
    public String toString() {
        return "lane " + number + (renewing ? " renewing " : fetching() ? " fetching" : " holding ") + outstanding.size();
    }
}
