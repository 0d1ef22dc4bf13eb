package dev.minibatch.runtime;

import dev.minibatch.model.ConfigurationException;
import dev.minibatch.model.ConsumerHandle;
import dev.minibatch.model.ConsumerStats;
import dev.minibatch.model.StoreException;
import dev.minibatch.model.Window;
import dev.minibatch.spi.store.StoreCapabilities;
import dev.minibatch.spi.store.StreamStore;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One consumer: its thread, its loop, dispatch to workers and drain at stop. The loop thread asks
 * the emitter for windows, hands them to workers, and finishes them (commit or undo, through the
 * emitter) when workers report back; so emitters and store bookkeeping stay single-threaded, and
 * with one worker windows are processed and committed in order. The jobs around it live beside it:
 * {@link ClaimTracker} (claims), {@link LeaseKeeper} (leases of windows in flight),
 * {@link CommitRouter} (commits), {@link FailurePolicy} (retries and dead letters),
 * {@link PollPacer} (when to poll), {@link WindowSource} (asks the emitter), {@link Workers} (run
 * the function and sink), {@link WindowFinisher} (finishes what workers report), {@link Heartbeats}
 * and {@link Observers}; the emitter reaches them through {@link ConsumerContext}.
 */
public final class ConsumerLoop implements ConsumerHandle {

    private static final Logger LOG = LoggerFactory.getLogger(ConsumerLoop.class);
    private static final Duration MAX_STORE_BACKOFF = Duration.ofSeconds(10);
    private static final AtomicLong CONSUMER_NUMBERS = new AtomicLong();

    private final ConsumerRegistry registry;
    private final ConsumerSettings settings;
    private final Observers observers;
    private final StoreCapabilities capabilities;
    private final String consumerId;
    private final ConsumerCounters counters = new ConsumerCounters();
    private final ClaimTracker claims;
    private final LeaseKeeper leases;
    private final CommitRouter commits;
    private final FailurePolicy failures;
    private final PollPacer pacer;
    private final Heartbeats heartbeats;
    private final ConsumerContext context;
    private final WindowSource windows;
    private final WindowFinisher finisher;
    private final Workers workers;
    private final Inbox inbox = new Inbox();
    private final CountDownLatch terminated = new CountDownLatch(1);
    private volatile boolean stopRequested;
    private volatile Thread loopThread;
    private volatile Throwable failure;
    private Duration storeBackoff = Duration.ZERO;

    /**
     * @param capabilities the client's store and what it can do, resolved once for this consumer
     * @param registry the client's consumers: this one registers when it starts
     * @param ownerId  the client's owner id (host, pid, random), the prefix of this consumer's id
     */
    public ConsumerLoop(StoreCapabilities capabilities, ConsumerRegistry registry, String ownerId, ConsumerSettings settings,
                        Observers observers) {
        this.registry = registry;
        this.settings = settings;
        this.observers = observers;
        this.capabilities = capabilities;
        StreamStore store = capabilities.store();
        this.consumerId = ownerId + ":" + settings.stream() + ":" + CONSUMER_NUMBERS.incrementAndGet();
        BatchedCommits batched = new BatchedCommits(settings.lease());
        this.claims = new ClaimTracker(capabilities, settings, consumerId, batched);
        this.leases = new LeaseKeeper(store, settings, counters, observers);
        this.pacer = new PollPacer(settings);
        this.failures = new FailurePolicy(store, settings, claims, counters, observers, pacer);
        this.commits = new CommitRouter(capabilities, settings, claims, batched, counters, observers, failures);
        this.context = new ConsumerContext(capabilities, settings, claims, commits, failures, pacer);
        this.windows = new WindowSource(settings, context, claims, failures);
        this.finisher = new WindowFinisher(settings, consumerId, leases, commits, failures, observers, context);
        this.workers = new Workers(settings);
        this.heartbeats = new Heartbeats(capabilities.activity(), settings, consumerId, this::stats);
        store.openStream(settings.stream(), Duration.ofSeconds(10), settings.now());
    }

    // ---- running ------------------------------------------------------------------------------

    /** Runs the consumer on a daemon thread of its own. */
    public void startThread() {
        registry.register(this);
        Thread thread = new Thread(this::loopAndFinish, "minibatch-consumer-" + settings.stream());
        thread.setDaemon(true);
        loopThread = thread;
        thread.start();
    }

    /** Runs the consumer on the calling thread until it is stopped; rethrows what ended it. */
    public ConsumerStats runBlocking() {
        registry.register(this);
        loopThread = Thread.currentThread();
        loopAndFinish();
        if (failure instanceof RuntimeException e) {
            throw e;
        }
        if (failure instanceof Error e) {
            throw e;
        }
        return stats();
    }

    /** One round on the calling thread: at most one window, processed and committed here. */
    public ConsumerStats runOnce() {
        try {
            Optional<Window> window = windows.next();
            if (window.isPresent()) {
                Window w = window.get();
                leases.add(w, claims.claimedCount(w), claims.dispatched(w));
                ScheduledFuture<?> renewal = leases.schedule(registry.scheduler());
                try {
                    long began = System.nanoTime();
                    Throwable error = workers.process(w);
                    finisher.finish(new Inbox.Completion(w, error, System.nanoTime() - began));
                } finally {
                    renewal.cancel(false);
                }
            }
        } finally {
            commits.flushLast();
            commits.failHeldCommits(context);
            claims.releaseUndispatched();
            workers.close();
            terminated.countDown();
        }
        return stats();
    }

