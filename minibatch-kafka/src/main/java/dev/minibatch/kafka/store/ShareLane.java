package dev.minibatch.kafka.store;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.clients.consumer.ConsumerRecord;
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

    /**
     * Takes over a record another lane of this process holds, which the broker has delivered again
     * to this lane: the broker gives a record to one consumer at a time, so the other lane's lock is
     * gone (it expired, or the partition's leader changed, which drops in-flight locks). Left with
     * the other lane, the record would never reach the pool through this one, and this lane would
     * hold (and renew) it for ever, which stops its partition once the broker's in-flight limit is
     * reached. The record keeps its place in the pool (free, claimed or being settled), and what is
     * decided about it is sent through this lane. The other lane releases its delivery: its consumer
     * polls only once its whole batch is acknowledged, and the broker refuses the release anyway.
     *
     * <p>A consumer fetches in the background, so after a stall of the fetcher thread several lanes
     * may hand out deliveries of one record, each made when the one before lost its lock: the latest
     * (the highest delivery count) holds the lock, and an older one is released here instead.
     *
     * @return whether this lane holds the record now
     */
    boolean takeOver(HeldRecord h, ConsumerRecord<byte[], byte[]> delivery, long now, SharePool pool) {
        if (deliveries(delivery) < deliveries(h.record)) {
            consumer.acknowledge(delivery, AcknowledgeType.RELEASE);
            return false;
        }
        ShareLane previous = h.lane;
        if (previous.outstanding.remove(h.id) != null && !previous.renewing) {
            try {
                previous.consumer.acknowledge(h.record, AcknowledgeType.RELEASE);
            } catch (IllegalStateException alreadyAcknowledged) {
                // its settlement was applied already and rides on that lane's next poll
            }
        }
        pool.rebind(h, this);
        h.record = delivery;
        h.lockedAt = now;
        outstanding.put(h.id, h);
        return true;
    }

    private static int deliveries(ConsumerRecord<byte[], byte[]> r) {
        return r.deliveryCount().map(Short::intValue).orElse(0);
    }

    /**
     * Ends a renewal once this lane's poll returned something (or nothing came for long): the
     * consumer puts back in flight, together, the records whose renewal the broker accepted, so an
     * outstanding record that is not {@code back} lost its lock. It must not stay outstanding: this
     * consumer no longer counts it in flight, and a lane left renewing would poll again with the
     * returned records unacknowledged, which a consumer in explicit mode refuses.
     *
     * @return the records that lost their lock, no longer outstanding
     */
    List<HeldRecord> endRenewal(Set<String> back) {
        List<HeldRecord> lost = new ArrayList<>();
        for (Iterator<HeldRecord> it = outstanding.values().iterator(); it.hasNext(); ) {
            HeldRecord h = it.next();
            if (!back.contains(h.id) && h.lockedAt < renewSent) {
                it.remove();
                lost.add(h);
            }
        }
        renewing = false;
        return lost;
    }

    long oldestLock() {
        long oldest = Long.MAX_VALUE;
        for (HeldRecord h : outstanding.values()) {
            oldest = Math.min(oldest, h.lockedAt);
        }
        return oldest;
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
