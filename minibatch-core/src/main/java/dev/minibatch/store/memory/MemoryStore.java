package dev.minibatch.store.memory;

import com.fasterxml.jackson.databind.JsonNode;
import dev.minibatch.model.Message;
import dev.minibatch.model.MessageState;
import dev.minibatch.model.StoreException;
import dev.minibatch.model.StreamInfo;
import dev.minibatch.model.StreamStats;
import dev.minibatch.internal.Names;
import dev.minibatch.spi.store.Claim;
import dev.minibatch.spi.store.KeyedStore;
import dev.minibatch.spi.store.TransactionalTableStore;
import dev.minibatch.spi.store.CommitEffects;
import dev.minibatch.model.TableEntry;
import dev.minibatch.model.TableInfo;
import dev.minibatch.spi.store.Lease;
import dev.minibatch.spi.store.NewMessage;
import dev.minibatch.spi.store.Selection;
import dev.minibatch.spi.store.StreamActivity;
import dev.minibatch.spi.store.StreamStore;
import dev.minibatch.model.ConsumerStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The {@code memory:} store: one process, no persistence, fastest. Each stream is guarded by its
 * own lock; pending messages sit in a tree ordered by (created, sequence), so a claim costs
 * O(log n + window) whatever the backlog. Keys are indexed per stream (one tree per key) from the
 * stream's first keyed message on, so unkeyed streams never pay for it.
 */
public final class MemoryStore implements StreamStore, StreamActivity, KeyedStore, TransactionalTableStore {

    /** (created, sequence), written out: keyed claims search the main tree once per message. */
    private static final Comparator<Entry> ORDER = (a, b) -> {
        int byCreated = Long.compare(a.createdMillis, b.createdMillis);
        return byCreated != 0 ? byCreated : Long.compare(a.seq, b.seq);
    };

    private final ConcurrentHashMap<String, StreamState> streams = new ConcurrentHashMap<>();
    private final AtomicLong sequence = new AtomicLong();
    private final ConcurrentHashMap<String, ConsumerStatus> consumers = new ConcurrentHashMap<>();
    private final MemoryTables tables = new MemoryTables();
    private volatile boolean closed;

    @Override
    public String url() {
        return "memory:";
    }

    @Override
    public StreamInfo openStream(String name, Duration interval, Instant now) {
        return state(name, interval, now).info();
    }

    private StreamState state(String name, Duration interval, Instant now) {
        checkOpen();
        Names.checkStreamName(name);
        return streams.computeIfAbsent(name, n -> new StreamState(n, now, interval));
    }

    private StreamState existing(String name) {
        checkOpen();
        return streams.get(name);
    }

    @Override
    public Optional<StreamInfo> findStream(String name) {
        StreamState state = existing(name);
        return state == null ? Optional.empty() : Optional.of(state.info());
    }

    @Override
    public List<StreamInfo> listStreams() {
        checkOpen();
        return streams.values().stream().map(StreamState::info).sorted(Comparator.comparing(StreamInfo::name)).toList();
    }

    @Override
    public void append(String stream, List<NewMessage> messages) {
        StreamState state = state(stream, Duration.ofSeconds(10), messages.isEmpty() ? Instant.now() : messages.get(0).created());
        synchronized (state) {
            appendLocked(state, messages);
        }
    }

    private void appendLocked(StreamState state, List<NewMessage> messages) {
        for (NewMessage m : messages) {
            Entry e = new Entry(sequence.incrementAndGet(), m.created(), m.data(), m.attempts(), m.error(), m.key());
            state.addPending(e);
            state.lastAppend = Math.max(state.lastAppend, e.createdMillis);
        }
        state.appendedTotal += messages.size();
    }

