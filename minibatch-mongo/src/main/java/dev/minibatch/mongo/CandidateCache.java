package dev.minibatch.mongo;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import org.bson.BsonDocument;
import org.bson.BsonValue;

/**
 * Pending candidates of {@link LockClaims}, read by one scan and handed to successive claims of the
 * stream, with a growing pause between scans that come up short.
 *
 * <p>Why: FerretDB 1.24's SQLite backend answers only a filter of exactly {@code {_id: value}} from
 * an index; every other filter, and every sort, reads and decodes the whole collection (its
 * {@code find} pushes nothing else down). A candidate read therefore costs the same whether it
 * returns 10 documents or 5,000, so one read serves many windows here, and an idle consumer (whose
 * poll is such a read) reads at most every {@link #MAX_IDLE_PAUSE} instead of at every poll.
 *
 * <p>A cached candidate is only a hint: {@link LockClaims} locks it (unique insert) and reads it
 * again by {@code _id} before taking it, so a candidate that went stale (taken, committed, released
 * or moved by another process) is skipped, never delivered. Staleness only costs order and latency:
 * <ul>
 *   <li>messages appended by other processes are seen at the next scan: when the cache holds fewer
 *       than a claim wants (after at most the idle pause), or after {@link #MAX_AGE};</li>
 *   <li>writes through this store that make messages pending (append, release, give-back, recovery,
 *       dead letter) drop the stream's entry ({@link #changed}), so the next claim scans;</li>
 *   <li>an entry is used only while the claimer's lease clock stands where the scan's stood, or has
 *       moved no further than the wall clock since (a test clock jumping ahead scans again, since
 *       messages may have become available in between).</li>
 * </ul>
 * Thread-safe (one lock per cache; the scan runs outside it, so concurrent claimers may scan twice).
 */
final class CandidateCache {

    /** Candidates one scan reads at most; the server reads the whole collection whatever the limit. */
    static final int SCAN_LIMIT = 5_000;
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
                docs.put(d.get(MongoStore.ID), d);
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

    private final Map<Scope, Entry> entries = new HashMap<>();
    /** The last idle pause per scope, kept across entries so consecutive short scans back off further. */
    private final Map<Scope, Long> lastIdlePause = new HashMap<>();

    /**
     * Up to {@code handOut} candidates of the scope, oldest first, for a claim that wants {@code want} (over 0).
     * Scans ({@code scan.apply(limit)}) when the entry cannot serve {@code want} and no idle pause
     * holds, or when it does not apply at this lease time.
     */
    List<BsonDocument> candidates(Scope scope, int want, int handOut, Instant leaseNow, IntFunction<List<BsonDocument>> scan) {
        long nowNanos = System.nanoTime();
        synchronized (this) {
            Entry e = entries.get(scope);
            if (e != null && e.appliesAt(leaseNow, nowNanos)
                    && (e.docs.size() >= want || (e.complete && nowNanos - e.scannedAtNanos < e.idlePauseNanos))) {
                return head(e, handOut);
            }
        }
        int limit = Math.max(handOut, SCAN_LIMIT);
        List<BsonDocument> scanned = scan.apply(limit);
        synchronized (this) {
            long pause = 0;
            if (scanned.size() < want) {
                Long last = lastIdlePause.get(scope);
                pause = last == null ? MIN_IDLE_PAUSE.toNanos() : Math.min(last * 2, MAX_IDLE_PAUSE.toNanos());
                lastIdlePause.put(scope, pause);
            } else {
                lastIdlePause.remove(scope);
            }
            Entry e = new Entry(scanned, nowNanos, leaseNow, scanned.size() < limit, pause);
            entries.put(scope, e);
            evictStale(nowNanos); // keys come and go: entries nobody reads again must not pile up
            return head(e, handOut);
        }
    }

    private void evictStale(long nowNanos) {
        entries.entrySet().removeIf(e -> {
            boolean stale = nowNanos - e.getValue().scannedAtNanos >= MAX_AGE.toNanos();
            if (stale) {
                lastIdlePause.remove(e.getKey());
            }
            return stale;
        });
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

    /** Candidates a claim tried (taken, held by others or stale): no later claim gets them from here. */
    synchronized void attempted(String stream, Collection<BsonValue> ids) {
        for (Map.Entry<Scope, Entry> e : entries.entrySet()) {
            if (e.getKey().stream().equals(stream)) {
                for (BsonValue id : ids) {
                    e.getValue().docs.remove(id);
                }
            }
        }
    }

    /** Messages of the stream may have become pending through this store: the next claim scans at once. */
    synchronized void changed(String stream) {
        entries.keySet().removeIf(scope -> scope.stream().equals(stream));
        lastIdlePause.keySet().removeIf(scope -> scope.stream().equals(stream));
    }
}
