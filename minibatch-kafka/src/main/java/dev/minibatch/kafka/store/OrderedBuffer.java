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
    /** Partitions whose offset to commit moved since the fetcher last took them, with that offset. */
    private final Map<Integer, Long> toCommit = new LinkedHashMap<>();
    /** The largest window asked for, so a partition buffers enough to fill it. */
    private int largestAsk;

    /** A partition was assigned to this process: its records may be added. */
    synchronized void assigned(int partition) {
        partitions.putIfAbsent(partition, new ArrayDeque<>());
    }

    /** Records fetched from an assigned partition, in offset order. */
    synchronized void add(int partition, List<OrderedRecord> records) {
        ArrayDeque<OrderedRecord> q = partitions.get(partition);
        if (q == null) {
            return; // handed over meanwhile: its next owner fetches them
        }
        for (OrderedRecord r : records) {
            q.addLast(r);
            byId.put(r.id(), r);
        }
    }

    /** Records of the partition not yet done (free, claimed, waiting): the fetcher pauses a partition holding many. */
    synchronized int open(int partition) {
        ArrayDeque<OrderedRecord> q = partitions.get(partition);
        return q == null ? 0 : q.size();
    }

    /** How many records a partition should hold before its fetching pauses. */
    synchronized int bufferLimit() {
        return Math.max(5_000, 2 * largestAsk);
    }

    /** Whether a window in flight holds records of any of these partitions. */
    synchronized boolean inFlight(Collection<Integer> handedOver) {
        for (List<OrderedRecord> claim : claims.values()) {
            for (OrderedRecord r : claim) {
                if (handedOver.contains(r.partition) && byId.get(r.id()) == r) {
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
            Long offset = toCommit.remove(p);
            if (offset != null) {
                offsets.put(p, offset);
            }
            ArrayDeque<OrderedRecord> q = partitions.remove(p);
            if (q != null) {
                for (OrderedRecord r : q) {
                    byId.remove(r.id());
                }
            }
        }
        return offsets;
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
            r.availableAt = null;
            messages.add(r.as(MessageState.CLAIMED));
        }
        claims.put(lease.token(), taken);
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
        for (ArrayDeque<OrderedRecord> q : partitions.values()) {
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
    private static void free(ArrayDeque<OrderedRecord> q, Instant now, java.util.function.Predicate<OrderedRecord> wanted,
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
        Map<String, long[]> counts = new HashMap<>();
        Map<String, Instant> oldest = new HashMap<>();
        List<OrderedRecord> free = new ArrayList<>();
        for (ArrayDeque<OrderedRecord> q : partitions.values()) {
            free.clear();
            free(q, now, r -> selection.matches(r.id(), r.created()), free, Integer.MAX_VALUE);
            for (OrderedRecord r : free) {
                counts.computeIfAbsent(r.key(), k -> new long[1])[0]++;
                oldest.merge(r.key(), r.created(), (a, b) -> a.isBefore(b) ? a : b);
            }
        }
        List<KeyCount> out = new ArrayList<>(counts.size());
        counts.forEach((key, n) -> out.add(new KeyCount(key, n[0], oldest.get(key))));
        out.sort(Comparator.comparing(KeyCount::oldest).thenComparing(k -> Objects.toString(k.key(), "")));
        return out;
    }

    /** Claims whose lease lapsed at {@code now} give their records back, counting an attempt. */
    private void expireLapsed(Instant now) {
        if (claims.isEmpty()) {
            return;
        }
        claims.values().removeIf(claim -> {
            OrderedRecord any = claim.get(0);
            if (any.leaseExpiresAt == null || any.leaseExpiresAt.isAfter(now)) {
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
        return byId.get(r.id()) == r;
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

    /**
     * The offsets to commit with the window under {@code token} (a stage's transaction): for each
     * partition it holds records of, the offset after its records and the done ones before them.
     * Empty when the token no longer holds {@code expected} records (its lease or partitions were
     * lost); null while a record before the window's, in one of its partitions, is neither done nor
     * in the window (an earlier window still running: committing past it would skip it).
     */
    synchronized Map<Integer, Long> offsetsIfCommitted(String token, int expected) {
        List<OrderedRecord> claim = claims.get(token);
        if (claim == null || claim.stream().filter(this::held).count() != expected) {
            return Map.of();
        }
        Map<Integer, Long> last = new HashMap<>();
        for (OrderedRecord r : claim) {
            last.merge(r.partition, r.offset, Math::max);
        }
        Map<Integer, Long> out = new HashMap<>();
        for (Map.Entry<Integer, Long> e : last.entrySet()) {
            long next = -1;
            for (OrderedRecord r : partitions.get(e.getKey())) {
                if (r.done || token.equals(r.token)) {
                    next = r.offset + 1;
                } else if (r.offset < e.getValue()) {
                    return null;
                } else {
                    break;
                }
            }
            out.put(e.getKey(), next);
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
