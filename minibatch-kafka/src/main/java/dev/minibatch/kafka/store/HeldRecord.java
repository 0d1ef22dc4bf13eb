package dev.minibatch.kafka.store;

import dev.minibatch.model.Message;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * One record a share consumer of this process holds under the broker's acquisition lock: in the
 * pool, claimed under a token, or being settled. The pool's fields ({@code token},
 * {@code leaseDeadline}, {@code settling}, {@code lost}) are guarded by the {@link SharePool}'s lock;
 * {@code record} and {@code lockedAt} belong to the fetcher thread, and so does {@code lane}, which
 * only it changes (under the pool's lock, which claims read it under).
 */
final class HeldRecord {

    final String id;
    final int partition;
    final long offset;
    final long timestamp;
    /** Where the record was first appended (a moved copy keeps its original's place in the order). */
    final int seqPartition;
    final long seqOffset;
    final Message message;
    /** The lane holding the broker's lock on it (another one if the broker delivers it again elsewhere). */
    ShareLane lane;

    /** The last delivery of this record (replaced when a renewal re-delivers it). Fetcher thread only. */
    ConsumerRecord<byte[], byte[]> record;
    /** When the broker last locked it (acquired or renewed), {@link System#nanoTime()}. Fetcher thread only. */
    long lockedAt;

    String token;
    long leaseDeadline;
    boolean settling;
    boolean lost;

    HeldRecord(ConsumerRecord<byte[], byte[]> record, ShareLane lane, Message message, long now) {
        this.id = message.id();
        this.partition = record.partition();
        this.offset = record.offset();
        this.timestamp = record.timestamp();
        long[] origin = RecordCodec.movedFrom(record);
        this.seqPartition = origin == null ? record.partition() : (int) origin[0];
        this.seqOffset = origin == null ? record.offset() : origin[1];
        this.lane = lane;
        this.message = message;
        this.record = record;
        this.lockedAt = now;
    }

    @Override
    public String toString() {
        return id + (token == null ? "" : " claimed " + token);
    }
}
