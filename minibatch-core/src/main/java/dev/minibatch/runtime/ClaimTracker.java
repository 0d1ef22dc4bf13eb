package dev.minibatch.runtime;

import dev.minibatch.model.Window;
import dev.minibatch.spi.store.Claim;
import dev.minibatch.spi.store.Lease;
import dev.minibatch.spi.store.Selection;
import dev.minibatch.spi.store.StoreCapabilities;
import dev.minibatch.spi.store.StreamStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a window is claimed: takes the consumer's claims (deferred where the store and the
 * consumer allow it, several in one step on a batch-claims store), and tracks each claim from the
 * store call to its window's dispatch — its real lease expiry, how many messages it holds — and
 * releases what was claimed but never dispatched.
 *
 * <p>Used by the consumer's loop thread (the maps are concurrent because workers run in
 * {@link ConsumerLoop#runOnce()}'s caller and stop may run elsewhere).
 */
final class ClaimTracker {

    private static final Logger LOG = LoggerFactory.getLogger(ClaimTracker.class);

    private final StreamStore store;
    private final StoreCapabilities capabilities;
    private final ConsumerSettings settings;
    private final String consumerId;
    private final BatchedCommits batchedCommits;
    private final boolean deferClaims;
    /** Claim sizes by window id, for windows built by the context: a window may hold more than it claimed. */
    private final Map<String, Integer> claimSizes = new ConcurrentHashMap<>();
    /** Lease expiries by claim token, from the claim to the window's dispatch. */
    private final Map<String, Instant> claimExpiries = new ConcurrentHashMap<>();

    ClaimTracker(StoreCapabilities capabilities, ConsumerSettings settings, String consumerId,
                 BatchedCommits batchedCommits) {
        this.store = capabilities.store();
        this.capabilities = capabilities;
        this.settings = settings;
        this.consumerId = consumerId;
        this.batchedCommits = batchedCommits;
        // windows whose effects are all in their commit may claim without writing (DeferredClaims);
        // with one worker the next claim comes only after the last commit
        this.deferClaims = capabilities.deferredClaims() != null && settings.emitter().effectsInCommit()
                && settings.sink() == null && settings.workers() == 1;
    }

    /** Whether this consumer's claims are deferred (see {@link dev.minibatch.spi.store.DeferredClaims}). */
    boolean deferred() {
        return deferClaims;
    }

    Claim claim(Selection selection) {
        Instant now = settings.now();
        Lease lease = newLease(now);
        Claim claim = deferClaims ? capabilities.deferredClaims().claimDeferred(settings.stream(), selection, lease)
                : store.claim(settings.stream(), selection, lease);
        track(claim, now);
        int hold = claim.isEmpty() || capabilities.batchClaims() == null ? 0
                : capabilities.batchClaims().holdCommits(settings.stream());
        if (hold > 0) {
            batchedCommits.claimed(claim.token(), hold); // each commit is a costly round trip: batch them all
        }
        return claim;
    }

    /** Claims each selection under its own lease in one store step; null when the store cannot. */
    List<Claim> claimEach(List<Selection> selections) {
        if (capabilities.batchClaims() == null || selections.size() < 2) {
            return null;
        }
        Instant now = settings.now();
        List<Lease> leases = new ArrayList<>(selections.size());
        for (int i = 0; i < selections.size(); i++) {
            leases.add(newLease(now));
        }
        List<Claim> claims = capabilities.batchClaims().claimEach(settings.stream(), selections, leases);
        for (Claim claim : claims) {
            track(claim, now);
            if (!claim.isEmpty()) {
                batchedCommits.claimed(claim.token());
            }
        }
        return claims;
    }

    Lease newLease(Instant now) {
        return new Lease(UUID.randomUUID().toString(), consumerId, now, now.plus(settings.lease()));
    }

    /** Records a claim's real lease expiry until its window is dispatched (or released at stop). */
    private void track(Claim claim, Instant claimedAt) {
        if (claim.isEmpty()) {
            return; // nothing held: nothing to dispatch, renew or release
        }
        Instant expiry = claim.lease().expiresAt();
        Instant after = settings.now();
        if (Duration.between(claimedAt, after).compareTo(settings.lease().dividedBy(3)) > 0) {
            // a slow store ate into the lease before the window even started: extend it at once,
            // or the next scheduled renewal could come after it lapsed
            Instant renewed = after.plus(settings.lease());
            if (store.renew(settings.stream(), claim.token(), renewed)) {
                expiry = renewed;
            }
        }
        claimExpiries.put(claim.token(), expiry);
    }

    /** Extends a claim's lease by the consumer's lease length from now; false if it was lost. */
    boolean renew(Claim claim) {
        Instant next = settings.now().plus(settings.lease());
        if (!store.renew(settings.stream(), claim.token(), next)) {
            return false;
        }
        claimExpiries.computeIfPresent(claim.token(), (t, old) -> next);
        return true;
    }

    /** Stops tracking a claim that ended before dispatch (released, dead-lettered, never emitted). */
    void forget(String token) {
        claimExpiries.remove(token);
        claimSizes.remove(token);
        batchedCommits.forget(token);
    }

    /** Gives a claim back at once (a clean give-back, not a failed attempt) and stops tracking it. */
    void release(String token) {
        forget(token);
        store.release(settings.stream(), token, settings.now(), null);
    }

    /** Releases claims taken but never dispatched (at stop), so they return at once, not after their lease. */
    void releaseUndispatched() {
        for (String token : new ArrayList<>(claimExpiries.keySet())) {
            claimExpiries.remove(token);
            batchedCommits.forget(token);
            try {
                store.release(settings.stream(), token, settings.now(), null);
            } catch (RuntimeException e) {
                LOG.warn("consumer of stream '{}': could not release claim {} at stop; it returns after its lease",
                        settings.stream(), token);
            }
        }
    }

    /** When the claim behind a window lapses unless renewed (its real expiry, not a guess); stops tracking it. */
    Instant dispatched(Window window) {
        Instant expiry = claimExpiries.remove(window.id());
        return expiry != null ? expiry : settings.now().plus(settings.lease());
    }

    /** Remembers how many messages a window's claim holds (a window built with extra peeked messages holds more). */
    void claimSize(String token, int claimed) {
        claimSizes.put(token, claimed);
    }

    /** How many of the window's messages are claimed (all of them, unless the emitter added peeked ones). */
    int claimedCount(Window window) {
        Integer claimed = claimSizes.get(window.id());
        return claimed != null ? claimed : window.size();
    }

    /** {@link #claimedCount}, and forgets it: the window is ending. */
    int takeClaimedCount(Window window) {
        int claimed = claimedCount(window);
        claimSizes.remove(window.id());
        return claimed;
    }
}
