package dev.minibatch.runtime;

import dev.minibatch.model.Window;
import dev.minibatch.observe.WindowEvent;
import dev.minibatch.spi.store.BatchTableCommits;
import dev.minibatch.spi.store.CommitEffects;
import dev.minibatch.spi.store.CommitNotReadyException;
import dev.minibatch.spi.store.NewMessage;
import dev.minibatch.spi.store.StoreCapabilities;
import dev.minibatch.spi.store.StreamStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a window is committed. A plain commit, a commit with stage outputs (in one transaction on a
 * store with transactional append, else outputs first, at least once), or a commit with table state;
 * windows claimed together on a batch-claims store are held briefly and committed in one step
 * ({@link BatchedCommits}), in the order they finished. Commits stay in order: held ones go before
 * any other commit or undo. After a commit it counts the window, and what came up short (a lost
 * lease, a deferred claim another consumer took first).
 *
 * <p>Loop thread only.
 */
final class CommitRouter {

    private static final Logger LOG = LoggerFactory.getLogger(CommitRouter.class);
    /** How soon a batch the store could not commit yet is tried again (see {@link CommitNotReadyException}). */
    static final Duration NOT_READY_RETRY = Duration.ofMillis(20);

    /** A held window whose state function threw at a flush: failed at the next safe point. */
    record FailedCommit(Window window, RuntimeException error, WindowEvent event) {
    }

    private final StreamStore store;
    private final StoreCapabilities capabilities;
    private final ConsumerSettings settings;
    private final ClaimTracker claims;
    private final BatchedCommits batched;
    private final ConsumerCounters counters;
    private final Observers observers;
    private final FailurePolicy failures;
    /** Committed-window events of held commits, told once their batch is in the store. */
    private final Map<String, WindowEvent> heldEvents = new HashMap<>();
    /** Held windows whose state function threw at a flush. */
    private final List<FailedCommit> stateFailures = new ArrayList<>();

    CommitRouter(StoreCapabilities capabilities, ConsumerSettings settings, ClaimTracker claims, BatchedCommits batched,
                 ConsumerCounters counters, Observers observers, FailurePolicy failures) {
        this.store = capabilities.store();
        this.capabilities = capabilities;
        this.settings = settings;
        this.claims = claims;
        this.batched = batched;
        this.counters = counters;
        this.observers = observers;
        this.failures = failures;
    }

    /**
     * Commits the window with {@code appends} (stream → messages) and table {@code state} (null:
     * none). A state function that throws here fails the window ({@code StateFunctionException}),
     * with nothing changed.
     */
    void commit(Window window, Map<String, List<NewMessage>> appends, CommitEffects state) {
        int claimed = claims.takeClaimedCount(window);
        // plain commits are held for a batch, and commits with table state where the store batches those too
        // (each window all or nothing); stage appends go with their own commit, except on a store that
        // holds every commit and batches effects (there a commit is a transaction across machines)
        boolean effectsBatch = capabilities.batchTableCommits() != null;
        boolean holdable = appends.isEmpty() ? state == null || effectsBatch : effectsBatch && batched.storeHoldsAll();
        // held outputs travel as effects; built only when held (a stage's commit elsewhere takes its own path)
        CommitEffects toHold = holdable && state == null && !appends.isEmpty()
                ? CommitEffects.appendsOnly(appends, settings.now()) : state;
        // behind a batch the store could not commit yet, any window waits its turn: commits stay in order
        if (holdable && capabilities.batchClaims() != null
                && (batched.hold(window, claimed, toHold) || batched.holdBehindDeferred(window, claimed, toHold))) {
            if (batched.due()) {
                flush();
            }
            return;
        }
        batched.forget(window.id()); // committed on its own below: no longer a candidate for a batch
        flush(); // commits stay in order
        int committed;
        if (state != null) {
            committed = capabilities.tables().commitWithState(settings.stream(), window.id(), settings.keep(), claimed,
                    state);
        } else if (appends.isEmpty()) {
            committed = store.commit(settings.stream(), window.id(), settings.keep());
        } else if (capabilities.transactionalAppend() != null) {
            committed = capabilities.transactionalAppend().commitAndAppend(settings.stream(), window.id(),
                    settings.keep(), claimed, appends, settings.now());
        } else {
            appends.forEach(store::append); // at least once: a crash here appends them again on retry
            committed = store.commit(settings.stream(), window.id(), settings.keep());
        }
        afterCommit(window, claimed, committed, appends);
    }

    /** Whether the window's commit is held for a batch (its listeners hear of it at the flush). */
    boolean holds(String windowId) {
        return batched.holds(windowId);
    }

    /** Tells {@code event} to listeners once the held window is in the store. */
    void tellWhenCommitted(String windowId, WindowEvent event) {
        heldEvents.put(windowId, event);
    }

    /** Whether the store holds every commit: an idle consumer then lets the held ones wait out their delay. */
    boolean storeHoldsAll() {
        return batched.storeHoldsAll();
    }

    boolean due() {
        return batched.due();
    }

