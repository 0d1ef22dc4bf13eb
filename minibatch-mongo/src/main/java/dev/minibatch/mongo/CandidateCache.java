package dev.minibatch.mongo;

import dev.minibatch.spi.store.Selection;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntFunction;
import java.util.function.IntUnaryOperator;
import java.util.function.LongConsumer;
import org.bson.BsonDocument;
import org.bson.BsonValue;

/**
 * Pending candidates of a stream, read by one scan and handed to successive claims of the stream;
 * with lock claims also a growing pause between scans that come up short.
 *
 * <p>Why: neither test server answers a candidate read from an index. FerretDB 1.24's SQLite
 * backend answers only a filter of exactly {@code {_id: value}} from one; every other filter, and
 * every sort, reads and decodes the whole collection (its {@code find} pushes nothing else down).
 * The wire emulator has no secondary indexes: it matches every document and sorts all matches
 * before applying the limit. A candidate read therefore costs about the same whether it returns 10
 * documents or 5,000, so one read serves many windows; on a server with indexes a read of
 * {@code readLimit} candidates costs little more than one of a window. With lock claims (FerretDB)
 * an idle consumer (whose poll is such a read) also reads at most every {@link #MAX_IDLE_PAUSE}
 * instead of at every poll; guarded-update stores do not pause (their servers have change streams,
 * or they poll as before).
 *
 * <p>A cached candidate is only a hint: the claim re-checks it on the server (a lock and a read by
 * {@code _id}, or the guarded update's filter), so a candidate that went stale (taken, committed,
 * released or moved by another process) is skipped, never delivered. Staleness only costs order and latency:
 * <ul>
 *   <li>messages appended by other processes are seen at the next scan: when the cache holds fewer
 *       than a claim wants (after at most the idle pause), or after {@link #MAX_AGE};</li>
 *   <li>writes through this store that make messages pending (append, release, give-back, recovery,
 *       dead letter) drop the stream's entry ({@link #changed}), so the next claim scans; a release
 *       with a retry delay also makes the first claim after the delay scan;</li>
 *   <li>an entry is used only while the claimer's lease clock stands where the scan's stood, or has
 *       moved no further than the wall clock since (a test clock jumping ahead scans again, since
 *       messages may have become available in between).</li>
 * </ul>
 * Thread-safe (one lock per cache; the scan runs outside it, so concurrent claimers may scan twice).
 */
final class CandidateCache {

    /** Candidates one scan of lock claims reads at least; the server reads the whole collection whatever the limit. */
    static final int SCAN_LIMIT = 5_000;
    /** Candidates held for all scopes together, at most (see {@link #evictOverCap}). */
    static final int MAX_CACHED = 20_000;
    /** An entry older than this is scanned again (released or recovered older messages, other producers). */
    static final Duration MAX_AGE = Duration.ofSeconds(2);
    static final Duration MIN_IDLE_PAUSE = Duration.ofMillis(10);
    static final Duration MAX_IDLE_PAUSE = Duration.ofMillis(200);
    /** Leeway between the lease clock and the wall clock when deciding whether an entry still applies. */
    private static final Duration CLOCK_SLACK = Duration.ofMillis(100);

    private static final class Entry {
        final LinkedHashMap<BsonValue, BsonDocument> docs = new LinkedHashMap<>();
        final long scannedAtNanos;
        final Instant leaseNow;
        /** The scan returned fewer than it asked for: nothing else was pending then. */
        final boolean complete;
        /** After a short scan: no new scan before {@code scannedAtNanos + idlePauseNanos}. */
        final long idlePauseNanos;

        Entry(List<BsonDocument> scanned, long scannedAtNanos, Instant leaseNow, boolean complete, long idlePauseNanos) {
            for (BsonDocument d : scanned) {
                docs.put(d.get(Documents.ID), d);
            }
            this.scannedAtNanos = scannedAtNanos;
            this.leaseNow = leaseNow;
            this.complete = complete;
            this.idlePauseNanos = idlePauseNanos;
        }

        boolean appliesAt(Instant now, long nowNanos) {
            long age = nowNanos - scannedAtNanos;
            if (age >= MAX_AGE.toNanos() || now.isBefore(leaseNow)) {
                return false;
            }
            return !now.isAfter(leaseNow.plusNanos(age).plus(CLOCK_SLACK));
        }
    }

