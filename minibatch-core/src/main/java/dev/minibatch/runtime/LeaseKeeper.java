package dev.minibatch.runtime;

import dev.minibatch.model.Window;
import dev.minibatch.spi.store.StreamStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The windows in flight (dispatched to a worker, not yet finished) and their leases: a scheduled
 * task renews every lease a third gone, so a slow store call on the loop thread (a claim on a
 * loaded server) never lets the leases of running windows lapse; a lease the store no longer holds
 * is counted and told to listeners.
 *
 * <p>Entries are added and removed by the loop thread and read by the renewal task.
 */
final class LeaseKeeper {

    private static final Logger LOG = LoggerFactory.getLogger(LeaseKeeper.class);

    /** A window a worker is processing. */
    static final class InFlight {
        final Window window;
        final int claimed;
        volatile Future<?> future;
        volatile Instant leaseExpiry;
        volatile boolean leaseLost;

        InFlight(Window window, int claimed, Instant leaseExpiry) {
            this.window = window;
            this.claimed = claimed;
            this.leaseExpiry = leaseExpiry;
        }
    }

    private final StreamStore store;
    private final ConsumerSettings settings;
    private final ConsumerCounters counters;
    private final Observers observers;
    private final Map<String, InFlight> inFlight = new ConcurrentHashMap<>();
    private volatile int size;

    LeaseKeeper(StreamStore store, ConsumerSettings settings, ConsumerCounters counters, Observers observers) {
        this.store = store;
        this.settings = settings;
        this.counters = counters;
        this.observers = observers;
    }

    InFlight add(Window window, int claimed, Instant leaseExpiry) {
        InFlight entry = new InFlight(window, claimed, leaseExpiry);
        inFlight.put(window.id(), entry);
        size = inFlight.size();
        return entry;
    }

    /** The window's entry, no longer in flight; null if it was not (released at stop). */
    InFlight remove(String windowId) {
        InFlight entry = inFlight.remove(windowId);
        size = inFlight.size();
        return entry;
    }

    /** Windows in flight (a volatile read, for stats from any thread). */
    int size() {
        return size;
    }

    boolean isEmpty() {
        return inFlight.isEmpty();
    }

    /** Every window in flight, removed: the consumer is stopping. */
    List<InFlight> takeAll() {
        List<InFlight> all = new ArrayList<>(inFlight.values());
        inFlight.clear();
        size = 0;
        return all;
    }

    /**
     * At stop, after the stop timeout: cancels the windows still in flight and gives their claims
     * back at once (a store that cannot be reached lets them return after their lease).
     */
    void releaseAll(ClaimTracker claims) {
        for (InFlight entry : takeAll()) {
            if (entry.future != null) {
                entry.future.cancel(true);
            }
            try {
                claims.release(entry.window.id());
            } catch (dev.minibatch.model.StoreException e) {
                LOG.warn("consumer of stream '{}': could not release window {} at stop; it returns after its lease",
                        settings.stream(), entry.window.id());
            }
            LOG.info("consumer of stream '{}': window {} did not finish within the stop timeout; released",
                    settings.stream(), entry.window.id());
        }
    }

    /** Renews leases every third of a lease until the returned future is cancelled. */
    ScheduledFuture<?> schedule(ScheduledExecutorService scheduler) {
        long every = Math.max(10, settings.lease().toMillis() / 3);
        return scheduler.scheduleWithFixedDelay(this::renewLeases, every, every, TimeUnit.MILLISECONDS);
    }

    /** Runs on the scheduler: extends the lease of every running window due for renewal. */
    private void renewLeases() {
        if (inFlight.isEmpty()) {
            return;
        }
        Instant now = settings.now();
        Duration renewBefore = settings.lease().multipliedBy(2).dividedBy(3);
        for (InFlight entry : inFlight.values()) {
            if (entry.leaseLost || now.isBefore(entry.leaseExpiry.minus(renewBefore))) {
                continue;
            }
            Instant next = now.plus(settings.lease());
            try {
                if (store.renew(settings.stream(), entry.window.id(), next)) {
                    entry.leaseExpiry = next;
                } else if (entry.claimed > 0 && inFlight.containsKey(entry.window.id())) {
                    // still running here, yet the store no longer holds it for us
                    entry.leaseLost = true;
                    counters.leasesLost.incrementAndGet();
                    observers.leaseLost(entry.window.id());
                    LOG.warn("consumer of stream '{}': lease of window {} was lost; its messages may be redelivered",
                            settings.stream(), entry.window.id());
                }
            } catch (RuntimeException e) {
                LOG.warn("consumer of stream '{}': renewing lease of window {} failed: {}", settings.stream(),
                        entry.window.id(), e.getMessage());
            }
        }
    }
}
