package dev.minibatch.kafka.store;

import dev.minibatch.model.Message;
import dev.minibatch.model.MessageState;
import dev.minibatch.model.StreamInfo;
import dev.minibatch.model.StreamStats;
import dev.minibatch.spi.store.Claim;
import dev.minibatch.spi.store.Lease;
import dev.minibatch.spi.store.NewMessage;
import dev.minibatch.spi.store.Selection;
import dev.minibatch.spi.store.StreamStore;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The {@code kafka://} store for the compatibility suite, whose cases claim right after they append:
 * an append returns once this process's share consumers hold the new records (on Kafka they arrive
 * asynchronously, a few milliseconds to seconds later), so a claim that follows sees them as on the
 * other stores. A share consumer that holds records gets no new ones until it settles them, so
 * before appending, the records this process holds unclaimed are moved to the end of their
 * partitions (as the store does for a stalled count window); their ids change, their numbers and
 * order by creation time do not. Everything else is the store itself.
 */
final class VisibleAppendsStore implements StreamStore {

    private static final Duration VISIBLE_WITHIN = Duration.ofSeconds(45);
    private static final Duration MOVE_AFTER = Duration.ofMillis(300);

    private final KafkaStore store;

    VisibleAppendsStore(KafkaStore store) {
        this.store = store;
    }

    KafkaStore kafka() {
        return store;
    }

    @Override
    public void append(String stream, List<NewMessage> messages) {
        int before = store.heldCount(stream);
        store.append(stream, messages);
        if (messages.isEmpty()) {
            return;
        }
        store.fetcher(stream); // consuming starts with the first append here
        long deadline = System.nanoTime() + VISIBLE_WITHIN.toNanos();
        long nextMove = System.nanoTime() + MOVE_AFTER.toNanos();
        // appended records are delivered to this process's share consumers alone (the only group member)
        // held, and the same a moment later: the fetcher may be settling a move of its own
        while (store.heldCount(stream) < before + messages.size() || !steady(stream, before + messages.size())) {
            long now = System.nanoTime();
            if (now > deadline) {
                throw new AssertionError("appended " + messages.size() + " records to '" + stream + "', but this process"
                        + " holds " + store.heldCount(stream) + " of the " + (before + messages.size()) + " expected after "
                        + VISIBLE_WITHIN);
            }
            if (now > nextMove) {
                store.moveFree(stream); // lanes holding unclaimed records fetch nothing new: let them fetch again
                nextMove = now + MOVE_AFTER.toNanos();
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    private boolean steady(String stream, int expected) {
        try {
            Thread.sleep(20);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
        return store.heldCount(stream) >= expected;
    }

    @Override
    public String url() {
        return store.url();
    }

    @Override
    public StreamInfo openStream(String name, Duration interval, Instant now) {
        return store.openStream(name, interval, now);
    }

    @Override
    public Optional<StreamInfo> findStream(String name) {
        return store.findStream(name);
    }

    @Override
    public List<StreamInfo> listStreams() {
        return store.listStreams();
    }

    @Override
    public List<Message> read(String stream, Selection selection, List<MessageState> states) {
        return store.read(stream, selection, states);
    }

    @Override
    public Claim claim(String stream, Selection selection, Lease lease) {
        return store.claim(stream, selection, lease);
    }

    @Override
    public boolean renew(String stream, String token, Instant expiresAt) {
        return store.renew(stream, token, expiresAt);
    }

    @Override
    public int commit(String stream, String token, boolean keep) {
        return store.commit(stream, token, keep);
    }

    @Override
    public int release(String stream, String token, Instant availableAt, String error) {
        return store.release(stream, token, availableAt, error);
    }

    @Override
    public int deadLetter(String stream, String token, String deadStream, String error, Instant now) {
        return store.deadLetter(stream, token, deadStream, error, now);
    }

    @Override
    public boolean compareAndSetLastRead(String stream, Instant expected, Instant next, Instant now) {
        return store.compareAndSetLastRead(stream, expected, next, now);
    }

    @Override
    public StreamStats stats(String stream) {
        return store.stats(stream);
    }

    @Override
    public int expire(String stream, Instant cutoff) {
        return store.expire(stream, cutoff);
    }

    @Override
    public int clear(String stream) {
        return store.clear(stream);
    }

    @Override
    public void close() {
        store.close();
    }
}