    /**
     * What an entry holds: the pending messages of a stream, or of one key of it ({@code byKey};
     * {@code key} null for the unkeyed ones).
     */
    record Scope(String stream, boolean byKey, String key) {
    }

    /** Per stream, its scopes' entries: what a write to the stream drops is found without a search. */
    private final Map<String, Map<Scope, Entry>> entries = new HashMap<>();
    /** The last idle pause per scope, kept across entries so consecutive short scans back off further. */
    private final Map<Scope, Long> lastIdlePause = new HashMap<>();
    /** Per stream, the earliest time a message released by this store becomes available again. */
    private final Map<String, Instant> rescanAt = new HashMap<>();
    private final boolean idlePauses;
    private final IntUnaryOperator readLimit;
    /** Hears how long each scan that fills the cache took (lock claims weigh their server's costs). */
    private final LongConsumer scanNanos;

    /**
     * @param idlePauses whether a scan that came up short holds off the next one for a growing pause
     * @param readLimit  how many candidates one scan reads for a claim that wants the given number (over 0)
     * @param scanNanos  hears the duration of each scan that fills the cache (not of claims of
     *                   everything or bounded ones, which always scan)
     */
    CandidateCache(boolean idlePauses, IntUnaryOperator readLimit, LongConsumer scanNanos) {
        this.idlePauses = idlePauses;
        this.readLimit = readLimit;
        this.scanNanos = scanNanos;
    }

    /**
     * Candidates for a claim that wants {@code want} (0: all), oldest first: from the cache when it
     * can serve them, else from {@code scan} (a {@code find} with the given limit, 0 for none), which
     * refills it. Claims of everything and claims bounded by time or ids (bounds that move from claim
     * to claim) always scan.
     */
    List<BsonDocument> forClaim(String stream, Selection selection, int want, Instant leaseNow,
                                IntFunction<List<BsonDocument>> scan) {
        if (want == 0) {
            changed(stream); // a claim of everything: what the cache held is taken or stale now
            return scan.apply(0);
        }
        int limit = readLimit.applyAsInt(want);
        // lock claims take up to want of what they are handed, racing claimers the next ones; a guarded
        // update takes all it names
        int handOut = idlePauses ? limit : want;
        if (selection.createdFrom() != null || selection.createdBefore() != null || selection.ids() != null) {
            return scan.apply(handOut);
        }
        int scanLimit = idlePauses ? Math.max(limit, SCAN_LIMIT) : limit;
        return candidates(new Scope(stream, selection.byKey(), selection.key()), want, handOut, scanLimit, leaseNow, scan);
    }

    /**
     * Up to {@code handOut} candidates of the scope, oldest first, for a claim that wants {@code want} (over 0).
     * Scans ({@code scan.apply(scanLimit)}) when the entry cannot serve {@code want} and no idle pause
     * holds, or when it does not apply at this lease time.
     */
    private List<BsonDocument> candidates(Scope scope, int want, int handOut, int scanLimit, Instant leaseNow,
                                  IntFunction<List<BsonDocument>> scan) {
        long nowNanos = System.nanoTime();
        synchronized (this) {
            retryDue(scope.stream(), leaseNow);
            Map<Scope, Entry> ofStream = entries.get(scope.stream());
            Entry e = ofStream == null ? null : ofStream.get(scope);
            if (e != null && e.appliesAt(leaseNow, nowNanos)
                    && (e.docs.size() >= want
                        || (idlePauses && e.complete && nowNanos - e.scannedAtNanos < e.idlePauseNanos))) {
                return head(e, handOut);
            }
        }
        int limit = Math.max(handOut, scanLimit);
        long started = System.nanoTime();
        List<BsonDocument> scanned = scan.apply(limit);
        scanNanos.accept(System.nanoTime() - started);
        synchronized (this) {
            long pause = 0;
            if (scanned.size() < want && idlePauses) {
                Long last = lastIdlePause.get(scope);
                pause = last == null ? MIN_IDLE_PAUSE.toNanos() : Math.min(last * 2, MAX_IDLE_PAUSE.toNanos());
                lastIdlePause.put(scope, pause);
            } else {
                lastIdlePause.remove(scope);
            }
            Entry e = new Entry(scanned, nowNanos, leaseNow, scanned.size() < limit, pause);
            entries.computeIfAbsent(scope.stream(), k -> new HashMap<>()).put(scope, e);
            evictStale(nowNanos); // keys come and go: entries nobody reads again must not pile up
            evictOverCap(e);
            return head(e, handOut);
        }
    }

