package dev.minibatch.kafka.store;

import dev.minibatch.model.Message;
import dev.minibatch.model.MessageState;
import java.time.Instant;

/**
 * One record an ordered consumer of this process fetched from a partition assigned to it: free,
 * claimed under a token, waiting out a retry backoff, or done (committed, its offset not yet
 * committed past it). Every field but the first five is guarded by the {@link OrderedBuffer}'s lock.
 */
final class OrderedRecord {

    final int partition;
    final long offset;
    /** As decoded: attempts made before the record was appended (the {@code minibatch.attempts} header). */
    final Message message;

    /** Failed windows that held it in this process (a new owner of the partition starts again from the header). */
    int failures;
    String error;
    String token;
    Instant leaseExpiresAt;
    /** Not claimable before this (a release's backoff), or null. */
    Instant availableAt;
    boolean done;
    /** Its partition was handed over: this process no longer holds it (a window holding it commits none of it). */
    boolean handedOver;

    OrderedRecord(int partition, long offset, Message message) {
        this.partition = partition;
        this.offset = offset;
        this.message = message;
    }

    String id() {
        return message.id();
    }

    String key() {
        return message.key();
    }

    Instant created() {
        return message.created();
    }

    /** The message as a claim or a read returns it, with this process's attempts and last error. */
    Message as(MessageState state) {
        Message m = message;
        return new Message(m.id(), m.stream(), m.created(), m.data(), state, m.attempts() + failures,
                error != null ? error : m.error(), m.key());
    }

    @Override
    public String toString() {
        return id() + (token == null ? "" : " claimed " + token) + (done ? " done" : "");
    }
}