    java.time.Duration untilDue() {
        return batched.untilDue();
    }

    /**
     * Commits the held windows in one store step; a batch the store could not commit yet is held again
     * and tried {@link #NOT_READY_RETRY} later (not sooner, whoever asks).
     */
    void flush() {
        flush(false);
    }

    /** At stop: commits the held windows, one last try even if the store just could not. */
    void flushLast() {
        flush(true);
    }

    private void flush(boolean last) {
        if (batched.isEmpty() || !last && batched.retryPending()) {
            return;
        }
        List<BatchedCommits.Held> held = batched.take();
        List<String> tokens = new ArrayList<>(held.size());
        held.forEach(h -> tokens.add(h.window().id()));
        int[] committed;
        try {
            if (held.stream().allMatch(h -> h.state() == null)) {
                committed = capabilities.batchClaims().commitEach(settings.stream(), tokens, settings.keep());
            } else {
                committed = commitHeldWithState(held);
            }
        } catch (CommitNotReadyException e) {
            Duration waited = batched.deferredFor();
            if (!last && waited.compareTo(settings.lease().dividedBy(2)) < 0) {
                if (waited.isZero()) {
                    LOG.debug("consumer of stream '{}': {} windows wait for an earlier one: {}", settings.stream(),
                            held.size(), e.getMessage());
                }
                batched.putBack(held, NOT_READY_RETRY);
                return;
            }
            batched.settled();
            tokens.forEach(heldEvents::remove);
            LOG.error("consumer of stream '{}': {} windows could not commit for {} ms ({}); their messages return after"
                    + " the lease", settings.stream(), held.size(), waited.toMillis(), e.getMessage());
            return;
        } catch (RuntimeException e) {
            batched.settled();
            tokens.forEach(heldEvents::remove); // never committed: listeners hear nothing, as for any failed commit
            LOG.error("consumer of stream '{}': committing {} windows failed; their messages return after the lease",
                    settings.stream(), held.size(), e);
            return;
        }
        batched.settled();
        for (int i = 0; i < held.size(); i++) {
            if (committed[i] < 0) {
                continue; // its state function threw: failed by failHeldCommits
            }
            CommitEffects effects = held.get(i).state();
            afterCommit(held.get(i).window(), held.get(i).claimed(), committed[i],
                    effects == null ? Map.of() : effects.appends());
            WindowEvent event = heldEvents.remove(tokens.get(i));
            if (event != null && committed[i] > 0) {
                observers.committed(event);
            }
        }
    }

    /**
     * Commits held windows, some with table state, in one store step; a window whose state function
     * threw changed nothing and is failed like any other (after this flush: see {@link #failHeldCommits}).
     */
    private int[] commitHeldWithState(List<BatchedCommits.Held> held) {
        List<BatchTableCommits.StatefulCommit> commits = new ArrayList<>(held.size());
        held.forEach(h -> commits.add(new BatchTableCommits.StatefulCommit(h.window().id(), h.claimed(), h.state())));
        List<BatchTableCommits.CommitOutcome> outcomes = capabilities.batchTableCommits().commitEachWithState(settings.stream(),
                commits, settings.keep());
        int[] committed = new int[held.size()];
        for (int i = 0; i < committed.length; i++) {
            committed[i] = outcomes.get(i).committed();
            if (outcomes.get(i).failure() != null) {
                stateFailures.add(new FailedCommit(held.get(i).window(), outcomes.get(i).failure(),
                        heldEvents.remove(held.get(i).window().id())));
                committed[i] = -1;
            }
        }
        return committed;
    }

    /**
     * Fails the held windows whose state function threw at the last flush, through the failure
     * policy. Runs where no emitter call is under way (a flush can happen inside another window's
     * commit).
     */
    void failHeldCommits(dev.minibatch.spi.emitter.EmitterContext context) {
        while (!stateFailures.isEmpty()) {
            FailedCommit f = stateFailures.remove(0);
            failures.windowFailed(context, f.window(), f.error(), f.event());
        }
    }

    private void afterCommit(Window window, int claimed, int committed, Map<String, List<NewMessage>> appends) {
        List<NewMessage> rejected = appends.get(settings.deadLetterStream());
        if (committed > 0 && rejected != null && !rejected.isEmpty()) {
            // messages a stage's operator rejected went to the dead-letter stream with this commit
            failures.rejectedWithCommit(rejected.size(), rejected.get(0).error());
        }
        counters.windows.incrementAndGet();
        counters.messages.addAndGet(window.size());
        if (committed < claimed) {
            counters.leasesLost.incrementAndGet();
            observers.leaseLost(window.id());
            if (claims.deferred() && committed == 0) {
                LOG.info("consumer of stream '{}': window {} changed nothing: another consumer took its {} messages"
                        + " first (deferred claim); its work was dropped", settings.stream(), window.id(), claimed);
            } else {
                LOG.warn("consumer of stream '{}': window {} committed {} of {} messages; the lease of the rest lapsed"
                        + " and they may be delivered again", settings.stream(), window.id(), committed, claimed);
            }
        }
    }
}
