package dev.minibatch.mongo;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * When a {@link MongoStore} claim looks for expired leases, so the scan stays off the hot path:
 * <ul>
 *   <li>periodically, at most once per lease/4 per consumer (lease owner) and stream, which bounds
 *       how long any lapsed lease — also one shorter than this consumer's — goes unnoticed;</li>
 *   <li>at once when a claim comes up short while a lease may have lapsed: each scan reads the
 *       soonest live expiry, and no lease taken after the scan can lapse before the scan time plus
 *       the scanning consumer's lease (leases of other lengths are the periodic scan's job).</li>
 * </ul>
 * Times are the claimers' lease clocks ({@code Lease.now()}), never the system clock. Thread-safe;
 * races only cost a redundant scan.
 */
final class LeaseRecovery {

    private static final int PERIODIC_FRACTION = 4;

    private final Map<String, Instant> lastScan = new ConcurrentHashMap<>();
    private final Map<String, Instant> nextExpiry = new ConcurrentHashMap<>();

    boolean periodicDue(String stream, String owner, Instant now, Duration lease) {
        Instant last = lastScan.get(stream + '\n' + owner);
        return last == null || now.isBefore(last) || !now.isBefore(last.plus(lease.dividedBy(PERIODIC_FRACTION)));
    }

    boolean mayHaveExpired(String stream, Instant now) {
        Instant next = nextExpiry.get(stream);
        return next == null || !now.isBefore(next);
    }

    void scanned(String stream, String owner, Instant now, Instant soonestExpiry) {
        lastScan.put(stream + '\n' + owner, now);
        nextExpiry.put(stream, soonestExpiry);
    }

    /** A claim of this store: its lease may lapse before what the last scan learned. */
    void claimed(String stream, Instant expiresAt) {
        nextExpiry.computeIfPresent(stream, (s, next) -> expiresAt.isBefore(next) ? expiresAt : next);
    }
}