    private void loopAndFinish() {
        workers.start();
        ScheduledFuture<?> renewal = leases.schedule(registry.scheduler());
        pacer.subscribe(capabilities.wakeups(), inbox::appendNotice);
        try {
            loop();
        } catch (InterruptedException e) {
            // an interrupt is a request to stop, not a failure
            Thread.currentThread().interrupt();
        } catch (Throwable e) {
            failure = e;
            LOG.error("consumer of stream '{}' failed", settings.stream(), e);
        } finally {
            try {
                drainOnStop();
            } catch (Throwable e) {
                LOG.error("consumer of stream '{}' failed while stopping", settings.stream(), e);
            }
            renewal.cancel(false);
            pacer.close();
            workers.close();
            heartbeats.beat(true);
            registry.unregister(this);
            terminated.countDown();
        }
    }

    private void loop() throws InterruptedException {
        while (!stopRequested && !registry.isClosed()) {
            if (Thread.currentThread().isInterrupted()) {
                throw new InterruptedException();
            }
            if (drainCompletions()) {
                pacer.wake();
            }
            if (commits.due()) {
                commits.flush();
            }
            commits.failHeldCommits(context);
            heartbeats.beat(false);
            boolean emitted = false;
            boolean polled = false;
            boolean free = leases.size() < settings.workers();
            if (free && pacer.mayPoll()) {
                polled = true;
                inbox.polling(); // a notice from now on wakes the next round
                try {
                    emitted = pollAndDispatch();
                    storeBackoff = Duration.ZERO;
                } catch (StoreException e) {
                    storeBackoff = storeBackoff.isZero() ? Duration.ofMillis(100)
                            : min(storeBackoff.multipliedBy(2), MAX_STORE_BACKOFF);
                    LOG.warn("consumer of stream '{}': store error, retrying in {} ms: {}", settings.stream(),
                            storeBackoff.toMillis(), e.getMessage());
                    waitForCompletion(storeBackoff);
                    continue;
                }
            }
            if (!emitted) {
                // full: wait for a worker; idle: wait for the emitter's next poll (a completion wakes us early)
                Duration delay;
                if (free) {
                    delay = pacer.idleWait(settings.emitter().pollDelay(context), polled);
                    if (commits.storeHoldsAll()) { // each commit a round trip: keep holding until due
                        delay = min(delay, commits.untilDue());
                    } else {
                        commits.flush(); // idle: nothing to commit together with
                        commits.failHeldCommits(context);
                    }
                } else {
                    delay = min(Heartbeats.EVERY, commits.untilDue());
                }
                if (waitForCompletion(min(delay, Heartbeats.EVERY))) {
                    pacer.wake(); // a completion or an append notice: look again now
                }
            }
        }
    }

    /** Takes the next window (claimed ahead, or from the emitter) and dispatches it; false if none. */
    private boolean pollAndDispatch() {
        Optional<Window> window = windows.next();
        if (window.isEmpty()) {
            return false;
        }
        dispatch(window.get());
        windows.claimAhead();
        return true;
    }

    /** Returns true when a completion or a wake-up arrived before the timeout. */
    private boolean waitForCompletion(Duration timeout) throws InterruptedException {
        Inbox.Completion c = inbox.take(timeout);
        if (c != null && c.window() != null) {
            finisher.finish(c);
        }
        return c != null;
    }

    private void dispatch(Window window) {
        LeaseKeeper.InFlight entry = leases.add(window, claims.claimedCount(window), claims.dispatched(window));
        try {
            entry.future = workers.submit(window, inbox);
        } catch (RejectedExecutionException e) {
            leases.remove(window.id());
            claims.release(window.id());
            throw new ConfigurationException("the executor of the consumer of '" + settings.stream()
                    + "' rejected a window: " + e.getMessage(), e);
        }
    }

    /** Returns true when anything (a completion or a wake-up) was waiting. */
    private boolean drainCompletions() {
        boolean any = false;
        Inbox.Completion c;
        while ((c = inbox.poll()) != null) {
            any = true;
            if (c.window() != null) {
                finisher.finish(c);
            }
        }
        return any;
    }

    private void drainOnStop() throws InterruptedException {
        long deadline = System.nanoTime() + settings.stopTimeout().toNanos();
        boolean interrupted = Thread.interrupted();
        while (!leases.isEmpty()) {
            long left = deadline - System.nanoTime();
            if (left <= 0 || interrupted) {
                break;
            }
            Inbox.Completion c = inbox.take(Duration.ofNanos(left).plusMillis(1));
            if (c != null && c.window() != null) {
                finisher.finish(c);
            }
        }
        commits.flushLast();
        commits.failHeldCommits(context);
        leases.releaseAll(claims);
        claims.releaseUndispatched();
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    // ---- ConsumerHandle ------------------------------------------------------------------------

    @Override
    public String stream() {
        return settings.stream();
    }

    @Override
    public void requestStop() {
        stopRequested = true;
        inbox.wake();
    }

    @Override
    public void stop() {
        requestStop();
        Thread t = loopThread;
        if (t == Thread.currentThread()) {
            return;
        }
        try {
            awaitTermination(settings.stopTimeout().plusSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public boolean awaitTermination(Duration timeout) throws InterruptedException {
        return terminated.await(Math.max(0, timeout.toMillis()), TimeUnit.MILLISECONDS);
    }

    @Override
    public boolean isRunning() {
        return terminated.getCount() > 0 && loopThread != null;
    }

    @Override
    public ConsumerStats stats() {
        return counters.stats(leases.size());
    }

    @Override
    public Throwable failure() {
        return failure;
    }

    static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    @Override
    public String toString() {
        return "Consumer[" + settings.stream() + ", " + settings.emitter() + ", workers=" + settings.workers() + "]";
    }
}
