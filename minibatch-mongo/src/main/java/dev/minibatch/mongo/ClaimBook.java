package dev.minibatch.mongo;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bson.BsonValue;

/**
 * What this store remembers of claims, shared by the claim lifecycle ({@link Claims}) and both
 * claim protocols: the ids each live claim took (so commit, renew and release work by
 * {@code _id}), when to look for lapsed leases ({@link LeaseRecovery}), and the claims' Python
 * window documents. Thread-safe.
 */
final class ClaimBook {

    private static final int MAX_REMEMBERED_CLAIMS = 10_000;

    private final Map<String, List<BsonValue>> claimedIds = Collections.synchronizedMap(new LinkedHashMap<>(64, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, List<BsonValue>> eldest) {
            return size() > MAX_REMEMBERED_CLAIMS; // lost claims never committed; the token filter still works
        }
    });
    private final LeaseRecovery leaseRecovery = new LeaseRecovery();
    private final WindowDocuments windows;

    ClaimBook(WindowDocuments windows) {
        this.windows = windows;
    }

    void claimed(String token, List<BsonValue> ids) {
        claimedIds.put(token, ids);
    }

    /** The ids the token's claim took when this store made it, else null (found by the token). */
    List<BsonValue> ids(String token) {
        return claimedIds.get(token);
    }

    /** {@link #ids}, forgotten: the claim ends. */
    List<BsonValue> ended(String token) {
        return claimedIds.remove(token);
    }

    LeaseRecovery leaseRecovery() {
        return leaseRecovery;
    }

    WindowDocuments windows() {
        return windows;
    }
}
