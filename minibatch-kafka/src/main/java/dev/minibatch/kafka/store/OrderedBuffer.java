package dev.minibatch.kafka.store;

import dev.minibatch.model.Message;
import dev.minibatch.model.MessageState;
import dev.minibatch.spi.store.Claim;
import dev.minibatch.spi.store.KeyedStore.KeyCount;
import dev.minibatch.spi.store.Lease;
import dev.minibatch.spi.store.Selection;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;

/**
 * The records an ordered consumer of this process fetched from its assigned partitions, in offset
 * order per partition, and the windows claimed from them. A claim takes, from each partition, free
 * records from its head onwards, and merges the partitions by creation time, so every window holds a
 * prefix of what each partition had free: a partition's order is never broken. A record waiting out
 * a retry backoff holds back every later record of its partition. Committed records are done; a
 * partition's offset to commit is the first record not done, so an offset never passes a window
 * still in flight.
 *
 * <p><b>Threading.</b> Thread-safe: every method takes the buffer's lock. The fetcher thread adds
 * records and hands partitions over; the consumers' threads claim, commit and release.
 */
final class OrderedBuffer {

    /** Merge order across partitions: creation time, then partition (within one, offset order is kept). */
    private static final Comparator<OrderedRecord> HEADS = Comparator.comparing(OrderedRecord::created)
            .thenComparingInt(r -> r.partition);

    private final Map<Integer, ArrayDeque<OrderedRecord>> partitions = new TreeMap<>();
    private final Map<String, OrderedRecord> byId = new HashMap<>();
    private final Map<String, List<OrderedRecord>> claims = new HashMap<>();
    /** Partitions being handed over: no new claim takes their records (one taken after the wait for windows in flight would be repeated by the next owner). */
    private final java.util.Set<Integer> revoking = new java.util.HashSet<>();
    /** No claim's lease lapses before this (null: no claim); a lower bound, so lapsed leases are looked for rarely. */
    private Instant firstExpiry;
    private final KeyedRecords keyed = new KeyedRecords();
    /** Per partition, records given back with a backoff and not claimed since: while any, a keyed claim walks the partition. */
    private final Map<Integer, Integer> backedOff = new HashMap<>();
    /** Partitions whose offset to commit moved since the fetcher last took them, with that offset. */
    private final Map<Integer, Long> toCommit = new LinkedHashMap<>();
    /** The largest window asked for, so a partition buffers enough to fill it. */
    private int largestAsk;
    /** How many records a partition holds before its fetching pauses. */
    private final BufferLimit limit = new BufferLimit();

    /** Each assigned partition's assignment number: a partition assigned again gets a new one. */
    private final Map<Integer, Long> ownership = new HashMap<>();
    private long assignments;

    private static final java.util.NavigableSet<Long> EMPTY = java.util.Collections.emptyNavigableSet();
    /** Per partition, offsets its last owner committed ahead of its offset ({@link DoneAhead}), not fetched yet. */
    private final Map<Integer, java.util.NavigableSet<Long>> skip = new HashMap<>();

    /**
     * A partition was assigned to this process: its records may be added. {@code committed} is the
     * group's offset for it (null: none); records its metadata says were committed ahead of it are
     * done on arrival.
     */
    synchronized void assigned(int partition, OffsetAndMetadata committed) {
        revoking.remove(partition);
        if (partitions.putIfAbsent(partition, new ArrayDeque<>()) == null) {
            ownership.put(partition, ++assignments);
            java.util.BitSet ahead = committed == null ? new java.util.BitSet() : DoneAhead.decode(committed.metadata());
            if (!ahead.isEmpty()) {
                java.util.NavigableSet<Long> offsets = new java.util.TreeSet<>();
                ahead.stream().forEach(i -> offsets.add(committed.offset() + i));
                skip.put(partition, offsets);
            }
        }
    }

    /**
     * Which assignment of the partition this process holds (0: none): state kept for a partition is
     * valid while this number stays the same (a partition that went and came back has a new one).
     */
    synchronized long ownership(int partition) {
        return ownership.getOrDefault(partition, 0L);
    }

