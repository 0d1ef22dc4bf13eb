package dev.minibatch.runtime;

import dev.minibatch.internal.DaemonThreads;
import dev.minibatch.model.ConfigurationException;
import dev.minibatch.model.ConsumerHandle;
import dev.minibatch.model.ConsumerStats;
import dev.minibatch.model.StateFunctionException;
import dev.minibatch.model.StoreException;
import dev.minibatch.model.Window;
import dev.minibatch.observe.WindowEvent;
import dev.minibatch.spi.connector.Sink;
import dev.minibatch.spi.emitter.WindowEmitter;
import dev.minibatch.spi.emitter.WindowQuery;
import dev.minibatch.spi.store.Claim;
import dev.minibatch.spi.store.Selection;
import dev.minibatch.spi.store.StoreCapabilities;
import dev.minibatch.spi.store.StreamStore;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
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
 * {@link PollPacer} (when to poll), {@link Heartbeats} and {@link Observers}; the emitter reaches
 * them through {@link ConsumerContext}.
 */
public final class ConsumerLoop implements ConsumerHandle {

    private static final Logger LOG = LoggerFactory.getLogger(ConsumerLoop.class);
    private static final Duration MAX_STORE_BACKOFF = Duration.ofSeconds(10);
    private static final AtomicLong CONSUMER_NUMBERS = new AtomicLong();

    private record Completion(Window window, Throwable error, long processingNanos) {
    }

