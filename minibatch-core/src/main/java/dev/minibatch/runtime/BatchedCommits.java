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
        return !held.isEmpty() && (held.size() >= limit || System.nanoTime() - oldestNanos >= maxDelayNanos);
    }

    /** How long until {@link #due()} at the latest (zero when due; a day when nothing is held). */
    java.time.Duration untilDue() {
        if (held.isEmpty()) {
            return java.time.Duration.ofDays(1);
        }
        return java.time.Duration.ofNanos(Math.max(0, oldestNanos + maxDelayNanos - System.nanoTime()));
    }

    /**
     * Whether the store holds every commit ({@code BatchClaims.holdCommits}): then stage outputs are
     * held too, and an idle consumer still waits out the delay, since each commit costs a round trip.
     */
    boolean storeHoldsAll() {
        return limit > MAX_HELD;
    }

    /** The held commits, in order; holds none afterwards. */
    List<Held> take() {
        List<Held> out = new ArrayList<>(held);
        held.clear();
        return out;
    }
}