    /** Records fetched from an assigned partition, in offset order. */
    synchronized void add(int partition, List<OrderedRecord> records) {
        ArrayDeque<OrderedRecord> q = partitions.get(partition);
        if (q == null) {
            return; // handed over meanwhile: its next owner fetches them
        }
        java.util.NavigableSet<Long> ahead = skip.get(partition);
        for (OrderedRecord r : records) {
            q.addLast(r);
            byId.put(r.id(), r);
            if (ahead != null && ahead.remove(r.offset)) {
                r.done = true; // committed ahead by the last owner: never delivered again
            } else {
                keyed.add(r);
            }
        }
        if (ahead != null) {
            if (!records.isEmpty()) {
                ahead.headSet(records.get(records.size() - 1).offset, true).clear(); // compacted or aborted away
            }
            if (ahead.isEmpty()) {
                skip.remove(partition);
            }
            advance(partition);
        }
    }

    /** Records of the partition not yet done (free, claimed, waiting): the fetcher pauses a partition holding many. */
    synchronized int open(int partition) {
        ArrayDeque<OrderedRecord> q = partitions.get(partition);
        return q == null ? 0 : q.size();
    }

    /** Records fetched: {@code bytes} on the wire for {@code count} records (see {@link BufferLimit}). */
    synchronized void fetched(long bytes, int count) {
        limit.fetched(bytes, count);
    }

    /** How many records a partition should hold before its fetching pauses ({@link BufferLimit}). */
    synchronized int bufferLimit() {
        return limit.records(partitions.size(), largestAsk);
    }

    /**
     * Raises the buffer limit for time windows whose records, across keys, outnumber a full buffer
     * (every partition paused, no window able to close until more is read); see {@link BufferLimit#grow}.
     *
     * @return false at the cap
     */
    synchronized boolean grow() {
        return limit.grow();
    }

    /** Whether a claim is outstanding (a window in flight, or held for a batched commit). */
    synchronized boolean claiming() {
        return !claims.isEmpty();
    }

