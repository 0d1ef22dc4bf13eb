package dev.minibatch.runtime;

import dev.minibatch.model.StateFunctionException;
import dev.minibatch.observe.WindowEvent;
import dev.minibatch.spi.emitter.EmitterContext;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finishes a window a worker reported: on success the emitter commits it (through the
 * {@link CommitRouter}) and listeners hear of it once it is in the store; on failure — the
 * function, the sink, or a table's state function in the commit — the {@link FailurePolicy} takes
 * it. Loop thread only.
 */
final class WindowFinisher {

    private static final Logger LOG = LoggerFactory.getLogger(WindowFinisher.class);

    private final ConsumerSettings settings;
    private final String consumerId;
    private final LeaseKeeper leases;
    private final CommitRouter commits;
    private final FailurePolicy failures;
    private final Observers observers;
    private final EmitterContext context;

    WindowFinisher(ConsumerSettings settings, String consumerId, LeaseKeeper leases, CommitRouter commits,
                   FailurePolicy failures, Observers observers, EmitterContext context) {
        this.settings = settings;
        this.consumerId = consumerId;
        this.leases = leases;
        this.commits = commits;
        this.failures = failures;
        this.observers = observers;
        this.context = context;
    }

    void finish(Inbox.Completion c) {
        if (leases.remove(c.window().id()) == null) {
            return; // already released at stop
        }
        if (c.error() != null) {
            failures.windowFailed(context, c.window(), c.error(), event(c));
        } else {
            try {
                settings.emitter().commit(context, c.window());
                if (!observers.isEmpty()) {
                    if (commits.holds(c.window().id())) {
                        commits.tellWhenCommitted(c.window().id(), event(c)); // told when the batch is in the store
                    } else {
                        observers.committed(event(c));
                    }
                }
            } catch (StateFunctionException e) {
                // a table's state function failed inside the commit, which changed nothing: the window failed
                failures.windowFailed(context, c.window(), e, event(c));
            } catch (RuntimeException e) {
                // the claim stays leased and lapses; its messages come back after the lease
                LOG.error("consumer of stream '{}': finishing window {} failed; its messages return after the lease",
                        settings.stream(), c.window().id(), e);
            }
        }
        commits.failHeldCommits(context); // a flush during this commit may have found state functions that threw
    }

    /** The listeners' event for a finished window; null when nobody listens. */
    private WindowEvent event(Inbox.Completion c) {
        return observers.isEmpty() ? null : new WindowEvent(settings.stream(), observers.emitter(), consumerId,
                c.window(), Duration.ofNanos(c.processingNanos()));
    }
}
