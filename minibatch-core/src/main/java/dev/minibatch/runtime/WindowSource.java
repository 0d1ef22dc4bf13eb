package dev.minibatch.runtime;

import dev.minibatch.model.Window;
import dev.minibatch.spi.emitter.EmitterContext;
import dev.minibatch.spi.emitter.WindowEmitter;
import dev.minibatch.spi.emitter.WindowQuery;
import dev.minibatch.spi.store.Claim;
import dev.minibatch.spi.store.Selection;
import java.util.Optional;

/**
 * Where the emitter is asked for the next window: {@code windowReady → query → process} (the
 * claim) {@code → emit}. A claim the emitter took but did not emit goes back at once; a window
 * whose messages' leases lapsed {@code maxAttempts} times goes to the {@link FailurePolicy}
 * instead of a worker. With deferred claims it also holds the next window, claimed while the
 * current one is computed. Loop thread only.
 */
final class WindowSource {

    private final WindowEmitter emitter;
    private final EmitterContext context;
    private final ClaimTracker claims;
    private final FailurePolicy failures;
    /** With deferred claims: the next window, claimed while the one in flight is computed. */
    private Window ahead;

    WindowSource(ConsumerSettings settings, EmitterContext context, ClaimTracker claims, FailurePolicy failures) {
        this.emitter = settings.emitter();
        this.context = context;
        this.claims = claims;
        this.failures = failures;
    }

    /** The window claimed ahead, else the emitter's next; empty if none is ready. */
    Optional<Window> next() {
        if (ahead != null) {
            Window next = ahead;
            ahead = null;
            return Optional.of(next);
        }
        return ask();
    }

    /**
     * After a dispatch with deferred claims: reads the next window while this one is computed (a
     * deferred claim writes nothing and is checked at its commit, which comes after this one's).
     */
    void claimAhead() {
        if (claims.deferred()) {
            ahead = ask().orElse(null);
        }
    }

    private Optional<Window> ask() {
        Optional<WindowQuery> query = emitter.windowReady(context);
        if (query.isEmpty()) {
            return Optional.empty();
        }
        Selection selection = emitter.query(context, query.get());
        Claim claim = emitter.process(context, query.get(), selection);
        Optional<Window> window;
        try {
            window = emitter.emit(context, query.get(), claim);
        } catch (RuntimeException e) {
            claims.release(claim.token());
            throw e;
        }
        if (window.isEmpty()) {
            if (claim.isEmpty()) {
                claims.forget(claim.token());
            } else {
                claims.release(claim.token());
            }
            return Optional.empty();
        }
        // messages whose leases lapsed maxAttempts times (e.g. they crash the consumer) stop here
        return failures.gaveUp(window.get()) ? Optional.empty() : window;
    }
}