    /** Whether a window in flight holds records of any of these partitions. */
    synchronized boolean inFlight(Collection<Integer> handedOver) {
        for (List<OrderedRecord> claim : claims.values()) {
            for (OrderedRecord r : claim) {
                if (handedOver.contains(r.partition) && held(r)) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * The partitions are handed over: their records leave the buffer (windows still holding some
     * will commit none of them). Returns the offsets to commit for them first.
     */
    synchronized Map<Integer, Long> handOver(Collection<Integer> handedOver) {
        Map<Integer, Long> offsets = new HashMap<>();
        for (Integer p : handedOver) {
            revoking.remove(p);
            Long offset = toCommit.remove(p);
            if (offset != null) {
                offsets.put(p, offset);
            }
            ownership.remove(p);
            skip.remove(p);
            keyed.remove(p);
            backedOff.remove(p);
            ArrayDeque<OrderedRecord> q = partitions.remove(p);
            if (q != null) {
                for (OrderedRecord r : q) {
                    byId.remove(r.id());
                    r.handedOver = true;
                }
            }
        }
        return offsets;
    }

    /**
     * The partitions are about to be handed over: from now on no claim takes their records, so the
     * windows in flight on them are the last ones (see {@link OrderedFetcher}'s hand-over), until
     * {@link #handOver} drops them.
     */
    synchronized void revoking(Collection<Integer> partitionsGoing) {
        revoking.addAll(partitionsGoing);
    }

    /** Takes the offsets to commit that moved since the last call, by partition. */
    synchronized Map<Integer, Long> takeCommits() {
        if (toCommit.isEmpty()) {
            return Map.of();
        }
        Map<Integer, Long> out = new HashMap<>(toCommit);
        toCommit.clear();
        return out;
    }

    /**
     * Claims free, available records matching the selection under the lease, at most its limit, all
     * or nothing below its {@code minCount}. Leases lapsed at {@code lease.now()} are given back
     * first, counting an attempt.
     */
    synchronized Claim claim(Selection selection, Lease lease) {
        Instant now = lease.now();
        expireLapsed(now);
        largestAsk = Math.max(largestAsk, Math.min(selection.limit(), 100_000));
        List<OrderedRecord> taken = merged(selection, now);
        if (taken.isEmpty() || taken.size() < selection.minCount()) {
            return new Claim(lease, List.of());
        }
        List<Message> messages = new ArrayList<>(taken.size());
        for (OrderedRecord r : taken) {
            r.token = lease.token();
            r.leaseExpiresAt = lease.expiresAt();
            if (r.availableAt != null) {
                r.availableAt = null;
                backedOff.computeIfPresent(r.partition, (p, n) -> n > 1 ? n - 1 : null);
            }
            messages.add(r.as(MessageState.CLAIMED));
        }
        claims.put(lease.token(), taken);
        if (firstExpiry == null || lease.expiresAt().isBefore(firstExpiry)) {
            firstExpiry = lease.expiresAt();
        }
        return new Claim(lease, messages);
    }

    /**
     * The free records matching the selection, at most its limit, each partition's in offset order
     * and the partitions merged by creation time; with {@code now}, only records available then, a
     * record waiting out its backoff holding back the rest of its partition (null: every free record).
     */
    private List<OrderedRecord> merged(Selection selection, Instant now) {
        int limit = selection.limit() == 0 ? Integer.MAX_VALUE : selection.limit();
        List<ArrayDeque<OrderedRecord>> candidates = new ArrayList<>();
        for (Map.Entry<Integer, ArrayDeque<OrderedRecord>> partition : partitions.entrySet()) {
            int p = partition.getKey();
            if (revoking.contains(p)) {
                continue;
            }
            // the key's own records, unless a record of the partition waits out a backoff (it holds back every later one)
            Iterable<OrderedRecord> q = selection.byKey() && (now == null || !backedOff.containsKey(p))
                    ? keyed.of(p, selection.key()) : partition.getValue();
            ArrayDeque<OrderedRecord> mine = new ArrayDeque<>();
            free(q, now, r -> selection.matchesKey(r.key()) && selection.matches(r.id(), r.created()), mine, limit);
            if (!mine.isEmpty()) {
                candidates.add(mine);
            }
        }
        List<OrderedRecord> taken = new ArrayList<>();
        while (taken.size() < limit && !candidates.isEmpty()) {
            ArrayDeque<OrderedRecord> first = candidates.get(0);
            for (ArrayDeque<OrderedRecord> c : candidates) {
                if (HEADS.compare(c.peekFirst(), first.peekFirst()) < 0) {
                    first = c;
                }
            }
            taken.add(first.pollFirst());
            if (first.isEmpty()) {
                candidates.remove(first);
            }
        }
        return taken;
    }

    /** The free records (PENDING, whether or not waiting out a backoff) matching the selection, in claim order. */
    synchronized List<Message> freeMessages(Selection selection) {
        List<Message> out = new ArrayList<>();
        for (OrderedRecord r : merged(selection, null)) {
            out.add(r.as(MessageState.PENDING));
        }
        return out;
    }

    /**
     * Adds to {@code out} the partition's free records that {@code wanted} accepts, from its head
     * onwards, up to {@code limit}, stopping at a record waiting out a backoff (it holds back the rest).
     */
    private static void free(Iterable<OrderedRecord> q, Instant now, java.util.function.Predicate<OrderedRecord> wanted,
                             java.util.Collection<OrderedRecord> out, int limit) {
        for (OrderedRecord r : q) {
            if (r.done || r.token != null) {
                continue;
            }
            if (now != null && r.availableAt != null && r.availableAt.isAfter(now)) {
                return;
            }
            if (wanted.test(r)) {
                out.add(r);
                if (out.size() >= limit) {
                    return;
                }
            }
        }
    }

    /** Free, available records per key within the selection's time bounds, keys by their oldest record. */
    synchronized List<KeyCount> pendingByKey(Selection selection, Instant now) {
        expireLapsed(now);
        // per key: {count, offset and partition of its first free record}
        Map<String, long[]> counts = new HashMap<>();
        Map<String, Instant> oldest = new HashMap<>();
        List<OrderedRecord> free = new ArrayList<>();
        for (Map.Entry<Integer, ArrayDeque<OrderedRecord>> partition : partitions.entrySet()) {
            if (revoking.contains(partition.getKey())) {
                continue;
            }
            ArrayDeque<OrderedRecord> q = partition.getValue();
            free.clear();
            free(q, now, r -> selection.matches(r.id(), r.created()), free, Integer.MAX_VALUE);
            for (OrderedRecord r : free) {
                counts.computeIfAbsent(r.key(), k -> new long[] {0, r.offset, r.partition})[0]++;
                oldest.merge(r.key(), r.created(), (a, b) -> a.isBefore(b) ? a : b);
            }
        }
        List<KeyCount> out = new ArrayList<>(counts.size());
        counts.forEach((key, n) -> out.add(new KeyCount(key, n[0], oldest.get(key))));
        // oldest first; among keys of the same time (a stage's outputs share their commit's), in offset order,
        // so a partition's records are claimed, and committed, from its committed offset on, which keeps what
        // is done ahead of the offset (DoneAhead, in the offset's metadata) small
        out.sort(Comparator.comparing(KeyCount::oldest)
                .thenComparingLong(k -> counts.get(k.key())[1])
                .thenComparingLong(k -> counts.get(k.key())[2])
                .thenComparing(k -> Objects.toString(k.key(), "")));
        return out;
    }

    /** Claims whose lease lapsed at {@code now} give their records back, counting an attempt. */
    private void expireLapsed(Instant now) {
        if (claims.isEmpty() || firstExpiry == null || firstExpiry.isAfter(now)) {
            return;
        }
        firstExpiry = null;
        claims.values().removeIf(claim -> {
            OrderedRecord any = claim.get(0);
            if (any.leaseExpiresAt == null || any.leaseExpiresAt.isAfter(now)) {
                if (any.leaseExpiresAt != null && (firstExpiry == null || any.leaseExpiresAt.isBefore(firstExpiry))) {
                    firstExpiry = any.leaseExpiresAt;
                }
                return false;
            }
            for (OrderedRecord r : claim) {
                if (held(r)) {
                    r.token = null;
                    r.failures++;
                }
            }
            return true;
        });
    }

    /** Whether a claimed record is still this process's (its partition not handed over). */
    private boolean held(OrderedRecord r) {
        return !r.handedOver; // claimed records are never done, so only a hand-over ends holding them
    }

    synchronized boolean renew(String token, Instant expiresAt) {
        List<OrderedRecord> claim = claims.get(token);
        if (claim == null) {
            return false;
        }
        boolean any = false;
        for (OrderedRecord r : claim) {
            if (held(r)) {
                r.leaseExpiresAt = expiresAt;
                any = true;
            }
        }
        return any;
    }

    /** The window's records still held (for a dead letter, before it commits them). */
    synchronized List<OrderedRecord> claimed(String token) {
        List<OrderedRecord> claim = claims.get(token);
        return claim == null ? List.of() : claim.stream().filter(this::held).toList();
    }

    /** How many of the claim's records this process still holds (0: no such claim). */
    synchronized int held(String token) {
        List<OrderedRecord> claim = claims.get(token);
        return claim == null ? 0 : (int) claim.stream().filter(this::held).count();
    }

    /**
     * The offsets to commit with the windows under {@code tokens} in their transaction (a stage's or
     * a table consumer's), as if their records were done: for each partition they hold records of,
     * the first record not done, with the records done after it in the offset's metadata
     * ({@link DoneAhead}), including those the previous owner committed ahead that have not been
     * fetched yet. Null when the metadata would be too large for the broker (so many records done
     * past an earlier one that is not: the caller waits for that one).
     */
    synchronized Map<Integer, OffsetAndMetadata> offsetsWith(java.util.Collection<String> tokens) {
        java.util.Set<Integer> touched = new java.util.TreeSet<>();
        for (String token : tokens) {
            for (OrderedRecord r : claims.getOrDefault(token, List.of())) {
                if (held(r)) {
                    touched.add(r.partition);
                }
            }
        }
        Map<Integer, OffsetAndMetadata> out = new HashMap<>();
        for (int p : touched) {
            long committed = -1;
            java.util.BitSet ahead = new java.util.BitSet();
            for (OrderedRecord r : partitions.get(p)) {
                boolean done = r.done || r.token != null && tokens.contains(r.token);
                if (committed < 0 && !done) {
                    committed = r.offset;
                } else if (committed >= 0 && done) {
                    ahead.set(Math.toIntExact(r.offset - committed));
                }
            }
            if (committed < 0) { // every record held is done: the offset moves past them
                committed = partitions.get(p).peekLast().offset + 1;
            }
            for (long offset : skip.getOrDefault(p, EMPTY)) { // ahead in the last owner's commit, still to come
                ahead.set(Math.toIntExact(offset - committed));
            }
            String metadata = DoneAhead.encode(ahead);
            if (!DoneAhead.fits(metadata)) {
                return null;
            }
            out.put(p, new OffsetAndMetadata(committed, metadata));
        }
        return out;
    }

    /** The partitions the claim's held records are from. */
    synchronized java.util.Set<Integer> partitionsOf(String token) {
        java.util.Set<Integer> out = new java.util.TreeSet<>();
        for (OrderedRecord r : claims.getOrDefault(token, List.of())) {
            if (held(r)) {
                out.add(r.partition);
            }
        }
        return out;
    }

    /** Marks the window's records done and moves their partitions' offsets to commit; how many were still held. */
    synchronized int commit(String token) {
        List<OrderedRecord> claim = claims.remove(token);
        if (claim == null) {
            return 0;
        }
        int n = 0;
        for (OrderedRecord r : claim) {
            if (held(r)) {
                r.done = true;
                r.token = null;
                keyed.done(r);
                n++;
            }
        }
        for (OrderedRecord r : claim) {
            advance(r.partition);
        }
        return n;
    }

    /** Drops the partition's done records from its head and notes the offset to commit. */
    private void advance(int partition) {
        ArrayDeque<OrderedRecord> q = partitions.get(partition);
        if (q == null || q.isEmpty() || !q.peekFirst().done) {
            return;
        }
        long next = 0;
        while (!q.isEmpty() && q.peekFirst().done) {
            OrderedRecord r = q.pollFirst();
            byId.remove(r.id());
            next = r.offset + 1;
        }
        toCommit.put(partition, next);
    }

    /**
     * Gives the window's records back, claimable at {@code availableAt} (null: at once); with an
     * error text the release counts an attempt. How many were still held.
     */
    synchronized int release(String token, Instant availableAt, String error) {
        List<OrderedRecord> claim = claims.remove(token);
        if (claim == null) {
            return 0;
        }
        int n = 0;
        for (OrderedRecord r : claim) {
            if (held(r)) {
                r.token = null;
                r.availableAt = availableAt;
                if (availableAt != null) {
                    backedOff.merge(r.partition, 1, Integer::sum);
                }
                if (error != null) {
                    r.failures++;
                    r.error = error;
                }
                n++;
            }
        }
        return n;
    }

    /** Whether the record is claimed or done in this process (a read of pending records skips it). */
    synchronized boolean notPending(String id) {
        OrderedRecord r = byId.get(id);
        return r != null && (r.done || r.token != null);
    }

    synchronized int claimedCount() {
        int n = 0;
        for (List<OrderedRecord> claim : claims.values()) {
            for (OrderedRecord r : claim) {
                if (held(r)) {
                    n++;
                }
            }
        }
        return n;
    }

    /** Claimed records, as messages (a read of CLAIMED). */
    synchronized List<Message> claimedMessages(Selection selection) {
        List<Message> out = new ArrayList<>();
        for (List<OrderedRecord> claim : claims.values()) {
            for (OrderedRecord r : claim) {
                if (held(r) && selection.matchesKey(r.key()) && selection.matches(r.id(), r.created())) {
                    out.add(r.as(MessageState.CLAIMED));
                }
            }
        }
        return out;
    }

    /** Free records held, for tests and stats. */
    synchronized int freeCount() {
        int n = 0;
        for (ArrayDeque<OrderedRecord> q : partitions.values()) {
            for (OrderedRecord r : q) {
                if (!r.done && r.token == null) {
                    n++;
                }
            }
        }
        return n;
    }

    /** Per partition: records held, free, claimed, done, waiting out a backoff; and the claims (for failure messages). */
    @Override
    public synchronized String toString() {
        StringBuilder out = new StringBuilder("ordered buffer");
        partitions.forEach((p, q) -> {
            int free = 0;
            int claimed = 0;
            int done = 0;
            int waiting = 0;
            for (OrderedRecord r : q) {
                if (r.done) {
                    done++;
                } else if (r.token != null) {
                    claimed++;
                } else if (r.availableAt != null) {
                    waiting++;
                } else {
                    free++;
                }
            }
            out.append(" p").append(p).append(": ").append(q.size()).append(" held (").append(free).append(" free, ")
                    .append(claimed).append(" claimed, ").append(done).append(" done, ").append(waiting).append(" waiting)");
        });
        return out.append("; ").append(claims.size()).append(" claims; to commit ").append(toCommit).toString();
    }

    /** The partitions assigned to this process. */
    synchronized List<Integer> assignedPartitions() {
        return List.copyOf(partitions.keySet());
    }
}
