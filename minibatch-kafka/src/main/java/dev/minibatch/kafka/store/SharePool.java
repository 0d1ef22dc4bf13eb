package dev.minibatch.kafka.store;

import dev.minibatch.model.Message;
import dev.minibatch.model.MessageState;
import dev.minibatch.spi.store.Claim;
import dev.minibatch.spi.store.Lease;
import dev.minibatch.spi.store.Selection;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The records one process holds of a stream, and its claims on them: claims are taken here,
 * atomically, oldest first (record time, then partition and offset), from records no claim holds;
 * the broker's lock already keeps them from other processes. Thread-safe (one lock); never talks to
 * Kafka.
 */
final class SharePool {

    /**
     * Acknowledged records a read still skips: Kafka moves a share group's start offset past
     * acknowledged records lazily, so a read from it would show them as pending for a while.
     */
    private static final int RECENTLY_ACCEPTED = 200_000;

    private static final Comparator<HeldRecord> ORDER = Comparator.comparingLong((HeldRecord h) -> h.timestamp)
            .thenComparingInt(h -> h.seqPartition).thenComparingLong(h -> h.seqOffset).thenComparingInt(h -> h.partition)
            .thenComparingLong(h -> h.offset);

    private final String stream;
    private final Map<String, HeldRecord> byId = new HashMap<>();
    private final TreeSet<HeldRecord> free = new TreeSet<>(ORDER);
    private final Map<String, TokenClaim> claims = new HashMap<>();
    private long hungrySince; // nanoTime a claim last went short while no record arrived, 0 if fed
    private long lastArrival = System.nanoTime();
    private final java.util.Set<String> accepted = java.util.Collections.newSetFromMap(new java.util.LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > RECENTLY_ACCEPTED;
        }
    });
    private boolean asked;
    private int wanted = 1; // the largest window claims asked for lately: read ahead to hold at least that many

    /** A claim's records and the offset from the caller's clock to {@link System#nanoTime()}. */
    record TokenClaim(List<HeldRecord> records, long clockOffset) {
        long nanos(Instant callerTime) {
            return clockOffset + toNanos(callerTime);
        }
    }

    SharePool(String stream) {
        this.stream = stream;
    }

    synchronized void add(HeldRecord h) {
        if (byId.putIfAbsent(h.id, h) == null) {
            free.add(h);
            lastArrival = System.nanoTime();
            hungrySince = 0;
        }
    }

    /** The record with this id if this process holds it (free, claimed or being settled), else null. */
    synchronized HeldRecord held(String id) {
        return byId.get(id);
    }

    /** The record is held through another lane now (the broker delivered it again there). */
    synchronized void rebind(HeldRecord h, ShareLane lane) {
        h.lane = lane;
    }

    /** Takes the matching free records under the lease; empty (and hungry) if fewer than asked for. */
    synchronized Claim claim(Selection selection, Lease lease) {
        if (selection.byKey()) {
            throw new UnsupportedOperationException("keyed windows (keyBy) need partition-ordered consumption:"
                    + " on kafka:// consume with streaming(s).ordered() (keyBy chooses it by itself)");
        }
        int limit = selection.limit() == 0 ? Integer.MAX_VALUE : selection.limit();
        wanted = Math.max(1, Math.max(selection.minCount(), selection.limit()));
        asked = true;
        List<HeldRecord> taken = takeLaneByLane(selection, limit);
        if (taken.isEmpty() || taken.size() < selection.minCount()) {
            if (hungrySince == 0) {
                hungrySince = System.nanoTime();
            }
            return new Claim(lease, List.of());
        }
        long offset = System.nanoTime() - toNanos(lease.now());
        long deadline = offset + toNanos(lease.expiresAt());
        List<Message> messages = new ArrayList<>(taken.size());
        for (HeldRecord h : taken) {
            free.remove(h);
            h.token = lease.token();
            h.leaseDeadline = deadline;
            messages.add(withState(h.message, MessageState.CLAIMED));
        }
        claims.put(lease.token(), new TokenClaim(taken, offset));
        return new Claim(lease, messages);
    }

    /**
     * The matching free records for a claim of at most {@code limit}: whole lanes first, each lane's
     * records oldest first, lanes in the order of their oldest record. A lane fetches again only once
     * every record of its batch is settled, so a window that took a little of every lane would leave
     * each of them holding a remainder and none fetching; taken lane by lane, at most one lane is left
     * with a remainder, and the next claim takes that one first. Order across lanes (different
     * partitions or processes' shares) is not promised by a shared stream anyway.
     */
    private List<HeldRecord> takeLaneByLane(Selection selection, int limit) {
        Map<ShareLane, List<HeldRecord>> byLane = new java.util.LinkedHashMap<>();
        List<HeldRecord> first = null; // the lane of the oldest matching record
        for (HeldRecord h : free) {
            if (!selection.matches(h.id, h.message.created())) {
                continue;
            }
            List<HeldRecord> lane = byLane.computeIfAbsent(h.lane, l -> new ArrayList<>());
            lane.add(h);
            if (first == null) {
                first = lane;
            }
            if (first.size() >= limit) {
                return first; // the oldest lane alone fills the claim
            }
        }
        List<HeldRecord> taken = new ArrayList<>();
        for (List<HeldRecord> lane : byLane.values()) {
            for (HeldRecord h : lane) {
                if (taken.size() >= limit) {
                    return taken;
                }
                taken.add(h);
            }
        }
        return taken;
    }

    /** Ends a claim: its records still held, marked settling. Empty if the token holds nothing. */
    synchronized List<HeldRecord> take(String token) {
        TokenClaim claim = claims.remove(token);
        if (claim == null) {
            return List.of();
        }
        List<HeldRecord> live = new ArrayList<>(claim.records.size());
        for (HeldRecord h : claim.records) {
            if (!h.lost && token.equals(h.token)) {
                h.settling = true;
                live.add(h);
            }
        }
        return live;
    }

    /** The caller's time as {@link System#nanoTime()} for a token's clock, or now if unknown. */
    synchronized long nanosFor(String token, Instant callerTime) {
        TokenClaim claim = claims.get(token);
        return claim == null ? System.nanoTime() : claim.nanos(callerTime);
    }

    synchronized boolean renew(String token, Instant expiresAt) {
        TokenClaim claim = claims.get(token);
        if (claim == null) {
            return false;
        }
        long deadline = claim.nanos(expiresAt);
        boolean any = false;
        for (HeldRecord h : claim.records) {
            if (!h.lost) {
                h.leaseDeadline = deadline;
                any = true;
            }
        }
        return any;
    }

    /** Claimed records whose lease lapsed: their claims end; they are to be released. */
    synchronized List<HeldRecord> expired(long now) {
        List<HeldRecord> out = new ArrayList<>();
        for (Iterator<Map.Entry<String, TokenClaim>> it = claims.entrySet().iterator(); it.hasNext(); ) {
            TokenClaim claim = it.next().getValue();
            if (claim.records.stream().allMatch(h -> h.lost || now - h.leaseDeadline > 0)) {
                it.remove();
                for (HeldRecord h : claim.records) {
                    if (!h.lost) {
                        h.settling = true;
                        out.add(h);
                    }
                }
            }
        }
        return out;
    }

    /**
     * The free records, taken out of the pool, when claims have gone short for {@code patience} with
     * no record arriving: the stream is stalled on them (a count window waits for records that only a
     * lane holding a batch could fetch, or that another process holds). Records moved
     * {@code maxMoves} times already are kept.
     */
    synchronized List<HeldRecord> stalled(long now, Duration patience, int maxMoves) {
        if (!stalling(now, patience)) {
            return List.of();
        }
        List<HeldRecord> out = new ArrayList<>();
        for (Iterator<HeldRecord> it = free.iterator(); it.hasNext(); ) {
            HeldRecord h = it.next();
            if (RecordCodec.moves(h.record) < maxMoves) {
                it.remove();
                h.settling = true;
                out.add(h);
            }
        }
        hungrySince = 0;
        return out;
    }

    /** Whether claims have gone short for {@code patience} with free records held and none arriving. */
    synchronized boolean stalling(long now, Duration patience) {
        return hungrySince != 0 && !free.isEmpty() && now - hungrySince >= patience.toNanos()
                && now - lastArrival >= patience.toNanos();
    }

    /** Puts records back as free (a move that failed). */
    synchronized void unsettle(List<HeldRecord> records) {
        for (HeldRecord h : records) {
            if (!h.lost && byId.containsKey(h.id)) {
                h.settling = false;
                free.add(h);
            }
        }
    }

    /** How many records this process holds, free or claimed (not those being settled). */
    synchronized int heldCount() {
        int n = 0;
        for (HeldRecord h : byId.values()) {
            if (!h.settling) {
                n++;
            }
        }
        return n;
    }

    /** Whether any claim was made yet (before it, {@link #wanted} is a guess). */
    synchronized boolean asked() {
        return asked;
    }

    /** The largest window claims asked for lately. */
    synchronized int wanted() {
        return wanted;
    }

    synchronized long lastArrival() {
        return lastArrival;
    }

    /** When claims went short with nothing arriving since ({@link System#nanoTime()}), 0 if fed. */
    synchronized long hungrySince() {
        return hungrySince;
    }

    /** Whether claims went short since the last arrival. */
    synchronized boolean hungry() {
        return hungrySince != 0;
    }

    /** A record is no longer held (settled, or its lock was lost). */
    synchronized void remove(HeldRecord h) {
        byId.remove(h.id);
        free.remove(h);
    }

    /** The record was accepted (committed or dead-lettered): reads skip it. */
    synchronized void accepted(HeldRecord h) {
        accepted.add(h.id);
    }

    /** Whether a read of pending records should skip this id: accepted lately, or claimed here. */
    synchronized boolean notPending(String id) {
        if (accepted.contains(id)) {
            return true;
        }
        HeldRecord h = byId.get(id);
        return h != null && (h.token != null || h.settling);
    }

    /** The records claimed here that match, as CLAIMED messages. */
    synchronized List<Message> claimed(Selection selection) {
        List<Message> out = new ArrayList<>();
        for (TokenClaim c : claims.values()) {
            for (HeldRecord h : c.records) {
                if (!h.lost && selection.matches(h.id, h.message.created())) {
                    out.add(withState(h.message, MessageState.CLAIMED));
                }
            }
        }
        return out;
    }

    /** Takes every free record out of the pool (to move or drop them). */
    synchronized List<HeldRecord> takeFree() {
        List<HeldRecord> out = new ArrayList<>(free);
        free.clear();
        for (HeldRecord h : out) {
            h.settling = true;
        }
        return out;
    }

    /** Takes the free records below the given offsets (deleted from the log) out of the pool. */
    synchronized List<HeldRecord> takeFreeBelow(Map<Integer, Long> cut) {
        List<HeldRecord> out = new ArrayList<>();
        for (Iterator<HeldRecord> it = free.iterator(); it.hasNext(); ) {
            HeldRecord h = it.next();
            Long below = cut.get(h.partition);
            if (below != null && h.offset < below) {
                it.remove();
                h.settling = true;
                out.add(h);
            }
        }
        return out;
    }

    synchronized void lose(HeldRecord h) {
        h.lost = true;
        remove(h);
    }

    synchronized int claimedCount() {
        int n = 0;
        for (TokenClaim c : claims.values()) {
            n += c.records.size();
        }
        return n;
    }

    /** Whether the pool holds fewer free records than the next window may need: time to read ahead. */
    synchronized boolean wantsMore() {
        return hungrySince != 0 || free.size() < wanted;
    }

    synchronized int freeCount() {
        return free.size();
    }

    String stream() {
        return stream;
    }

    static Message withState(Message m, MessageState state) {
        return new Message(m.id(), m.stream(), m.created(), m.data(), state, m.attempts(), m.error(), m.key());
    }

    static long toNanos(Instant t) {
        return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000_000L), t.getNano());
    }
}
