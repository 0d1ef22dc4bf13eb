package dev.minibatch.store.memory;

import dev.minibatch.internal.Names;
import dev.minibatch.model.Message;
import dev.minibatch.model.MessageState;
import dev.minibatch.model.StoreException;
import dev.minibatch.model.StreamInfo;
import dev.minibatch.model.StreamStats;
import dev.minibatch.spi.store.KeyedStore.KeyCount;
import dev.minibatch.spi.store.NewMessage;
import dev.minibatch.spi.store.Selection;
import dev.minibatch.store.LocalWakeups;
import dev.minibatch.store.memory.MemoryStream.ClaimGroup;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The memory store's streams and their messages outside claims: the catalog (open, find, list,
 * lastRead compare-and-set), append, read, per-key counts, stats, expiry and clearing, and whether
 * the store is closed.
 *
 * <p><b>Threading.</b> Thread-safe: the catalog is a concurrent map; everything else holds the
 * lock of the stream concerned ({@link MemoryStream}), {@link #appendLocked} the caller's.
 */
final class MemoryStreams {

    /** The interval of a stream created by an append, a dead letter or a changelog rather than by {@code openStream}. */
    static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(10);

    private final ConcurrentHashMap<String, MemoryStream> streams = new ConcurrentHashMap<>();
    private final LocalWakeups wakeups;
    /** Append sequence across streams: a message's id, and its order among messages created together. */
    private final AtomicLong sequence = new AtomicLong();
    private volatile boolean closed;

    MemoryStreams(LocalWakeups wakeups) {
        this.wakeups = wakeups;
    }

    StreamInfo openStream(String name, Duration interval, Instant now) {
        return state(name, interval, now).info();
    }

    /** The stream, created if missing; callers lock it before touching its state. */
    MemoryStream state(String name, Duration interval, Instant now) {
        checkOpen();
        Names.checkStreamName(name);
        return streams.computeIfAbsent(name, n -> new MemoryStream(n, now, interval));
    }

    /** The stream, or null if it was never created; callers lock it before touching its state. */
    MemoryStream existing(String name) {
        checkOpen();
        return streams.get(name);
    }

    Optional<StreamInfo> findStream(String name) {
        MemoryStream state = existing(name);
        return state == null ? Optional.empty() : Optional.of(state.info());
    }

    List<StreamInfo> listStreams() {
        checkOpen();
        return streams.values().stream().map(MemoryStream::info).sorted(Comparator.comparing(StreamInfo::name)).toList();
    }

    void append(String stream, List<NewMessage> messages) {
        if (messages.isEmpty()) {
            return; // as on SQLite: nothing to store, no stream created (and no clock needed)
        }
        MemoryStream state = state(stream, DEFAULT_INTERVAL, messages.get(0).created());
        synchronized (state) {
            appendLocked(state, messages);
        }
        wakeups.appended(stream); // outside the lock: a woken consumer claims at once
    }

    /** Adds messages as pending and counts them; the caller holds {@code state}'s lock. */
    void appendLocked(MemoryStream state, List<NewMessage> messages) {
        for (NewMessage m : messages) {
            MemoryEntry e = new MemoryEntry(sequence.incrementAndGet(), m.created(), m.data(), m.attempts(), m.error(), m.key());
            state.addPending(e);
            state.lastAppend = Math.max(state.lastAppend, e.createdMillis);
        }
        state.appendedTotal += messages.size();
    }

    List<Message> read(String stream, Selection selection, List<MessageState> states) {
        MemoryStream state = existing(stream);
        if (state == null) {
            return List.of();
        }
        List<MessageState> wanted = states == null ? List.of(MessageState.PENDING) : states;
        List<Message> out = new ArrayList<>();
        synchronized (state) {
            if (wanted.size() == 1 && wanted.get(0) == MessageState.PENDING) {
                // the common case (buffer views, emitters peeking): walk in order, stop at the limit
                for (MemoryEntry e : MemoryStream.range(state.pendingOf(selection), selection).keySet()) {
                    if (e.stale) {
                        continue;
                    }
                    if (selection.ids() == null || selection.matches(e.id(), e.created)) {
                        out.add(e.toMessage(stream, MessageState.PENDING));
                        if (selection.limit() > 0 && out.size() >= selection.limit()) {
                            break;
                        }
                    }
                }
                return out;
            }
            List<Message> candidates = new ArrayList<>();
            if (wanted.contains(MessageState.PENDING)) {
                MemoryStream.range(state.pending, selection).keySet().forEach(e -> {
                    if (!e.stale) {
                        candidates.add(e.toMessage(stream, MessageState.PENDING));
                    }
                });
            }
            if (wanted.contains(MessageState.CLAIMED)) {
                state.claimed.values().forEach(g -> g.entries.forEach(e -> candidates.add(e.toMessage(stream, MessageState.CLAIMED))));
            }
            if (wanted.contains(MessageState.DONE)) {
                MemoryStream.range(state.done, selection).keySet().forEach(e -> candidates.add(e.toMessage(stream, MessageState.DONE)));
            }
            candidates.sort(Comparator.comparing(Message::created).thenComparingLong(m -> Long.parseLong(m.id())));
            for (Message m : candidates) {
                if (!selection.matches(m.id(), m.created()) || !selection.matchesKey(m.key())) {
                    continue;
                }
                out.add(m);
                if (selection.limit() > 0 && out.size() >= selection.limit()) {
                    break;
                }
            }
        }
        return out;
    }

    List<KeyCount> pendingByKey(String stream, Selection selection, Instant now) {
        MemoryStream state = existing(stream);
        if (state == null) {
            return List.of();
        }
        long nowMillis = now.toEpochMilli();
        List<KeyCount> out = new ArrayList<>();
        synchronized (state) {
            boolean unbounded = selection.createdFrom() == null && selection.createdBefore() == null;
            boolean allAvailable = state.latestAvailableAt <= nowMillis;
            for (Map.Entry<Object, TreeMap<MemoryEntry, MemoryEntry>> byKey : state.keyIndex().entrySet()) {
                java.util.NavigableMap<MemoryEntry, MemoryEntry> view = MemoryStream.range(byKey.getValue(), selection);
                String key = byKey.getKey() == MemoryStream.NO_KEY ? null : (String) byKey.getKey();
                if (view.isEmpty()) {
                    continue;
                }
                if (unbounded && allAvailable) {
                    out.add(new KeyCount(key, view.size(), view.firstKey().created));
                    continue;
                }
                long count = 0;
                Instant oldest = null;
                for (MemoryEntry e : view.keySet()) {
                    if (e.availableAt <= nowMillis) {
                        count++;
                        if (oldest == null) {
                            oldest = e.created;
                        }
                    }
                }
                if (count > 0) {
                    out.add(new KeyCount(key, count, oldest));
                }
            }
        }
        out.sort(Comparator.comparing(KeyCount::oldest));
        return out;
    }

    boolean compareAndSetLastRead(String stream, Instant expected, Instant next) {
        MemoryStream state = existing(stream);
        if (state == null) {
            return false;
        }
        synchronized (state) {
            if (!Objects.equals(state.lastRead, expected)) {
                return false;
            }
            state.lastRead = next;
            return true;
        }
    }

    StreamStats stats(String stream) {
        MemoryStream state = existing(stream);
        if (state == null) {
            return StreamStats.EMPTY;
        }
        synchronized (state) {
            long claimed = 0;
            for (ClaimGroup g : state.claimed.values()) {
                claimed += g.entries.size();
            }
            return new StreamStats(state.pending.size() - state.stale, claimed, state.done.size(),
                    state.lastAppend == Long.MIN_VALUE ? null : Instant.ofEpochMilli(state.lastAppend));
        }
    }

    int expire(String stream, Instant cutoff) {
        MemoryStream state = existing(stream);
        if (state == null) {
            return 0;
        }
        synchronized (state) {
            MemoryEntry bound = MemoryEntry.bound(cutoff.toEpochMilli(), Long.MIN_VALUE);
            int removed = 0;
            for (TreeMap<MemoryEntry, MemoryEntry> map : List.of(state.pending, state.done)) {
                var head = map.headMap(bound, false);
                removed += head.size();
                if (map == state.pending) {
                    for (MemoryEntry e : head.keySet()) {
                        if (e.stale) {
                            e.stale = false;
                            state.stale--;
                            removed--;
                        } else {
                            state.unindex(e);
                        }
                    }
                }
                head.clear();
            }
            return removed;
        }
    }

    int clear(String stream) {
        MemoryStream state = existing(stream);
        if (state == null) {
            return 0;
        }
        synchronized (state) {
            int removed = state.pending.size() - state.stale + state.done.size();
            state.pending.keySet().forEach(e -> e.stale = false);
            state.stale = 0;
            state.pending.clear();
            state.byId = null;
            state.byKey = null;
            state.done.clear();
            return removed;
        }
    }

    /** Throws once the store is closed. */
    void checkOpen() {
        if (closed) {
            throw new StoreException("memory: store is closed");
        }
    }

    void close() {
        closed = true;
    }
}
