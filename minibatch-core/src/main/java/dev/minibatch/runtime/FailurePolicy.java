package dev.minibatch.runtime;

import dev.minibatch.model.Message;
import dev.minibatch.model.Window;
import dev.minibatch.observe.WindowEvent;
import dev.minibatch.spi.emitter.EmitterContext;
import dev.minibatch.spi.store.Claim;
import dev.minibatch.spi.store.Selection;
import dev.minibatch.spi.store.StreamStore;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a failed window is retried or dead-lettered, and the only place the runtime dead-letters:
 * a failed window is released with a growing backoff ({@code backoff}, doubled per attempt, at most
 * {@code maxBackoff}) until {@code maxAttempts}, then moved to the dead-letter stream with its
 * error; a window whose leases lapsed {@code maxAttempts} times (it crashes its consumer) is moved
 * before it runs again; and a single message an emitter cannot place (a keyed consumer's message
 * whose key cannot be computed) is moved when the emitter asks through its context. Every failure
 * and every dead letter is counted in {@code ConsumerStats} and told to the listeners.
 *
 * <p>Loop thread only.
 */
final class FailurePolicy {

    private static final Logger LOG = LoggerFactory.getLogger(FailurePolicy.class);

    private final StreamStore store;
    private final ConsumerSettings settings;
    private final ClaimTracker claims;
    private final ConsumerCounters counters;
    private final Observers observers;
    private final PollPacer pacer;

    FailurePolicy(StreamStore store, ConsumerSettings settings, ClaimTracker claims, ConsumerCounters counters,
                  Observers observers, PollPacer pacer) {
        this.store = store;
        this.settings = settings;
        this.claims = claims;
        this.counters = counters;
        this.observers = observers;
        this.pacer = pacer;
    }

    /**
     * A window failed (its function or sink threw, or its commit's state function did): counted,
     * undone through the emitter (which normally calls {@link #undo}), told to listeners. An undo
     * that throws leaves the claim leased; its messages return after the lease.
     */
    void windowFailed(EmitterContext context, Window window, Throwable error, WindowEvent event) {
        counters.failures.incrementAndGet();
        try {
            settings.emitter().undo(context, window, error);
        } catch (RuntimeException undoFailed) {
            LOG.error("consumer of stream '{}': releasing window {} failed; its messages return after the lease",
                    settings.stream(), window.id(), undoFailed);
        }
        if (event != null && !observers.isEmpty()) {
            observers.failed(event, error);
        }
    }

    /** Releases a failed window for a retry after its backoff, or dead-letters it at {@code maxAttempts}. */
    void undo(Window window, Throwable error) {
        claims.forget(window.id());
        int attempt = window.attempt();
        String text = "attempt " + attempt + " of " + settings.maxAttempts() + ": " + describe(error);
        if (attempt >= settings.maxAttempts()) {
            int moved = store.deadLetter(settings.stream(), window.id(), settings.deadLetterStream(), text, settings.now());
            counted(moved, text);
            LOG.warn("consumer of stream '{}': window {} failed {} times; {} messages moved to '{}': {}",
                    settings.stream(), window.id(), attempt, moved, settings.deadLetterStream(), describe(error));
        } else {
            Duration wait = backoffFor(attempt);
            store.release(settings.stream(), window.id(), settings.now().plus(wait), text);
            pacer.retryIn(wait);
            LOG.info("consumer of stream '{}': window {} failed (attempt {} of {}), retrying in {} ms: {}",
                    settings.stream(), window.id(), attempt, settings.maxAttempts(), wait.toMillis(), describe(error));
        }
    }

    /**
     * A window about to be dispatched whose messages' leases lapsed {@code maxAttempts} times (they
     * crash the consumer): dead-lettered here instead. Returns true if it was.
     */
    boolean gaveUp(Window window) {
        if (window.attempt() <= settings.maxAttempts()) {
            return false;
        }
        claims.forget(window.id());
        String reason = "gave up after " + (window.attempt() - 1) + " attempts; last: " + lastError(window);
        int moved = store.deadLetter(settings.stream(), window.id(), settings.deadLetterStream(), reason, settings.now());
        counted(moved, reason);
        LOG.warn("consumer of stream '{}': window {} was delivered {} times without a commit (its consumers crashed or"
                + " its leases lapsed); {} messages moved to '{}'", settings.stream(), window.id(), window.attempt() - 1,
                moved, settings.deadLetterStream());
        return true;
    }

    /**
     * Moves one pending message to the dead-letter stream with {@code reason}, for an emitter that
     * cannot place it: claimed alone under this consumer's lease, then moved. Returns false if
     * another consumer took it first.
     */
    boolean deadLetter(Message message, String reason) {
        Claim claim = store.claim(settings.stream(), Selection.ids(List.of(message.id())), claims.newLease(settings.now()));
        if (claim.isEmpty()) {
            return false;
        }
        int moved = store.deadLetter(settings.stream(), claim.token(), settings.deadLetterStream(), reason, settings.now());
        counted(moved, reason);
        LOG.warn("consumer of stream '{}': message {} moved to '{}': {}", settings.stream(), message.id(),
                settings.deadLetterStream(), reason);
        return moved > 0;
    }

    /** Messages a stage's operator rejected, moved to the dead-letter stream with their window's commit. */
    void rejectedWithCommit(int messages, String reason) {
        counted(messages, reason);
    }

    private void counted(int moved, String reason) {
        counters.deadLettered.addAndGet(moved);
        observers.deadLettered(moved, reason);
    }

    Duration backoffFor(int attempt) {
        Duration wait = settings.backoff();
        for (int i = 1; i < attempt && wait.compareTo(settings.maxBackoff()) < 0; i++) {
            wait = wait.multipliedBy(2);
        }
        return ConsumerLoop.min(wait, settings.maxBackoff());
    }

    private static String lastError(Window w) {
        for (int i = w.messages().size() - 1; i >= 0; i--) {
            if (w.messages().get(i).error() != null) {
                return w.messages().get(i).error();
            }
        }
        return "(unknown)";
    }

    static String describe(Throwable error) {
        String text = error.getClass().getName() + (error.getMessage() == null ? "" : ": " + error.getMessage());
        return text.length() > 2000 ? text.substring(0, 2000) + "…" : text;
    }
}
