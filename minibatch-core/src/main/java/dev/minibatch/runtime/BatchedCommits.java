package dev.minibatch.runtime;

import dev.minibatch.model.Window;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Commits of windows whose claims were taken together ({@link dev.minibatch.spi.store.BatchClaims}, a
 * keyed consumer claiming many keys' windows at once): each finished window is held briefly and
 * the held ones are committed in one store step, in the order they finished (so with
 * {@code workers(1)} still in order). A window is held at most {@code maxDelay} (a tenth of the
 * lease, at most 50 ms), far inside its lease, which is why held windows need no renewal; the
 * consumer commits what it holds before any other commit or undo, when it goes idle, and at stop.
 * Other windows are never held, except on stores that hold every commit
 * ({@link dev.minibatch.spi.store.BatchClaims#holdCommits}): there a stage's outputs are held with
 * its commit too (where the store commits effects in batches), and an idle consumer lets the held
 * commits wait out the delay instead of committing at once, since each commit is a round trip. A
 * listener's {@code committed} event for a held window may come up to that delay before the store
 * commit; the consumer's window and message counts follow the store commit.
 *
 * <p>Used by the consumer's loop thread only.
 */
final class BatchedCommits {

    /** Most windows committed in one step, unless the store asks for more. */
    static final int MAX_HELD = 64;

    /** A window whose commit waits for the batch; {@code state} its table effects, or null. */
    record Held(Window window, int claimed, dev.minibatch.spi.store.CommitEffects state) {
    }

    private final long maxDelayNanos;
    /** Tokens of claims taken together and not yet finished. */
    private final Set<String> batched = new HashSet<>();
    private final List<Held> held = new ArrayList<>();
    private long oldestNanos;
    /** A batch the store could not commit yet was put back: not due again before this (0: none). */
    private long notBeforeNanos;
    /** Since when the held windows have been put back, undone (0: they were not). */
    private long deferredSinceNanos;
    /** Most windows per batch: {@link #MAX_HELD}, or more where the store holds every commit. */
    private int limit = MAX_HELD;

    BatchedCommits(java.time.Duration lease) {
        this.maxDelayNanos = Math.min(java.time.Duration.ofMillis(50).toNanos(), lease.toNanos() / 10);
    }

    /** A claim taken together with others: its window's commit may be held. */
    void claimed(String token) {
        batched.add(token);
    }

    /** A claim whose store holds every commit, up to {@code most} per batch (see {@code BatchClaims.holdCommits}). */
    void claimed(String token, int most) {
        batched.add(token);
        limit = Math.max(MAX_HELD, most);
    }

    /** The claim ended otherwise (undone, released, never emitted). */
    void forget(String token) {
        batched.remove(token);
    }

    /** Holds the window's commit if its claim was taken together with others; false: commit now. */
    boolean hold(Window window, int claimed, dev.minibatch.spi.store.CommitEffects state) {
        if (!batched.remove(window.id())) {
            return false;
        }
        if (held.isEmpty()) {
            oldestNanos = System.nanoTime();
        }
        held.add(new Held(window, claimed, state));
        return true;
    }

    /**
     * Holds the window's commit behind a batch the store could not commit yet, whatever its claim
     * (commits stay in order); false when no batch waits so.
     */
    boolean holdBehindDeferred(Window window, int claimed, dev.minibatch.spi.store.CommitEffects state) {
        if (deferredSinceNanos == 0 || held.isEmpty()) {
            return false;
        }
        batched.remove(window.id());
        held.add(new Held(window, claimed, state));
        return true;
    }

    /** Whether a batch put back waits for its next try. */
    boolean retryPending() {
        return notBeforeNanos != 0 && System.nanoTime() - notBeforeNanos < 0;
    }

    boolean isEmpty() {
        return held.isEmpty();
    }

    /** Whether the window's commit is held, not yet in the store. */
    boolean holds(String token) {
        for (Held h : held) {
            if (h.window().id().equals(token)) {
                return true;
            }
        }
        return false;
    }

    /** Whether the held commits must go now: enough of them, or the oldest waited its longest. */
    boolean due() {
        long now = System.nanoTime();
        return !held.isEmpty() && (notBeforeNanos == 0 || now - notBeforeNanos >= 0)
                && (held.size() >= limit || now - oldestNanos >= maxDelayNanos);
    }

    /** How long until {@link #due()} at the latest (zero when due; a day when nothing is held). */
    java.time.Duration untilDue() {
        if (held.isEmpty()) {
            return java.time.Duration.ofDays(1);
        }
        long at = oldestNanos + maxDelayNanos;
        if (notBeforeNanos != 0 && notBeforeNanos - at > 0) {
            at = notBeforeNanos;
        }
        return java.time.Duration.ofNanos(Math.max(0, at - System.nanoTime()));
    }

    /**
     * The store could not commit {@code batch} yet ({@code CommitNotReadyException}): holds it again,
     * ahead of anything held since, not due for {@code retryAfter} (each try may cost the store a
     * walk over what it buffers).
     */
    void putBack(List<Held> batch, java.time.Duration retryAfter) {
        long now = System.nanoTime();
        if (deferredSinceNanos == 0) {
            deferredSinceNanos = now;
        }
        held.addAll(0, batch); // oldestNanos still dates the first of them
        notBeforeNanos = now + retryAfter.toNanos();
        if (notBeforeNanos == 0) {
            notBeforeNanos = 1; // 0 means "none"
        }
    }

    /** How long the held windows have been put back without committing (zero when they were not). */
    java.time.Duration deferredFor() {
        return deferredSinceNanos == 0 ? java.time.Duration.ZERO : java.time.Duration.ofNanos(System.nanoTime() - deferredSinceNanos);
    }

    /**
     * Whether the store holds every commit ({@code BatchClaims.holdCommits}): then stage outputs are
     * held too, and an idle consumer still waits out the delay, since each commit costs a round trip.
     */
    boolean storeHoldsAll() {
        return limit > MAX_HELD;
    }

    /** The held commits, in order; holds none afterwards (a batch put back is held again by {@link #putBack}). */
    List<Held> take() {
        List<Held> out = new ArrayList<>(held);
        held.clear();
        return out;
    }

    /** The batch taken last went into the store (or was given up): no longer deferred. */
    void settled() {
        deferredSinceNanos = 0;
        notBeforeNanos = 0;
    }
}