    @Override
    public List<Message> read(String stream, Selection selection, List<MessageState> states) {
        StreamState state = existing(stream);
        if (state == null) {
            return List.of();
        }
        List<MessageState> wanted = states == null ? List.of(MessageState.PENDING) : states;
        List<Message> out = new ArrayList<>();
        synchronized (state) {
            if (wanted.size() == 1 && wanted.get(0) == MessageState.PENDING) {
                // the common case (buffer views, emitters peeking): walk in order, stop at the limit
                for (Entry e : range(state.pendingOf(selection), selection).keySet()) {
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
                range(state.pending, selection).keySet().forEach(e -> {
                    if (!e.stale) {
                        candidates.add(e.toMessage(stream, MessageState.PENDING));
                    }
                });
            }
            if (wanted.contains(MessageState.CLAIMED)) {
                state.claimed.values().forEach(g -> g.entries.forEach(e -> candidates.add(e.toMessage(stream, MessageState.CLAIMED))));
            }
            if (wanted.contains(MessageState.DONE)) {
                range(state.done, selection).keySet().forEach(e -> candidates.add(e.toMessage(stream, MessageState.DONE)));
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

    private static java.util.NavigableMap<Entry, Entry> range(TreeMap<Entry, Entry> map, Selection selection) {
        java.util.NavigableMap<Entry, Entry> view = map;
        if (selection.createdFrom() != null) {
            view = view.tailMap(Entry.bound(selection.createdFrom().toEpochMilli(), Long.MIN_VALUE), true);
        }
        if (selection.createdBefore() != null) {
            view = view.headMap(Entry.bound(selection.createdBefore().toEpochMilli(), Long.MIN_VALUE), false);
        }
        return view;
    }

    @Override
    public Claim claim(String stream, Selection selection, Lease lease) {
        StreamState state = existing(stream);
        if (state == null) {
            return new Claim(lease, List.of());
        }
        List<Message> claimed = new ArrayList<>(selection.limit() > 0 ? Math.min(selection.limit(), 1024) : 16);
        synchronized (state) {
            recoverExpired(state, lease.now());
            List<Entry> taken = new ArrayList<>(selection.limit() > 0 ? Math.min(selection.limit(), 1024) : 16);
            long now = lease.now().toEpochMilli();
            int limit = selection.limit();
            if (selection.ids() != null) {
                List<Entry> byIds = new ArrayList<>();
                Map<Long, Entry> index = state.idIndex();
                for (String id : selection.ids()) {
                    Long seq = parseId(id);
                    Entry e = seq == null ? null : index.get(seq);
                    if (e != null && e.availableAt <= now && selection.matches(id, e.created) && selection.matchesKey(e.key)) {
                        byIds.add(e);
                    }
                }
                byIds.sort(ORDER);
                taken = limit > 0 && byIds.size() > limit ? new ArrayList<>(byIds.subList(0, limit)) : byIds;
                if (taken.size() < selection.minCount()) {
                    return new Claim(lease, List.of());
                }
                for (Entry e : taken) {
                    state.removePending(e);
                }
            } else {
                // the range view already applies the time bounds; walk it in order
                TreeMap<Entry, Entry> source = state.pendingOf(selection);
                java.util.NavigableMap<Entry, Entry> view = range(source, selection);
                boolean allAvailable = state.latestAvailableAt <= now && view == source;
                int available = allAvailable ? view.size() - (source == state.pending ? state.stale : 0)
                        : countAvailable(view, now, selection.minCount());
                if (selection.minCount() > 0 && available < selection.minCount()) {
                    return new Claim(lease, List.of());
                }
                Iterator<Entry> it = view.keySet().iterator();
                while (it.hasNext() && (limit == 0 || taken.size() < limit)) {
                    Entry e = it.next();
                    if (e.stale) { // taken by a keyed claim earlier: drop it from the main tree now
                        it.remove();
                        e.stale = false;
                        state.stale--;
                        continue;
                    }
                    if (e.availableAt > now) {
                        continue;
                    }
                    it.remove();
                    if (source != state.pending) {
                        // a keyed claim leaves the entry in the main tree, marked: searching that tree
                        // per message would cost a keyed claim more than the claim itself
                        e.stale = true;
                        state.stale++;
                    }
                    if (source == state.pending) {
                        state.unindex(e, null);
                    } else if (state.byId != null) {
                        state.byId.remove(e.seq); // e left its key's tree above; an emptied tree goes below
                    }
                    taken.add(e);
                }
                if (source != state.pending) {
                    if (source.isEmpty() && selection.byKey()) {
                        state.byKey.remove(selection.key() == null ? NO_KEY : selection.key());
                    }
                    state.purgeStaleIfMany();
                }
            }
            ClaimGroup group = new ClaimGroup(lease.owner(), lease.expiresAt().toEpochMilli(), taken);
            for (Entry e : taken) {
                claimed.add(e.toMessage(stream, MessageState.CLAIMED));
            }
            state.claimed.put(lease.token(), group);
        }
        return new Claim(lease, claimed);
    }

    @Override
    public List<KeyCount> pendingByKey(String stream, Selection selection, Instant now) {
        StreamState state = existing(stream);
        if (state == null) {
            return List.of();
        }
        long nowMillis = now.toEpochMilli();
        List<KeyCount> out = new ArrayList<>();
        synchronized (state) {
            boolean unbounded = selection.createdFrom() == null && selection.createdBefore() == null;
            boolean allAvailable = state.latestAvailableAt <= nowMillis;
            for (Map.Entry<Object, TreeMap<Entry, Entry>> byKey : state.keyIndex().entrySet()) {
                java.util.NavigableMap<Entry, Entry> view = range(byKey.getValue(), selection);
                String key = byKey.getKey() == NO_KEY ? null : (String) byKey.getKey();
                if (view.isEmpty()) {
                    continue;
                }
                if (unbounded && allAvailable) {
                    out.add(new KeyCount(key, view.size(), view.firstKey().created));
                    continue;
                }
                long count = 0;
                Instant oldest = null;
                for (Entry e : view.keySet()) {
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

    @Override
    public int commitWithState(String stream, String token, boolean keep, int expected, CommitEffects effects) {
        StreamState state = existing(stream);
        if (state == null) {
            return 0;
        }
        // every stream involved is locked, in name order, so two stages feeding each other cannot deadlock
        TreeMap<String, StreamState> locked = new TreeMap<>();
        locked.put(stream, state);
        for (Map.Entry<String, List<NewMessage>> a : effects.appends().entrySet()) {
            Instant first = a.getValue().isEmpty() ? effects.now() : a.getValue().get(0).created();
            locked.put(a.getKey(), state(a.getKey(), Duration.ofSeconds(10), first));
        }
        for (String changelog : effects.changelogs().values()) {
            locked.put(changelog, state(changelog, Duration.ofSeconds(10), effects.now()));
        }
        return underLocks(new ArrayList<>(locked.values()), 0, () -> {
            ClaimGroup group = state.claimed.get(token);
            if (group == null || group.entries.size() != expected) {
                return 0;
            }
            // tables first: a state function that throws leaves the claim held and nothing changed
            Map<String, List<NewMessage>> changelog = effects.updates().isEmpty() ? Map.of() : tables.apply(effects);
            state.claimed.remove(token);
            if (keep) {
                for (Entry e : group.entries) {
                    state.done.put(e, e);
                }
            }
            for (Map.Entry<String, List<NewMessage>> a : effects.appends().entrySet()) {
                appendLocked(locked.get(a.getKey()), a.getValue());
            }
            changelog.forEach((name, messages) -> appendLocked(locked.get(name), messages));
            return expected;
        });
    }

    @Override
    public Optional<TableEntry> tableEntry(String table, String key) {
        checkOpen();
        return tables.entry(table, key);
    }

    @Override
    public List<TableEntry> tableEntries(String table, String afterKey, int limit) {
        checkOpen();
        return tables.entries(table, afterKey, limit);
    }

    @Override
    public Optional<TableInfo> tableInfo(String table) {
        checkOpen();
        return tables.info(table);
    }

    @Override
    public List<TableInfo> listTables() {
        checkOpen();
        return tables.list();
    }

    @Override
    public long clearTable(String table) {
        checkOpen();
        return tables.clear(table);
    }

    @Override
    public boolean dropTable(String table) {
        checkOpen();
        return tables.drop(table);
    }

    private static int underLocks(List<StreamState> states, int index, java.util.function.IntSupplier work) {
        if (index == states.size()) {
            return work.getAsInt();
        }
        synchronized (states.get(index)) {
            return underLocks(states, index + 1, work);
        }
    }

    private static int countAvailable(java.util.NavigableMap<Entry, Entry> view, long now, int enough) {
        int count = 0;
        for (Entry e : view.keySet()) {
            if (!e.stale && e.availableAt <= now && ++count >= enough) {
                break;
            }
        }
        return count;
    }

    private static Long parseId(String id) {
        try {
            return Long.valueOf(id);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static void recoverExpired(StreamState state, Instant now) {
        long nowMillis = now.toEpochMilli();
        Iterator<Map.Entry<String, ClaimGroup>> it = state.claimed.entrySet().iterator();
        while (it.hasNext()) {
            ClaimGroup group = it.next().getValue();
            if (group.leaseUntil <= nowMillis) {
                it.remove();
                for (Entry e : group.entries) {
                    e.attempts++;
                    e.error = "lease of " + group.owner + " expired";
                    e.availableAt = nowMillis;
                    state.addPending(e);
                }
            }
        }
    }

    @Override
    public boolean renew(String stream, String token, Instant expiresAt) {
        StreamState state = existing(stream);
        if (state == null) {
            return false;
        }
        synchronized (state) {
            ClaimGroup group = state.claimed.get(token);
            if (group == null) {
                return false;
            }
            group.leaseUntil = expiresAt.toEpochMilli();
            return true;
        }
    }

    @Override
    public int commit(String stream, String token, boolean keep) {
        StreamState state = existing(stream);
        if (state == null) {
            return 0;
        }
        synchronized (state) {
            ClaimGroup group = state.claimed.remove(token);
            if (group == null) {
                return 0;
            }
            if (keep) {
                for (Entry e : group.entries) {
                    state.done.put(e, e);
                }
            }
            return group.entries.size();
        }
    }

    @Override
    public int release(String stream, String token, Instant availableAt, String error) {
        StreamState state = existing(stream);
        if (state == null) {
            return 0;
        }
        synchronized (state) {
            ClaimGroup group = state.claimed.remove(token);
            if (group == null) {
                return 0;
            }
            for (Entry e : group.entries) {
                if (error != null) {
                    e.attempts++;
                    e.error = error;
                }
                e.availableAt = availableAt.toEpochMilli();
                state.addPending(e);
            }
            return group.entries.size();
        }
    }

    @Override
    public int deadLetter(String stream, String token, String deadStream, String error) {
        StreamState state = existing(stream);
        if (state == null) {
            return 0;
        }
        ClaimGroup group;
        synchronized (state) {
            group = state.claimed.remove(token);
            if (group != null) {
                for (Entry e : group.entries) {
                    state.dropStale(e); // the entry moves to another stream's tree
                }
            }
        }
        if (group == null) {
            return 0;
        }
        StreamState dead = state(deadStream, state.interval, Instant.now());
        synchronized (dead) {
            for (Entry e : group.entries) {
                e.attempts++;
                e.error = error;
                e.availableAt = 0;
                dead.addPending(e);
                dead.lastAppend = Math.max(dead.lastAppend, e.createdMillis);
            }
        }
        return group.entries.size();
    }

    @Override
    public boolean compareAndSetLastRead(String stream, Instant expected, Instant next) {
        StreamState state = existing(stream);
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

    @Override
    public StreamStats stats(String stream) {
        StreamState state = existing(stream);
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

    @Override
    public int expire(String stream, Instant cutoff) {
        StreamState state = existing(stream);
        if (state == null) {
            return 0;
        }
        synchronized (state) {
            Entry bound = Entry.bound(cutoff.toEpochMilli(), Long.MIN_VALUE);
            int removed = 0;
            for (TreeMap<Entry, Entry> map : List.of(state.pending, state.done)) {
                var head = map.headMap(bound, false);
                removed += head.size();
                if (map == state.pending) {
                    for (Entry e : head.keySet()) {
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

    @Override
    public int clear(String stream) {
        StreamState state = existing(stream);
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

    @Override
    public void heartbeat(ConsumerStatus status) {
        checkOpen();
        consumers.put(status.stream() + "\u0000" + status.consumerId(), status);
    }

    @Override
    public List<ConsumerStatus> consumers(String stream, Instant since) {
        checkOpen();
        return consumers.values().stream()
                .filter(c -> c.stream().equals(stream) && !c.lastSeen().isBefore(since))
                .sorted(Comparator.comparing(ConsumerStatus::lastSeen).reversed())
                .toList();
    }

    @Override
    public long appendedTotal(String stream) {
        StreamState state = existing(stream);
        if (state == null) {
            return 0;
        }
        synchronized (state) {
            return state.appendedTotal;
        }
    }

    @Override
    public void close() {
        closed = true;
    }

    private void checkOpen() {
        if (closed) {
            throw new StoreException("memory: store is closed");
        }
    }

    /** The key index's slot for unkeyed messages. */
    private static final Object NO_KEY = new Object();

    private static final class StreamState {
        final String name;
        final Instant created;
        final Duration interval;
        Instant lastRead;
        long lastAppend = Long.MIN_VALUE;
        long appendedTotal;
        /** Replaced (not mutated) only by {@link #purgeStaleIfMany}, under the stream's lock. */
        TreeMap<Entry, Entry> pending = new TreeMap<>(ORDER);
        /**
         * The latest availableAt among pending entries (an upper bound; reset when the backlog
         * empties): when it has passed, every pending message is claimable and counting is O(1).
         */
        long latestAvailableAt = Long.MIN_VALUE;
        /** Entries keyed claims took but left marked ({@code Entry.stale}) in {@link #pending}. */
        int stale;
        /** id → pending entry, built on the first claim by ids (rare) and maintained from then on. */
        HashMap<Long, Entry> byId;
        /**
         * key (or {@link #NO_KEY}) → pending entries: built at the stream's first keyed message (or
         * keyed call) and maintained from then on; streams that never see a key never pay for it.
         */
        HashMap<Object, TreeMap<Entry, Entry>> byKey;
        final LinkedHashMap<String, ClaimGroup> claimed = new LinkedHashMap<>();
        final TreeMap<Entry, Entry> done = new TreeMap<>(ORDER);

        StreamState(String name, Instant created, Duration interval) {
            this.name = name;
            this.created = created;
            this.interval = interval;
            this.lastRead = created;
        }

        void addPending(Entry e) {
            if (pending.isEmpty()) {
                latestAvailableAt = Long.MIN_VALUE;
            }
            latestAvailableAt = Math.max(latestAvailableAt, e.availableAt);
            if (e.stale) {
                e.stale = false; // back from a keyed claim: it never left the main tree
                stale--;
            } else {
                pending.put(e, e);
            }
            if (byId != null) {
                byId.put(e.seq, e);
            }
            if (byKey != null) {
                byKey.computeIfAbsent(e.key == null ? NO_KEY : e.key, k -> new TreeMap<>(ORDER)).put(e, e);
            } else if (e.key != null) {
                keyIndex(); // the stream's first keyed message: index keys from now on (built with e in it)
            }
        }

        void removePending(Entry e) {
            pending.remove(e);
            unindex(e);
        }

        /** Physically removes an entry a keyed claim left marked in the main tree. */
        void dropStale(Entry e) {
            if (e.stale) {
                pending.remove(e);
                e.stale = false;
                stale--;
            }
        }

        /**
         * Keeps marked entries from piling up when only keyed consumers run: amortised O(1) a claim.
         * The live entries are rebuilt into a new tree in linear time, which costs a fraction of
         * deleting the marked ones one by one (each a rebalancing of the tree).
         */
        void purgeStaleIfMany() {
            if (stale < 4096 || stale * 2L < pending.size()) {
                return;
            }
            List<Entry> live = new ArrayList<>(pending.size() - stale);
            for (Entry e : pending.keySet()) {
                if (e.stale) {
                    e.stale = false;
                } else {
                    live.add(e);
                }
            }
            pending = SortedRun.tree(live, ORDER);
            stale = 0;
        }

        void unindex(Entry e) {
            unindex(e, null);
        }

        /** Drops e from the id and key indexes; {@code removedFrom} is a key tree e was already taken out of. */
        void unindex(Entry e, TreeMap<Entry, Entry> removedFrom) {
            if (byId != null) {
                byId.remove(e.seq);
            }
            if (byKey != null) {
                Object k = e.key == null ? NO_KEY : e.key;
                TreeMap<Entry, Entry> tree = byKey.get(k);
                if (tree != null) {
                    if (tree != removedFrom) {
                        tree.remove(e);
                    }
                    if (tree.isEmpty()) {
                        byKey.remove(k);
                    }
                }
            }
        }

        HashMap<Object, TreeMap<Entry, Entry>> keyIndex() {
            if (byKey == null) {
                byKey = new HashMap<>();
                for (Entry e : pending.keySet()) {
                    if (e.stale) {
                        continue;
                    }
                    byKey.computeIfAbsent(e.key == null ? NO_KEY : e.key, k -> new TreeMap<>(ORDER)).put(e, e);
                }
            }
            return byKey;
        }

        /** The pending entries a selection draws from: all, or one key's. */
        TreeMap<Entry, Entry> pendingOf(Selection selection) {
            if (!selection.byKey()) {
                return pending;
            }
            TreeMap<Entry, Entry> tree = keyIndex().get(selection.key() == null ? NO_KEY : selection.key());
            return tree == null ? EMPTY_TREE : tree;
        }

        Map<Long, Entry> idIndex() {
            if (byId == null) {
                byId = new HashMap<>();
                for (Entry e : pending.keySet()) {
                    if (!e.stale) {
                        byId.put(e.seq, e);
                    }
                }
            }
            return byId;
        }

        synchronized StreamInfo info() {
            return new StreamInfo(name, "open", created, interval, lastRead, null);
        }
    }

    /** Stands for a key without pending messages; never modified. */
    private static final TreeMap<Entry, Entry> EMPTY_TREE = new TreeMap<>(ORDER);

    private static final class ClaimGroup {
        final String owner;
        long leaseUntil;
        final List<Entry> entries;

        ClaimGroup(String owner, long leaseUntil, List<Entry> entries) {
            this.owner = owner;
            this.leaseUntil = leaseUntil;
            this.entries = entries;
        }
    }

    private static final class Entry {
        final long seq;
        final long createdMillis;
        final Instant created;
        final JsonNode data;
        final String key;
        private final String id;
        int attempts;
        String error;
        long availableAt;
        /** Claimed by key but still in its stream's main pending tree (removed lazily); guarded by the stream. */
        boolean stale;

        Entry(long seq, Instant created, JsonNode data, int attempts, String error, String key) {
            this.seq = seq;
            this.key = key;
            this.id = data == null ? null : Long.toString(seq); // appended entries only; bounds need none
            this.createdMillis = created.toEpochMilli();
            this.created = created;
            this.data = data;
            this.attempts = attempts;
            this.error = error;
        }

        static Entry bound(long createdMillis, long seq) {
            return new Entry(seq, Instant.ofEpochMilli(createdMillis), null, 0, null, null);
        }

        String id() {
            return id;
        }

        Message toMessage(String stream, MessageState state) {
            return new Message(id(), stream, created, data, state, attempts, error, key);
        }
    }
}
