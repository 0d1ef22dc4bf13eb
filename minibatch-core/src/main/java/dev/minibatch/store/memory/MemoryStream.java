package dev.minibatch.store.memory;

import dev.minibatch.model.StreamInfo;
import dev.minibatch.spi.store.Selection;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One stream of the memory store: its pending messages in a tree ordered by {@link MemoryEntry#ORDER}
 * (plus id and key indexes built on first need), its live claims by token, its done messages, and
 * its catalog fields (lastRead, append counts).
 *
 * <p><b>Threading.</b> Not thread-safe by itself: every access holds this object's monitor (the
 * stream's lock), taken by the parts that use it.
 */
final class MemoryStream {

    /** The key index's slot for unkeyed messages. */
    static final Object NO_KEY = new Object();

    /** Stands for a key without pending messages; never modified. */
    static final TreeMap<MemoryEntry, MemoryEntry> EMPTY_TREE = new TreeMap<>(MemoryEntry.ORDER);

    /** The messages one live claim holds, and its lease. */
    static final class ClaimGroup {
        final String owner;
        long leaseUntil;
        final List<MemoryEntry> entries;

        ClaimGroup(String owner, long leaseUntil, List<MemoryEntry> entries) {
            this.owner = owner;
            this.leaseUntil = leaseUntil;
            this.entries = entries;
        }
    }

    final String name;
    final Instant created;
    final Duration interval;
    Instant lastRead;
    long lastAppend = Long.MIN_VALUE;
    long appendedTotal;
    /** Replaced (not mutated) only by {@link #purgeStaleIfMany}, under the stream's lock. */
    TreeMap<MemoryEntry, MemoryEntry> pending = new TreeMap<>(MemoryEntry.ORDER);
    /**
     * The latest availableAt among pending entries (an upper bound; reset when the backlog
     * empties): when it has passed, every pending message is claimable and counting is O(1).
     */
    long latestAvailableAt = Long.MIN_VALUE;
    /** Entries keyed claims took but left marked ({@code MemoryEntry.stale}) in {@link #pending}. */
    int stale;
    /** id → pending entry, built on the first claim by ids (rare) and maintained from then on. */
    HashMap<Long, MemoryEntry> byId;
    /**
     * key (or {@link #NO_KEY}) → pending entries: built at the stream's first keyed message (or
     * keyed call) and maintained from then on; streams that never see a key never pay for it.
     */
    HashMap<Object, TreeMap<MemoryEntry, MemoryEntry>> byKey;
    final LinkedHashMap<String, ClaimGroup> claimed = new LinkedHashMap<>();
    final TreeMap<MemoryEntry, MemoryEntry> done = new TreeMap<>(MemoryEntry.ORDER);

    MemoryStream(String name, Instant created, Duration interval) {
        this.name = name;
        this.created = created;
        this.interval = interval;
        this.lastRead = created;
    }

    void addPending(MemoryEntry e) {
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
            byKey.computeIfAbsent(e.key == null ? NO_KEY : e.key, k -> new TreeMap<>(MemoryEntry.ORDER)).put(e, e);
        } else if (e.key != null) {
            keyIndex(); // the stream's first keyed message: index keys from now on (built with e in it)
        }
    }

    void removePending(MemoryEntry e) {
        pending.remove(e);
        unindex(e);
    }

    /** Physically removes an entry a keyed claim left marked in the main tree. */
    void dropStale(MemoryEntry e) {
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
        List<MemoryEntry> live = new ArrayList<>(pending.size() - stale);
        for (MemoryEntry e : pending.keySet()) {
            if (e.stale) {
                e.stale = false;
            } else {
                live.add(e);
            }
        }
        pending = SortedRun.tree(live, MemoryEntry.ORDER);
        stale = 0;
    }

    void unindex(MemoryEntry e) {
        unindex(e, null);
    }

    /** Drops e from the id and key indexes; {@code removedFrom} is a key tree e was already taken out of. */
    void unindex(MemoryEntry e, TreeMap<MemoryEntry, MemoryEntry> removedFrom) {
        if (byId != null) {
            byId.remove(e.seq);
        }
        if (byKey != null) {
            Object k = e.key == null ? NO_KEY : e.key;
            TreeMap<MemoryEntry, MemoryEntry> tree = byKey.get(k);
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

    HashMap<Object, TreeMap<MemoryEntry, MemoryEntry>> keyIndex() {
        if (byKey == null) {
            byKey = new HashMap<>();
            for (MemoryEntry e : pending.keySet()) {
                if (e.stale) {
                    continue;
                }
                byKey.computeIfAbsent(e.key == null ? NO_KEY : e.key, k -> new TreeMap<>(MemoryEntry.ORDER)).put(e, e);
            }
        }
        return byKey;
    }

    /** The pending entries a selection draws from: all, or one key's. */
    TreeMap<MemoryEntry, MemoryEntry> pendingOf(Selection selection) {
        if (!selection.byKey()) {
            return pending;
        }
        TreeMap<MemoryEntry, MemoryEntry> tree = keyIndex().get(selection.key() == null ? NO_KEY : selection.key());
        return tree == null ? EMPTY_TREE : tree;
    }

    Map<Long, MemoryEntry> idIndex() {
        if (byId == null) {
            byId = new HashMap<>();
            for (MemoryEntry e : pending.keySet()) {
                if (!e.stale) {
                    byId.put(e.seq, e);
                }
            }
        }
        return byId;
    }

    /** The entries of {@code map} within the selection's time bounds, as a view. */
    static java.util.NavigableMap<MemoryEntry, MemoryEntry> range(TreeMap<MemoryEntry, MemoryEntry> map, Selection selection) {
        java.util.NavigableMap<MemoryEntry, MemoryEntry> view = map;
        if (selection.createdFrom() != null) {
            view = view.tailMap(MemoryEntry.bound(selection.createdFrom().toEpochMilli(), Long.MIN_VALUE), true);
        }
        if (selection.createdBefore() != null) {
            view = view.headMap(MemoryEntry.bound(selection.createdBefore().toEpochMilli(), Long.MIN_VALUE), false);
        }
        return view;
    }

    synchronized StreamInfo info() {
        return new StreamInfo(name, "open", created, interval, lastRead, null);
    }
}