    /** Not a window: wakes the loop (a stop request, an append notice). */
    private static final Completion WAKE = new Completion(null, null, 0);

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
    private final LinkedBlockingQueue<Completion> completions = new LinkedBlockingQueue<>();
    private final CountDownLatch terminated = new CountDownLatch(1);
    private final AtomicBoolean wakeQueued = new AtomicBoolean();
    /** With deferred claims: the next window, claimed while the one in flight is computed; dispatched when it is done. */
    private Window ahead;
    private volatile boolean stopRequested;
    private volatile Thread loopThread;
    private volatile Throwable failure;
    private ExecutorService executor;
    private boolean ownsExecutor;
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
            Optional<Window> window = nextWindow();
            if (window.isPresent()) {
                Window w = window.get();
                leases.add(w, claims.claimedCount(w), claims.dispatched(w));
                ScheduledFuture<?> renewal = leases.schedule(registry.scheduler());
                try {
                    long began = System.nanoTime();
                    Throwable error = process(w);
                    complete(new Completion(w, error, System.nanoTime() - began));
                } finally {
                    renewal.cancel(false);
                }
            }
        } finally {
            commits.flush();
            commits.failHeldCommits(context);
            claims.releaseUndispatched();
            closeOwned();
            terminated.countDown();
        }
        return stats();
    }

    private void loopAndFinish() {
        if (settings.executor() != null) {
            executor = settings.executor();
        } else {
            executor = Executors.newFixedThreadPool(settings.workers(), new DaemonThreads("minibatch-worker-" + settings.stream()));
            ownsExecutor = true;
        }
        ScheduledFuture<?> renewal = leases.schedule(registry.scheduler());
        pacer.subscribe(capabilities.wakeups(), () -> {
            if (wakeQueued.compareAndSet(false, true)) {
                completions.add(WAKE); // wakes the loop, like a stop request
            }
        });
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
            closeOwned();
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
                wakeQueued.set(false); // a notice from now on wakes the next round
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
                    commits.flush(); // idle: nothing to commit together with
                    commits.failHeldCommits(context);
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
        Optional<Window> window = ahead != null ? Optional.of(takeAhead()) : nextWindow();
        if (window.isEmpty()) {
            return false;
        }
        dispatch(window.get());
        if (claims.deferred()) {
            // read the next window while this one is computed: a deferred claim writes
            // nothing and is checked at its commit, which comes after this one's
            ahead = nextWindow().orElse(null);
        }
        return true;
    }

    /** Returns true when a completion or a wake-up arrived before the timeout. */
    private boolean waitForCompletion(Duration timeout) throws InterruptedException {
        long millis = Math.max(0, timeout.toMillis());
        Completion c = millis == 0 ? completions.poll() : completions.poll(millis, TimeUnit.MILLISECONDS);
        if (c != null && c.window() != null) {
            complete(c);
        }
        return c != null;
    }

    private Optional<Window> nextWindow() {
        WindowEmitter emitter = settings.emitter();
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

    private Window takeAhead() {
        Window next = ahead;
        ahead = null;
        return next;
    }

    private void dispatch(Window window) {
        LeaseKeeper.InFlight entry = leases.add(window, claims.claimedCount(window), claims.dispatched(window));
        try {
            entry.future = executor.submit(() -> {
                long began = System.nanoTime();
                Throwable error = process(window);
                completions.add(new Completion(window, error, System.nanoTime() - began));
            });
        } catch (RejectedExecutionException e) {
            leases.remove(window.id());
            claims.release(window.id());
            throw new ConfigurationException("the executor of the consumer of '" + settings.stream()
                    + "' rejected a window: " + e.getMessage(), e);
        }
    }

    /** Runs the function and the sink; returns the error, or null on success. */
    private Throwable process(Window window) {
        try {
            Object result = settings.function() == null ? null : settings.function().apply(window);
            Sink sink = settings.sink();
            if (sink != null) {
                sink.put(result == null ? window.data() : result, window);
                sink.flush();
            }
            return null;
        } catch (Throwable e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            return e;
        }
    }

    /** Returns true when anything (a completion or a wake-up) was waiting. */
    private boolean drainCompletions() {
        boolean any = false;
        Completion c;
        while ((c = completions.poll()) != null) {
            any = true;
            if (c.window() != null) {
                complete(c);
            }
        }
        return any;
    }

    /** A worker finished a window: committed or undone through the emitter, and told to listeners. */
    private void complete(Completion c) {
        if (leases.remove(c.window().id()) == null) {
            return; // already released at stop
        }
        if (c.error() != null) {
            failures.windowFailed(context, c.window(), c.error(), observers.isEmpty() ? null : event(c));
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
                failures.windowFailed(context, c.window(), e, observers.isEmpty() ? null : event(c));
            } catch (RuntimeException e) {
                // the claim stays leased and lapses; its messages come back after the lease
                LOG.error("consumer of stream '{}': finishing window {} failed; its messages return after the lease",
                        settings.stream(), c.window().id(), e);
            }
        }
        commits.failHeldCommits(context); // a flush during this commit may have found state functions that threw
    }

    private WindowEvent event(Completion c) {
        return new WindowEvent(settings.stream(), observers.emitter(), consumerId, c.window(),
                Duration.ofNanos(c.processingNanos()));
    }

    private void drainOnStop() throws InterruptedException {
        long deadline = System.nanoTime() + settings.stopTimeout().toNanos();
        boolean interrupted = Thread.interrupted();
        while (!leases.isEmpty()) {
            long left = deadline - System.nanoTime();
            if (left <= 0 || interrupted) {
                break;
            }
            Completion c = completions.poll(TimeUnit.NANOSECONDS.toMillis(left) + 1, TimeUnit.MILLISECONDS);
            if (c != null && c.window() != null) {
                complete(c);
            }
        }
        commits.flush();
        commits.failHeldCommits(context);
        for (LeaseKeeper.InFlight entry : leases.takeAll()) {
            if (entry.future != null) {
                entry.future.cancel(true);
            }
            try {
                claims.release(entry.window.id());
            } catch (StoreException e) {
                LOG.warn("consumer of stream '{}': could not release window {} at stop; it returns after its lease",
                        settings.stream(), entry.window.id());
            }
            LOG.info("consumer of stream '{}': window {} did not finish within the stop timeout; released",
                    settings.stream(), entry.window.id());
        }
        claims.releaseUndispatched();
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void closeOwned() {
        if (ownsExecutor && executor != null) {
            executor.shutdownNow();
        }
        if (settings.ownsSink() && settings.sink() != null) {
            try {
                settings.sink().close();
            } catch (Exception e) {
                LOG.warn("closing the sink of the consumer of '{}' failed", settings.stream(), e);
            }
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
        completions.add(WAKE); // wakes the loop
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