    private void evictStale(long nowNanos) {
        for (Map<Scope, Entry> ofStream : entries.values()) {
            ofStream.entrySet().removeIf(e -> {
                boolean stale = nowNanos - e.getValue().scannedAtNanos >= MAX_AGE.toNanos();
                if (stale) {
                    lastIdlePause.remove(e.getKey());
                }
                return stale;
            });
        }
        entries.values().removeIf(Map::isEmpty);
    }

    /**
     * Keeps at most {@link #MAX_CACHED} candidates in all: a keyed consumer's sweep over thousands of
     * keys would otherwise hold a read-ahead per key. The oldest entries go first, never {@code keep}.
     */
    private void evictOverCap(Entry keep) {
        long total = held();
        while (total > MAX_CACHED) {
            Map.Entry<Scope, Entry> oldest = null;
            for (Map<Scope, Entry> ofStream : entries.values()) {
                for (Map.Entry<Scope, Entry> e : ofStream.entrySet()) {
                    if (e.getValue() != keep
                            && (oldest == null || e.getValue().scannedAtNanos < oldest.getValue().scannedAtNanos)) {
                        oldest = e;
                    }
                }
            }
            if (oldest == null) {
                return;
            }
            total -= oldest.getValue().docs.size();
            entries.get(oldest.getKey().stream()).remove(oldest.getKey());
        }
    }

    private static List<BsonDocument> head(Entry e, int n) {
        List<BsonDocument> out = new ArrayList<>(Math.min(n, e.docs.size()));
        for (BsonDocument d : e.docs.values()) {
            if (out.size() == n) {
                break;
            }
            out.add(d);
        }
        return out;
    }

    /** How many candidates are held now, all scopes together. */
    synchronized int held() {
        int total = 0;
        for (Map<Scope, Entry> ofStream : entries.values()) {
            for (Entry e : ofStream.values()) {
                total += e.docs.size();
            }
        }
        return total;
    }

    /**
     * Candidates a claim tried (taken, held by others or stale): no later claim gets them from here.
     * Each entry walks the smaller of its candidates and the ids, so a claim costs at most what the
     * cache holds (a keyed stream has an entry per key).
     */
    synchronized void attempted(String stream, Collection<BsonValue> ids) {
        Map<Scope, Entry> ofStream = entries.get(stream);
        if (ofStream == null) {
            return;
        }
        Set<BsonValue> tried = null;
        for (Entry e : ofStream.values()) {
            if (e.docs.size() >= ids.size()) {
                ids.forEach(e.docs::remove);
            } else {
                tried = tried == null ? new HashSet<>(ids) : tried;
                e.docs.keySet().removeIf(tried::contains);
            }
        }
    }

    /** Messages of the stream may have become pending through this store: the next claim scans at once. */
    synchronized void changed(String stream) {
        entries.remove(stream);
        if (!lastIdlePause.isEmpty()) { // only lock claims pause; an append must not search an empty map
            lastIdlePause.keySet().removeIf(scope -> scope.stream().equals(stream));
        }
    }

    /**
     * {@link #changed}, for messages that become available only at {@code availableAt} (a release
     * with a retry delay): the first claim at or after it scans again too, so the retry is taken in
     * its place in the order, not after what was read ahead meanwhile.
     */
    synchronized void changed(String stream, Instant availableAt) {
        changed(stream);
        rescanAt.merge(stream, availableAt, (a, b) -> a.isBefore(b) ? a : b);
    }

    /** Drops the stream's entries once a pending retry is due at {@code leaseNow}. */
    private void retryDue(String stream, Instant leaseNow) {
        Instant due = rescanAt.get(stream);
        if (due != null && !leaseNow.isBefore(due)) {
            rescanAt.remove(stream);
            entries.remove(stream);
        }
    }
}
