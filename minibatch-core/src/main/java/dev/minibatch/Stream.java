package dev.minibatch;

import dev.minibatch.model.InvalidMessageException;
import dev.minibatch.model.Message;
import dev.minibatch.model.MessageState;
import dev.minibatch.model.StoreException;
import dev.minibatch.model.StreamInfo;
import dev.minibatch.model.StreamOptions;
import dev.minibatch.model.StreamStats;
import com.fasterxml.jackson.databind.JsonNode;
import dev.minibatch.internal.Json;
import dev.minibatch.internal.Names;
import dev.minibatch.spi.store.Claim;
import dev.minibatch.spi.store.Lease;
import dev.minibatch.spi.store.NewMessage;
import dev.minibatch.spi.store.Selection;
import dev.minibatch.spi.connector.Source;
import dev.minibatch.spi.connector.StreamWriter;
import dev.minibatch.spi.store.StreamStore;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A named, persistent stream: producers append, consumers ({@link #streaming()}) receive windows.
 * Created in the store on first access. Thread-safe: many threads may append through one handle.
 *
 * <p>Every value is encoded as JSON once, checked against the size limit, and rejected with an
 * {@link InvalidMessageException} naming the problem; a rejected value never affects messages
 * appended before it. Without batching ({@link StreamOptions#batchSize()} = 1), {@code append}
 * returns once the message is durable in the store.
 */
public final class Stream implements AutoCloseable, StreamWriter {

    private static final Logger LOG = LoggerFactory.getLogger(Stream.class);

    private final Minibatch minibatch;
    private final String name;
    private final StreamOptions options;
    private final StreamStore store;
    private final List<Attachment> attachments = new CopyOnWriteArrayList<>();
    private final Object batchLock = new Object();
    private List<NewMessage> batch = new ArrayList<>();
    private ScheduledFuture<?> scheduledFlush;
    private ScheduledFuture<?> housekeeping;
    private volatile boolean closed;

    Stream(Minibatch minibatch, String name, StreamOptions options) {
        this.minibatch = minibatch;
        this.name = Names.checkStreamName(name);
        this.options = options;
        this.store = minibatch.store();
        store.openStream(name, options.interval(), now());
        if (options.maxAge() != null) {
            long every = Math.max(10, Math.min(60_000, options.maxAge().toMillis() / 2));
            housekeeping = minibatch.scheduler().scheduleWithFixedDelay(this::expireOld, 0, every, TimeUnit.MILLISECONDS);
        }
    }

    private Instant now() {
        return minibatch.clock().instant().truncatedTo(ChronoUnit.MILLIS);
    }

    public String name() {
        return name;
    }

    public StreamOptions options() {
        return options;
    }

    /**
     * The client this stream belongs to.
     *
     * @return the client
     */
    public Minibatch minibatch() {
        return minibatch;
    }

    /**
     * Appends one value (a Map, POJO, JsonNode, String, number, …). Without batching it is durable
     * when this returns.
     *
     * @throws InvalidMessageException if the value is null, not JSON-serialisable or too large
     * @throws StoreException          if the store cannot write it
     */
    public void append(Object value) {
        appendEncoded(encode(value, now(), 0, null, NO_KEY));
    }

    /**
     * Appends one value under a message key (stored and indexed; keyed consumers and stages group
     * by it). An explicit key wins over the stream's {@link StreamOptions#keyExtractor()}.
     *
     * @param key the key, or null for an unkeyed message
     * @throws InvalidMessageException as {@link #append(Object)}
     */
    public void append(String key, Object value) {
        appendEncoded(encode(value, now(), 0, null, key));
    }

    private void appendEncoded(NewMessage message) {
        if (options.batchSize() == 1) {
            checkOpen();
            store.append(name, List.of(message));
            minibatch.countAppended(name, 1);
            return;
        }
        enqueue(List.of(message));
    }

    /**
     * Appends several values in one round trip, all or none: every value is validated before any
     * is written.
     *
     * @return how many values were appended
     */
    public int appendAll(Iterable<?> values) {
        List<NewMessage> messages = new ArrayList<>();
        Instant created = now(); // one call, one write: one creation time
        int index = 0;
        for (Object value : values) {
            try {
                messages.add(encode(value, created, 0, null, NO_KEY));
            } catch (InvalidMessageException e) {
                throw new InvalidMessageException("value #" + index + " of appendAll: " + e.getMessage(), e);
            }
            index++;
        }
        if (messages.isEmpty()) {
            return 0;
        }
        if (options.batchSize() == 1) {
            checkOpen();
            store.append(name, messages);
            minibatch.countAppended(name, messages.size());
        } else {
            enqueue(messages);
        }
        return messages.size();
    }

    /** Marks "no explicit key": the stream's key extractor, if any, decides. */
    private static final String NO_KEY = new String("(extractor)");

    private NewMessage encode(Object value, Instant created, int attempts, String error) {
        return encode(value, created, attempts, error, null);
    }

    @SuppressWarnings("StringEquality")
    private NewMessage encode(Object value, Instant created, int attempts, String error, String explicitKey) {
        String key = explicitKey;
        if (key == NO_KEY) {
            key = null;
            if (options.keyExtractor() != null && value != null) {
                try {
                    key = options.keyExtractor().apply(value);
                } catch (RuntimeException e) {
                    throw new InvalidMessageException("stream '" + name + "': the key extractor failed on " + value
                            + ": " + e, e);
                }
            }
        }
        // one pass from the value to text; a tree is built only by stores that keep trees
        JsonNode tree = value instanceof JsonNode node ? node.deepCopy() : null;
        String json = Json.encode(minibatch.mapper(), tree != null ? tree : value, name);
        int limit = minibatch.maxMessageBytes();
        if ((long) json.length() * 3 > limit) { // a char is at most 3 UTF-8 bytes: count only when it could matter
            long bytes = Json.utf8Length(json);
            if (bytes > limit) {
                throw new InvalidMessageException("stream '" + name + "': message of " + bytes
                        + " bytes exceeds the limit of " + limit + " bytes (Minibatch.builder().maxMessageBytes(…) raises it)");
            }
        }
        return new NewMessage(created, tree, json, attempts, error, key);
    }

    private void enqueue(List<NewMessage> messages) {
        boolean flushNow;
        synchronized (batchLock) {
            checkOpen();
            batch.addAll(messages);
            flushNow = batch.size() >= options.batchSize();
            if (!flushNow && scheduledFlush == null) {
                scheduledFlush = minibatch.scheduler().schedule(this::timedFlush,
                        options.flushInterval().toMillis(), TimeUnit.MILLISECONDS);
            }
        }
        if (flushNow) {
            flush();
        }
    }

    private void timedFlush() {
        try {
            flush();
        } catch (RuntimeException e) {
            LOG.warn("timed flush of stream '{}' failed; the batch is kept and retried", name, e);
            synchronized (batchLock) {
                if (scheduledFlush == null && !batch.isEmpty()) {
                    scheduledFlush = minibatch.scheduler().schedule(this::timedFlush,
                            options.flushInterval().toMillis(), TimeUnit.MILLISECONDS);
                }
            }
        }
    }

    /**
     * Writes any batched messages now; durable when this returns. If the write fails the messages
     * stay batched (nothing is dropped) and the exception is thrown.
     */
    public void flush() {
        synchronized (batchLock) {
            if (scheduledFlush != null) {
                scheduledFlush.cancel(false);
                scheduledFlush = null;
            }
            if (batch.isEmpty()) {
                return;
            }
            List<NewMessage> toWrite = batch;
            batch = new ArrayList<>();
            try {
                store.append(name, toWrite);
                minibatch.countAppended(name, toWrite.size());
            } catch (RuntimeException e) {
                toWrite.addAll(batch);
                batch = toWrite;
                throw e;
            }
        }
    }

    /**
     * Messages batched in this handle and not yet written.
     *
     * @return the number of unwritten messages
     */
    public int unflushed() {
        synchronized (batchLock) {
            return batch.size();
        }
    }

    /**
     * Pending messages, oldest first (Python's {@code buffer()}).
     *
     * @return the pending messages
     */
    public List<Message> buffer() {
        return buffer(0);
    }

    /**
     * At most {@code limit} pending messages, oldest first; 0 for all.
     *
     * @param limit the most messages returned, 0 for all
     * @return the pending messages
     */
    public List<Message> buffer(int limit) {
        flushQuietly();
        return store.read(name, Selection.pending().limit(limit), null);
    }

    /**
     * Messages in the given states, oldest first; {@code limit} 0 for all.
     *
     * @param states the states to list
     * @param limit the most messages returned, 0 for all
     * @return the messages
     */
    public List<Message> messages(List<MessageState> states, int limit) {
        flushQuietly();
        return store.read(name, Selection.pending().limit(limit), states);
    }

    private void flushQuietly() {
        if (options.batchSize() > 1) {
            flush();
        }
    }

    /**
     * The stream's stored description (Python's {@code stream} document).
     *
     * @return the stream's metadata
     */
    public StreamInfo metadata() {
        return store.findStream(name).orElseGet(() -> store.openStream(name, options.interval(), now()));
    }

    /**
     * Counts of pending, claimed and kept messages.
     *
     * @return the stream's counts
     */
    public StreamStats stats() {
        return store.stats(name);
    }

    /**
     * A consumer builder for this stream (same as {@code minibatch.streaming(name())}).
     *
     * @return a new consumer builder
     */
    public Streaming streaming() {
        return minibatch.streaming(name);
    }

    /**
     * Runs the source on a daemon thread, appending to this stream until it ends or is stopped.
     * Python's {@code attach(source)}, without its non-daemon thread.
     *
     * @param source the source to run
     * @return the attachment, to watch or stop the source
     */
    public Attachment attach(Source source) {
        checkOpen();
        Attachment attachment = new Attachment(source, this);
        attachments.add(attachment);
        attachment.start();
        return attachment;
    }

    /**
     * The dead-letter stream {@code <name>.dead}.
     *
     * @return the dead-letter stream
     */
    public Stream deadLetters() {
        return minibatch.stream(Names.deadLetterStream(name));
    }

    /**
     * Puts a value straight into the dead-letter stream with an error text, e.g. a source's record
     * that could not be decoded.
     */
    public void deadLetter(Object value, String error) {
        NewMessage message = encode(value, now(), 0, error == null ? "dead-lettered" : error);
        store.append(Names.deadLetterStream(name), List.of(message));
    }

    /**
     * Moves up to {@code limit} dead-lettered messages (0 for all) back into this stream, with
     * their attempts reset. At least once: a crash midway may leave a copy in both.
     *
     * @return how many were moved
     * @param limit the most messages moved, 0 for all
     */
    public int requeueDead(int limit) {
        if (limit < 0) {
            throw new IllegalArgumentException("requeueDead limit must be >= 0 (0 for all), was " + limit);
        }
        String dead = Names.deadLetterStream(name);
        int moved = 0;
        while (limit == 0 || moved < limit) {
            int take = limit == 0 ? 1000 : Math.min(1000, limit - moved);
            Instant now = now();
            Lease lease = new Lease(UUID.randomUUID().toString(), minibatch.ownerId() + ":requeue", now,
                    now.plus(Duration.ofMinutes(5)));
            Claim claim = store.claim(dead, Selection.pending().limit(take), lease);
            if (claim.isEmpty()) {
                break;
            }
            List<NewMessage> copies = new ArrayList<>();
            for (Message m : claim.messages()) {
                copies.add(NewMessage.ofTree(m.created(), m.data(), 0, null).withKey(m.key()));
            }
            store.append(name, copies);
            store.commit(dead, claim.token(), false);
            moved += copies.size();
        }
        return moved;
    }

    /**
     * Deletes all pending and kept messages (Python's {@code clear()}).
     *
     * @return how many messages the store deleted
     */
    public int clear() {
        synchronized (batchLock) {
            batch.clear();
        }
        return store.clear(name);
    }

    private void expireOld() {
        try {
            int removed = store.expire(name, now().minus(options.maxAge()));
            if (removed > 0) {
                LOG.debug("stream '{}': expired {} messages older than {}", name, removed, options.maxAge());
            }
        } catch (RuntimeException e) {
            LOG.warn("expiring old messages of stream '{}' failed", name, e);
        }
    }

    /** Stops attached sources and the {@code maxAge} housekeeping (Python's {@code stop()}). */
    public void stop() {
        for (Attachment a : attachments) {
            a.stop();
        }
        attachments.clear();
        if (housekeeping != null) {
            housekeeping.cancel(false);
        }
    }

    /** Flushes batched messages, stops sources and housekeeping. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        stop();
        try {
            flush();
        } finally {
            closed = true;
            minibatch.forget(this);
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("stream handle '" + name + "' is closed");
        }
    }

    @Override
    public String toString() {
        return "Stream[" + name + " @ " + store.url() + "]";
    }
}
