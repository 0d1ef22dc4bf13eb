package dev.minibatch.mongo;

import com.mongodb.MongoException;
import com.mongodb.client.MongoChangeStreamCursor;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Aggregates;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.changestream.ChangeStreamDocument;
import dev.minibatch.model.StoreException;
import dev.minibatch.spi.store.AppendWakeups;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.bson.BsonDocument;
import org.bson.conversions.Bson;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store's {@link AppendWakeups}: one insert change stream on the {@code buffer} collection,
 * filtered to the subscribed streams, read by one daemon thread that calls the subscribers of the
 * stream each event names. Where the server has no change streams (standalone {@code mongod},
 * FerretDB 1.x, the wire emulator without its oplog) the first attempt fails, that is remembered
 * and logged once, and subscriptions stay inactive: consumers then poll as they always did.
 *
 * <p>The thread starts with the first subscription, ends when the store closes (within one await
 * period, {@value #AWAIT_MS} ms) and reopens the stream after errors; after every (re)open it wakes
 * all subscribers once, because appends made while no stream was open went unnoticed.
 */
final class AppendWatcher implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(AppendWatcher.class);
    /** How long one read waits on the server; also the bound for noticing close or new streams. */
    static final long AWAIT_MS = 250;
    private static final long MAX_REOPEN_DELAY_MS = 30_000;
    /** An empty answer faster than this did not await data (the emulator answers at once). */
    private static final long QUICK_EMPTY_MS = 10;
    /**
     * How long to wait before asking such a server again: briefly while appends flow (an event in the
     * last {@link #BRISK_MS}), so a wake-up is at most a few milliseconds late; longer when quiet, so
     * an idle store asks about a hundred times a second; and never sooner than twice the last ask
     * took, so the asking takes at most a third of such a server's time however many events flow
     * (the emulator scans its whole oplog on every ask). A server that awaits data (a replica set) is
     * asked again at once.
     */
    private static final long BRISK_PAUSE_MS = 2;
    private static final long QUIET_PAUSE_MS = 10;
    private static final long BRISK_MS = 1_000;

    private final MongoCollection<BsonDocument> buffer;
    private final String what;
    private final Map<String, List<Sub>> subscribers = new ConcurrentHashMap<>();
    private final Object lock = new Object();
    private Thread thread;
    private volatile boolean closed;
    /** Set once the server refused change streams: never tried again. */
    private volatile boolean unsupported;
    /** Set once an empty answer came at once: the server does not await data (the emulator). */
    private volatile boolean answersAtOnce;
    /** The streams the open change stream filters on, or null while none is open. */
    private volatile Set<String> watching;

    AppendWatcher(MongoCollection<BsonDocument> buffer, String what) {
        this.buffer = buffer;
        this.what = what;
    }

    /** Opens and closes a change stream at once; throws a StoreException naming the server's refusal. */
    void requireSupport() {
        try (MongoChangeStreamCursor<ChangeStreamDocument<BsonDocument>> cursor = open(Set.of("-"))) {
            cursor.getResumeToken();
        } catch (MongoException e) {
            throw new StoreException(what + ": change streams are required (changeStream=true) but the server refused"
                    + " them (a replica set or sharded cluster has them; a standalone mongod does not): "
                    + MongoConnection.shorten(e.getMessage()), e);
        }
    }

    boolean unsupported() {
        return unsupported;
    }

    /** The subscription of a store that watches nothing ({@code changeStream=false}): consumers poll. */
    static final AppendWakeups.Subscription INACTIVE = new AppendWakeups.Subscription() {
        @Override
        public boolean active() {
            return false;
        }

        @Override
        public void close() {
        }
    };

    AppendWakeups.Subscription subscribe(String stream, Runnable onAppend) {
        Sub sub = new Sub(stream, onAppend);
        if (closed || unsupported) {
            return sub; // inactive
        }
        subscribers.compute(stream, (s, list) -> {
            List<Sub> subs = list == null ? new CopyOnWriteArrayList<>() : list;
            subs.add(sub); // inside compute: a concurrent close cannot drop the list under us
            return subs;
        });
        synchronized (lock) {
            if (thread == null && !closed) {
                thread = new Thread(this::run, "minibatch-mongo-wakeups");
                thread.setDaemon(true);
                thread.start();
            }
            lock.notifyAll();
        }
        if (sub.active()) {
            // the stream is watched already, so no (re)start notice comes: this subscriber's pushes start now
            sub.fire();
        }
        return sub;
    }

    private void run() {
        long reopenDelay = 0;
        boolean everOpened = false;
        while (!closed) {
            Set<String> streams = new TreeSet<>(subscribers.keySet());
            if (streams.isEmpty()) {
                synchronized (lock) {
                    if (subscribers.isEmpty() && !closed) {
                        try {
                            lock.wait(AWAIT_MS * 4);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                }
                continue;
            }
            MongoChangeStreamCursor<ChangeStreamDocument<BsonDocument>> cursor;
            try {
                cursor = open(streams);
            } catch (MongoException | IllegalStateException e) {
                if (closed) {
                    return;
                }
                if (!everOpened) {
                    unsupported = true;
                    LOG.info("{}: no change streams on this server ({}); idle consumers poll instead", what,
                            MongoConnection.shorten(e.getMessage()));
                    return;
                }
                reopenDelay = Math.min(MAX_REOPEN_DELAY_MS, Math.max(100, reopenDelay * 2));
                LOG.debug("{}: reopening the change stream failed, retrying in {} ms: {}", what, reopenDelay,
                        e.getMessage());
                pause(reopenDelay);
                continue;
            }
            everOpened = true;
            reopenDelay = 0;
            watching = streams;
            wakeAll(); // appends made before the stream was open went unnoticed
            try {
                readEvents(cursor, streams);
            } catch (MongoException | IllegalStateException e) {
                if (!closed) {
                    LOG.debug("{}: the change stream failed, reopening: {}", what, e.getMessage());
                }
            } finally {
                watching = null;
                try {
                    cursor.close();
                } catch (RuntimeException ignored) {
                    // the client may be closing
                }
            }
            wakeAll(); // events may have been lost meanwhile: let everyone look
        }
    }

    /** Reads until closed, or until a stream that is not in the filter gets a subscriber. */
    private void readEvents(MongoChangeStreamCursor<ChangeStreamDocument<BsonDocument>> cursor, Set<String> streams) {
        long lastEvent = System.nanoTime() - TimeUnit.MILLISECONDS.toNanos(BRISK_MS);
        long lastAskEnded = 0;
        long lastAskNanos = 0;
        while (!closed) {
            if (!streams.containsAll(subscribers.keySet())) {
                return; // reopen with the new stream in the filter
            }
            boolean asks = cursor.available() == 0; // nothing buffered: this read goes to the server
            if (asks && answersAtOnce) {
                long quiet = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lastEvent) < BRISK_MS
                        ? BRISK_PAUSE_MS : QUIET_PAUSE_MS;
                long gapNanos = Math.max(TimeUnit.MILLISECONDS.toNanos(quiet), 2 * lastAskNanos);
                long waitNanos = lastAskEnded + gapNanos - System.nanoTime();
                if (waitNanos > 0) {
                    pause(Math.max(1, TimeUnit.NANOSECONDS.toMillis(waitNanos)));
                    continue; // look again: closed, or new streams, meanwhile
                }
            }
            long started = System.nanoTime();
            ChangeStreamDocument<BsonDocument> event = cursor.tryNext();
            if (asks) {
                lastAskEnded = System.nanoTime();
                lastAskNanos = lastAskEnded - started;
                if (event == null && TimeUnit.NANOSECONDS.toMillis(lastAskNanos) < QUICK_EMPTY_MS) {
                    answersAtOnce = true; // empty at once: the server does not await data (the emulator)
                }
            }
            if (event == null) {
                continue;
            }
            lastEvent = System.nanoTime();
            BsonDocument doc = event.getFullDocument();
            String stream = doc != null && doc.isString(Documents.STREAM) ? doc.getString(Documents.STREAM).getValue() : null;
            if (stream == null) {
                wakeAll();
            } else {
                wake(stream);
            }
        }
    }

    private MongoChangeStreamCursor<ChangeStreamDocument<BsonDocument>> open(Set<String> streams) {
        List<Bson> pipeline = List.of(Aggregates.match(Filters.and(Filters.eq("operationType", "insert"),
                Filters.in("fullDocument." + Documents.STREAM, new ArrayList<>(streams)))));
        return buffer.watch(pipeline, BsonDocument.class).maxAwaitTime(AWAIT_MS, TimeUnit.MILLISECONDS).cursor();
    }

    private void wake(String stream) {
        List<Sub> subs = subscribers.get(stream);
        if (subs != null) {
            for (Sub s : subs) {
                s.fire();
            }
        }
    }

    private void wakeAll() {
        for (List<Sub> subs : subscribers.values()) {
            for (Sub s : subs) {
                s.fire();
            }
        }
    }

    private void pause(long millis) {
        synchronized (lock) {
            if (closed) {
                return;
            }
            try {
                lock.wait(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                closed = true;
            }
        }
    }

    /** Stops the thread; it ends within one await period (it is a daemon, so nothing waits for it). */
    @Override
    public void close() {
        closed = true;
        synchronized (lock) {
            lock.notifyAll();
        }
        subscribers.clear();
    }

    private final class Sub implements AppendWakeups.Subscription {
        private final String stream;
        private final Runnable onAppend;
        private volatile boolean cancelled;

        Sub(String stream, Runnable onAppend) {
            this.stream = stream;
            this.onAppend = onAppend;
        }

        void fire() {
            if (cancelled) {
                return;
            }
            try {
                onAppend.run();
            } catch (RuntimeException e) {
                LOG.debug("{}: an append notice failed: {}", what, e.getMessage());
            }
        }

        @Override
        public boolean active() {
            Set<String> open = watching;
            return !cancelled && !closed && open != null && open.contains(stream);
        }

        @Override
        public boolean prompt() {
            return active() && !answersAtOnce;
        }

        @Override
        public void close() {
            cancelled = true;
            subscribers.computeIfPresent(stream, (s, list) -> {
                list.remove(this);
                return list.isEmpty() ? null : list;
            });
        }
    }
}
