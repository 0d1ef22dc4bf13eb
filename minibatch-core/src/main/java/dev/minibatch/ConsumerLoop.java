package dev.minibatch;

import dev.minibatch.internal.DaemonThreads;
import dev.minibatch.observe.WindowEvent;
import dev.minibatch.spi.AppendWakeups;
import dev.minibatch.spi.BatchClaims;
import dev.minibatch.spi.TableStore;
import dev.minibatch.spi.Claim;
import dev.minibatch.spi.DeferredClaims;
import dev.minibatch.spi.CommitEffects;
import dev.minibatch.table.StateFunctionException;
import dev.minibatch.spi.EmitterContext;
import dev.minibatch.spi.Lease;
import dev.minibatch.spi.NewMessage;
import dev.minibatch.spi.TransactionalAppend;
import dev.minibatch.spi.Selection;
import dev.minibatch.spi.Sink;
import dev.minibatch.spi.StreamActivity;
import dev.minibatch.spi.StreamStore;
import dev.minibatch.spi.WindowEmitter;
import dev.minibatch.spi.WindowQuery;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The consumer runtime. One loop thread asks the emitter for windows, claims them, hands them to
 * workers, and commits or undoes them when workers report back; so emitters and store bookkeeping
 * stay single-threaded, and with one worker windows are processed and committed in order. Leases
 * are renewed by a separate scheduled task, so a slow store call on the loop thread (a claim on a
 * loaded server) never lets the leases of running windows lapse.
 */
final class ConsumerLoop implements EmitterContext, ConsumerHandle {

    private static final Logger LOG = LoggerFactory.getLogger(ConsumerLoop.class);
    private static final Duration MAX_STORE_BACKOFF = Duration.ofSeconds(10);
    private static final Duration HEARTBEAT_EVERY = Duration.ofSeconds(1);
    /** Longest an idle consumer with pushed append notices goes without polling (lease expiries, retries). */
    private static final Duration MAX_POLL_HOLD = Duration.ofSeconds(60);
    /** The idle poll interval while prompt append notices are pushed (see {@link #pollInterval()}). */
    static final Duration PUSHED_POLL_INTERVAL = Duration.ofSeconds(1);
    private static final AtomicLong CONSUMER_NUMBERS = new AtomicLong();

    record Settings(String stream, WindowEmitter emitter, WindowFunction<?> function, Sink sink, boolean ownsSink,
                    boolean keep, int workers, ExecutorService executor, int maxAttempts, Duration lease,
                    Duration backoff, Duration maxBackoff, boolean emitEmpty, Duration pollInterval,
                    Duration stopTimeout, Clock clock, String deadLetterStream) {
    }

    private record Completion(Window window, Throwable error, long processingNanos) {
    }

    /** Not a window: wakes the loop (a stop request, an append notice). */
    private static final Completion WAKE = new Completion(null, null, 0);

    private static final class InFlight {
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

    private final Minibatch minibatch;
    private final Settings settings;
    private final Observers observers;
    private final StreamStore store;
    private final String consumerId;
    private final LinkedBlockingQueue<Completion> completions = new LinkedBlockingQueue<>();
    /** Written by the loop thread, read by the renewal task. */
    private final Map<String, InFlight> inFlight = new ConcurrentHashMap<>();
    private final CountDownLatch terminated = new CountDownLatch(1);
    private final AtomicLong windows = new AtomicLong();
    private final AtomicLong messages = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private final AtomicLong deadLettered = new AtomicLong();
    private final AtomicLong leasesLost = new AtomicLong();
    /** Claim sizes by window id, for windows built by {@link #window}: a window may hold more than it claimed. */
    private final Map<String, Integer> claimSizes = new ConcurrentHashMap<>();
    /** Lease expiries by claim token, from {@link #claim} to the window's dispatch. */
    private final Map<String, Instant> claimExpiries = new ConcurrentHashMap<>();
    /** Windows claimed together (keyed consumers on a BatchClaims store) are committed together. */
    private final BatchedCommits batchedCommits;
    private final boolean deferClaims;
    /** With deferred claims: the next window, claimed while the one in flight is computed; dispatched when it is done. */
    private Window ahead;
    /** Committed-window events of held commits, told once their batch is in the store. Loop thread only. */
    private final Map<String, WindowEvent> heldEvents = new HashMap<>();
    /** Held windows whose state function threw at a flush, failed at the next safe point. Loop thread only. */
    private final List<FailedCommit> stateFailures = new ArrayList<>();
    private volatile boolean stopRequested;
    private volatile Thread loopThread;
    private volatile Throwable failure;
    private volatile int inFlightCount;
    private ExecutorService executor;
    private boolean ownsExecutor;
    private Duration storeBackoff = Duration.ZERO;
    private final Instant started;
    private Instant lastHeartbeat;
    /** Append notices from stores that push them ({@link AppendWakeups}); null elsewhere. */
    private AppendWakeups.Subscription appendWakeups;
    private final AtomicBoolean wakeQueued = new AtomicBoolean();
    /** While pushes are active, an idle consumer skips polls until {@code pollHeldUntil} (nanoTime). */
    private boolean pollHeld;
    private long pollHeldUntil;
    /** When a window this consumer released for a retry is due (nanoTime): a poll hold ends by then. */
    private boolean retryPending;
    private long retryDue;

    ConsumerLoop(Minibatch minibatch, Settings settings, Observers observers) {
        this.minibatch = minibatch;
        this.settings = settings;
        this.observers = observers;
        this.store = minibatch.store();
        this.consumerId = minibatch.ownerId() + ":" + settings.stream() + ":" + CONSUMER_NUMBERS.incrementAndGet();
        this.batchedCommits = new BatchedCommits(settings.lease());
        // windows whose effects are all in their commit may claim without writing (DeferredClaims);
        // with one worker the next claim comes only after the last commit
        this.deferClaims = store instanceof DeferredClaims && settings.emitter().effectsInCommit()
                && settings.sink() == null && settings.workers() == 1;
        this.started = now();
        store.openStream(settings.stream(), Duration.ofSeconds(10), now());
    }

    // ---- running ------------------------------------------------------------------------------

    void startThread() {
        minibatch.register(this);
        Thread thread = new Thread(this::loopAndFinish, "minibatch-consumer-" + settings.stream());
        thread.setDaemon(true);
        loopThread = thread;
        thread.start();
    }

    ConsumerStats runBlocking() {
        minibatch.register(this);
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
    ConsumerStats runOnce() {
        try {
            Optional<Window> window = nextWindow();
            if (window.isPresent()) {
                Window w = window.get();
                inFlight.put(w.id(), new InFlight(w, claimedCount(w), leaseExpiry(w)));
                ScheduledFuture<?> renewal = scheduleRenewal();
                try {
                    long began = System.nanoTime();
                    Throwable error = process(w);
                    complete(new Completion(w, error, System.nanoTime() - began));
                } finally {
                    renewal.cancel(false);
                }
            }
        } finally {
            flushCommits();
            failHeldCommits();
            releaseUndispatched();
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
        ScheduledFuture<?> renewal = scheduleRenewal();
        subscribeAppends();
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
            if (appendWakeups != null) {
                appendWakeups.close();
            }
            closeOwned();
            heartbeat(true);
            minibatch.unregister(this);
            terminated.countDown();
        }
    }

    private void loop() throws InterruptedException {
        while (!stopRequested && !minibatch.isClosed()) {
            if (Thread.currentThread().isInterrupted()) {
                throw new InterruptedException();
            }
            if (drainCompletions()) {
                pollHeld = false;
            }
            if (batchedCommits.due()) {
                flushCommits();
            }
            failHeldCommits();
            heartbeat(false);
            boolean emitted = false;
            boolean polled = false;
            if (inFlight.size() < settings.workers() && (!pollHeld || System.nanoTime() - pollHeldUntil >= 0)) {
                polled = true;
                wakeQueued.set(false); // a notice from now on wakes the next round
                try {
                    Optional<Window> window = ahead != null ? Optional.of(takeAhead()) : nextWindow();
                    if (window.isPresent()) {
                        dispatch(window.get());
                        emitted = true;
                        if (deferClaims) {
                            // read the next window while this one is computed: a deferred claim writes
                            // nothing and is checked at its commit, which comes after this one's
                            ahead = nextWindow().orElse(null);
                        }
                    }
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
                Duration delay = inFlight.size() < settings.workers() ? holdPolls(settings.emitter().pollDelay(this), polled)
                        : HEARTBEAT_EVERY;
                if (inFlight.size() < settings.workers()) {
                    flushCommits(); // idle: nothing to commit together with
                    failHeldCommits();
                } else {
                    delay = min(delay, batchedCommits.untilDue());
                }
                if (waitForCompletion(min(delay, HEARTBEAT_EVERY))) {
                    pollHeld = false; // a completion or an append notice: look again now
                }
            }
        }
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

    /**
     * Stores that push append notices spare an idle consumer its polls: it polls again when the
     * emitter's delay is up (at most {@link #MAX_POLL_HOLD}) or a notice or completion wakes it.
     * Without active pushes every round polls, as before. Returns how long to wait now.
     */
    private Duration holdPolls(Duration delay, boolean polled) {
        if (appendWakeups == null || !appendWakeups.active()) {
            pollHeld = false;
            return delay;
        }
        long now = System.nanoTime();
        if (polled) {
            pollHeld = true;
            pollHeldUntil = now + min(delay, MAX_POLL_HOLD).toNanos();
            if (retryPending && retryDue - now <= 0) {
                retryPending = false; // this poll came after the retry was due
            } else if (retryPending && retryDue - pollHeldUntil < 0) {
                pollHeldUntil = retryDue;
            }
        }
        return pollHeld ? Duration.ofNanos(Math.max(0, pollHeldUntil - now)) : delay;
    }

    private void subscribeAppends() {
        if (!(store instanceof AppendWakeups wakeups)) {
            return;
        }
        try {
            appendWakeups = wakeups.subscribeAppends(settings.stream(), () -> {
                if (wakeQueued.compareAndSet(false, true)) {
                    completions.add(WAKE); // wakes the loop, like a stop request
                }
            });
        } catch (RuntimeException e) {
            LOG.debug("consumer of stream '{}': no append notices, polling only: {}", settings.stream(), e.getMessage());
        }
    }

    private Optional<Window> nextWindow() {
        WindowEmitter emitter = settings.emitter();
        Optional<WindowQuery> query = emitter.windowReady(this);
        if (query.isEmpty()) {
            return Optional.empty();
        }
        Selection selection = emitter.query(this, query.get());
        Claim claim = emitter.process(this, query.get(), selection);
        Optional<Window> window;
        try {
            window = emitter.emit(this, query.get(), claim);
        } catch (RuntimeException e) {
            claimExpiries.remove(claim.token());
            batchedCommits.forget(claim.token());
            store.release(settings.stream(), claim.token(), now(), null);
            throw e;
        }
        if (window.isEmpty()) {
            claimExpiries.remove(claim.token());
            batchedCommits.forget(claim.token());
            if (!claim.isEmpty()) {
                store.release(settings.stream(), claim.token(), now(), null);
            }
            return Optional.empty();
        }
        Window w = window.get();
        if (w.attempt() > settings.maxAttempts()) {
            // messages whose leases lapsed maxAttempts times (e.g. they crash the consumer): stop here
            claimSizes.remove(w.id());
            claimExpiries.remove(w.id());
            batchedCommits.forget(w.id());
            String reason = "gave up after " + (w.attempt() - 1) + " attempts; last: " + lastError(w);
            int moved = store.deadLetter(settings.stream(), w.id(), settings.deadLetterStream(), reason);
            deadLettered.addAndGet(moved);
            observers.deadLettered(moved, reason);
            return Optional.empty();
        }
        return window;
    }

    private Window takeAhead() {
        Window next = ahead;
        ahead = null;
        return next;
    }

    private static String lastError(Window w) {
        for (int i = w.messages().size() - 1; i >= 0; i--) {
            if (w.messages().get(i).error() != null) {
                return w.messages().get(i).error();
            }
        }
        return "(unknown)";
    }

    private void dispatch(Window window) {
        InFlight entry = new InFlight(window, claimedCount(window), leaseExpiry(window));
        inFlight.put(window.id(), entry);
        inFlightCount = inFlight.size();
        try {
            entry.future = executor.submit(() -> {
                long began = System.nanoTime();
                Throwable error = process(window);
                completions.add(new Completion(window, error, System.nanoTime() - began));
            });
        } catch (RejectedExecutionException e) {
            inFlight.remove(window.id());
            inFlightCount = inFlight.size();
            store.release(settings.stream(), window.id(), now(), null);
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

    private void complete(Completion c) {
        InFlight entry = inFlight.remove(c.window().id());
        inFlightCount = inFlight.size();
        if (entry == null) {
            return; // already released at stop
        }
        WindowEmitter emitter = settings.emitter();
        try {
            if (c.error() == null) {
                emitter.commit(this, c.window());
                if (!observers.isEmpty()) {
                    if (batchedCommits.holds(c.window().id())) {
                        heldEvents.put(c.window().id(), event(c)); // told when the batch is in the store
                    } else {
                        observers.committed(event(c));
                    }
                }
            } else {
                failures.incrementAndGet();
                emitter.undo(this, c.window(), c.error());
                if (!observers.isEmpty()) {
                    observers.failed(event(c), c.error());
                }
            }
        } catch (StateFunctionException e) {
            // a table's state function failed inside the commit, which changed nothing: the window failed
            failures.incrementAndGet();
            try {
                emitter.undo(this, c.window(), e);
            } catch (RuntimeException undoFailed) {
                LOG.error("consumer of stream '{}': releasing window {} failed; its messages return after the lease",
                        settings.stream(), c.window().id(), undoFailed);
            }
            if (!observers.isEmpty()) {
                observers.failed(event(c), e);
            }
        } catch (RuntimeException e) {
            // the claim stays leased and lapses; its messages come back after the lease
            LOG.error("consumer of stream '{}': finishing window {} failed; its messages return after the lease",
                    settings.stream(), c.window().id(), e);
        }
        failHeldCommits(); // a flush during this commit may have found state functions that threw
    }

    private WindowEvent event(Completion c) {
        return new WindowEvent(settings.stream(), observers.emitter(), consumerId, c.window(),
                Duration.ofNanos(c.processingNanos()));
    }

    /** Reports this consumer's counts to stores that keep heartbeats, about once a second. */
    private void heartbeat(boolean stopped) {
        if (!(store instanceof StreamActivity activity)) {
            return;
        }
        Instant now = now();
        if (!stopped && lastHeartbeat != null && now.isBefore(lastHeartbeat.plus(HEARTBEAT_EVERY))) {
            return;
        }
        lastHeartbeat = now;
        try {
            activity.heartbeat(new ConsumerStatus(settings.stream(), consumerId, settings.emitter().toString(), started,
                    now, stats(), stopped));
        } catch (RuntimeException e) {
            LOG.debug("consumer of stream '{}': heartbeat failed: {}", settings.stream(), e.getMessage());
        }
    }

    private ScheduledFuture<?> scheduleRenewal() {
        long every = Math.max(10, settings.lease().toMillis() / 3);
        return minibatch.scheduler().scheduleWithFixedDelay(this::renewLeases, every, every, TimeUnit.MILLISECONDS);
    }

    /** Runs on the scheduler: extends the lease of every running window due for renewal. */
    private void renewLeases() {
        if (inFlight.isEmpty()) {
            return;
        }
        Instant now = now();
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
                    leasesLost.incrementAndGet();
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

    private void drainOnStop() throws InterruptedException {
        long deadline = System.nanoTime() + settings.stopTimeout().toNanos();
        boolean interrupted = Thread.interrupted();
        while (!inFlight.isEmpty()) {
            long left = deadline - System.nanoTime();
            if (left <= 0 || interrupted) {
                break;
            }
            Completion c = completions.poll(TimeUnit.NANOSECONDS.toMillis(left) + 1, TimeUnit.MILLISECONDS);
            if (c != null && c.window() != null) {
                complete(c);
            }
        }
        flushCommits();
        failHeldCommits();
        for (InFlight entry : new ArrayList<>(inFlight.values())) {
            claimSizes.remove(entry.window.id());
            batchedCommits.forget(entry.window.id());
            if (entry.future != null) {
                entry.future.cancel(true);
            }
            try {
                store.release(settings.stream(), entry.window.id(), now(), null);
            } catch (StoreException e) {
                LOG.warn("consumer of stream '{}': could not release window {} at stop; it returns after its lease",
                        settings.stream(), entry.window.id());
            }
            LOG.info("consumer of stream '{}': window {} did not finish within the stop timeout; released",
                    settings.stream(), entry.window.id());
        }
        inFlight.clear();
        inFlightCount = 0;
        releaseUndispatched();
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
        return new ConsumerStats(windows.get(), messages.get(), failures.get(), deadLettered.get(), leasesLost.get(),
                inFlightCount);
    }

    @Override
    public Throwable failure() {
        return failure;
    }

    // ---- EmitterContext ------------------------------------------------------------------------

    @Override
    public Clock clock() {
        return settings.clock();
    }

    @Override
    public boolean emitEmpty() {
        return settings.emitEmpty();
    }

    /**
     * The configured interval, or while the store pushes prompt append notices the longer of it and
     * {@link #PUSHED_POLL_INTERVAL}: an append then wakes the consumer at once, so an idle poll only
     * looks for what no notice announces (messages released or recovered by other consumers).
     */
    @Override
    public Duration pollInterval() {
        Duration configured = settings.pollInterval();
        return appendWakeups != null && appendWakeups.prompt() && configured.compareTo(PUSHED_POLL_INTERVAL) < 0
                ? PUSHED_POLL_INTERVAL : configured;
    }

    @Override
    public Optional<Instant> lastRead() {
        return store.findStream(settings.stream()).map(StreamInfo::lastRead);
    }

    @Override
    public boolean compareAndSetLastRead(Instant expected, Instant next) {
        return store.compareAndSetLastRead(settings.stream(), expected, next);
    }

    @Override
    public List<Message> peek(Selection selection) {
        return store.read(settings.stream(), selection, null);
    }

    @Override
    public Claim claim(Selection selection) {
        Instant now = now();
        Lease lease = newLease(now);
        Claim claim = deferClaims ? ((DeferredClaims) store).claimDeferred(settings.stream(), selection, lease)
                : store.claim(settings.stream(), selection, lease);
        track(claim, now);
        return claim;
    }

    @Override
    public List<Claim> claimEach(List<Selection> selections) {
        if (!(store instanceof BatchClaims batch) || selections.size() < 2) {
            return EmitterContext.super.claimEach(selections);
        }
        Instant now = now();
        List<Lease> leases = new ArrayList<>(selections.size());
        for (int i = 0; i < selections.size(); i++) {
            leases.add(newLease(now));
        }
        List<Claim> claims = batch.claimEach(settings.stream(), selections, leases);
        for (Claim claim : claims) {
            track(claim, now);
            if (!claim.isEmpty()) {
                batchedCommits.claimed(claim.token());
            }
        }
        return claims;
    }

    private Lease newLease(Instant now) {
        return new Lease(UUID.randomUUID().toString(), consumerId, now, now.plus(settings.lease()));
    }

    /** Records a claim's real lease expiry until its window is dispatched (or released at stop). */
    private void track(Claim claim, Instant claimedAt) {
        if (claim.isEmpty()) {
            return; // nothing held: nothing to dispatch, renew or release
        }
        Instant expiry = claim.lease().expiresAt();
        Instant after = now();
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

    /**
     * Releases claims the emitter took but never emitted (a keyed consumer claims several keys'
     * windows at once), so at stop they go back at once instead of after their lease.
     */
    @Override
    public void claimReleased(String token) {
        claimExpiries.remove(token);
        batchedCommits.forget(token);
    }

        private void releaseUndispatched() {
        for (String token : new ArrayList<>(claimExpiries.keySet())) {
            claimExpiries.remove(token);
            batchedCommits.forget(token);
            try {
                store.release(settings.stream(), token, now(), null);
            } catch (RuntimeException e) {
                LOG.warn("consumer of stream '{}': could not release claim {} at stop; it returns after its lease",
                        settings.stream(), token);
            }
        }
    }

    /** When the claim behind a window lapses unless renewed (its real expiry, not a guess). */
    private Instant leaseExpiry(Window window) {
        Instant expiry = claimExpiries.remove(window.id());
        return expiry != null ? expiry : now().plus(settings.lease());
    }

    @Override
    public Window window(WindowQuery query, Claim claim, List<Message> windowMessages) {
        claimSizes.put(claim.token(), claim.messages().size());
        return new Window(claim.token(), settings.stream(), now(), windowMessages, query.from(), query.to());
    }

    /** How many of the window's messages are claimed (all of them, unless the emitter added peeked ones). */
    private int claimedCount(Window window) {
        Integer claimed = claimSizes.get(window.id());
        return claimed != null ? claimed : window.size();
    }

    @Override
    public void commit(Window window) {
        commitAndAppend(window, Map.of());
    }

    @Override
    public void commitAndAppend(Window window, Map<String, List<NewMessage>> appends) {
        commit(window, appends, null);
    }

    @Override
    public void settleCommits() {
        if (store instanceof dev.minibatch.spi.TableStore tables) {
            tables.recoverTables(settings.stream(), now());
        }
    }

    @Override
    public void commit(Window window, CommitEffects effects) {
        commit(window, effects.appends(), effects.updates().isEmpty() ? null : effects);
    }

    private void commit(Window window, Map<String, List<NewMessage>> appends, CommitEffects state) {
        int claimed = claimedCount(window);
        claimSizes.remove(window.id());
        // plain commits and commits with table state are held for a batch (a store that batches both commits each
        // window all or nothing); stage appends go with their own commit
        if (appends.isEmpty() && store instanceof BatchClaims && (state == null || store instanceof TableStore)
                && batchedCommits.hold(window, claimed, state)) {
            if (batchedCommits.due()) {
                flushCommits();
            }
            return;
        }
        batchedCommits.forget(window.id()); // committed on its own below: no longer a candidate for a batch
        flushCommits(); // commits stay in order
        int committed;
        if (state != null) {
            // a state function that throws here fails the window (see complete), nothing changed
            committed = minibatch.tableStore().commitWithState(settings.stream(), window.id(), settings.keep(), claimed, state);
        } else if (appends.isEmpty()) {
            committed = store.commit(settings.stream(), window.id(), settings.keep());
        } else if (store instanceof TransactionalAppend tx) {
            committed = tx.commitAndAppend(settings.stream(), window.id(), settings.keep(), claimed, appends);
        } else {
            appends.forEach(store::append); // at least once: a crash here appends them again on retry
            committed = store.commit(settings.stream(), window.id(), settings.keep());
        }
        afterCommit(window, claimed, committed, appends);
    }

    /** Commits the held windows in one store step ({@link BatchedCommits}). */
    private void flushCommits() {
        if (batchedCommits.isEmpty()) {
            return;
        }
        List<BatchedCommits.Held> held = batchedCommits.take();
        List<String> tokens = new ArrayList<>(held.size());
        held.forEach(h -> tokens.add(h.window().id()));
        int[] committed;
        try {
            if (held.stream().allMatch(h -> h.state() == null)) {
                committed = ((BatchClaims) store).commitEach(settings.stream(), tokens, settings.keep());
            } else {
                committed = commitHeldWithState(held);
            }
        } catch (RuntimeException e) {
            tokens.forEach(heldEvents::remove); // never committed: listeners hear nothing, as for any failed commit
            LOG.error("consumer of stream '{}': committing {} windows failed; their messages return after the lease",
                    settings.stream(), held.size(), e);
            return;
        }
        for (int i = 0; i < held.size(); i++) {
            if (committed[i] < 0) {
                continue; // its state function threw: failed by failHeldCommits
            }
            afterCommit(held.get(i).window(), held.get(i).claimed(), committed[i], Map.of());
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
        List<BatchClaims.StatefulCommit> commits = new ArrayList<>(held.size());
        held.forEach(h -> commits.add(new BatchClaims.StatefulCommit(h.window().id(), h.claimed(), h.state())));
        List<BatchClaims.CommitOutcome> outcomes = ((BatchClaims) store).commitEachWithState(settings.stream(), commits,
                settings.keep());
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

    private record FailedCommit(Window window, RuntimeException error, WindowEvent event) {
    }

    /**
     * Fails the held windows whose state function threw at the last flush: released or
     * dead-lettered through the emitter, as a failed window is. Runs where no emitter call is under
     * way (a flush can happen inside another window's commit).
     */
    private void failHeldCommits() {
        while (!stateFailures.isEmpty()) {
            FailedCommit f = stateFailures.remove(0);
            failures.incrementAndGet();
            try {
                settings.emitter().undo(this, f.window(), f.error());
            } catch (RuntimeException undoFailed) {
                LOG.error("consumer of stream '{}': releasing window {} failed; its messages return after the lease",
                        settings.stream(), f.window().id(), undoFailed);
            }
            if (f.event() != null && !observers.isEmpty()) {
                observers.failed(f.event(), f.error());
            }
        }
    }

    private void afterCommit(Window window, int claimed, int committed, Map<String, List<NewMessage>> appends) {
        List<NewMessage> rejected = appends.get(settings.deadLetterStream());
        if (committed > 0 && rejected != null && !rejected.isEmpty()) {
            // messages a stage's operator rejected went to the dead-letter stream with this commit
            deadLettered.addAndGet(rejected.size());
            observers.deadLettered(rejected.size(), rejected.get(0).error());
        }
        windows.incrementAndGet();
        messages.addAndGet(window.size());
        if (committed < claimed) {
            leasesLost.incrementAndGet();
            observers.leaseLost(window.id());
            if (deferClaims && committed == 0) {
                LOG.info("consumer of stream '{}': window {} changed nothing: another consumer took its {} messages"
                        + " first (deferred claim); its work was dropped", settings.stream(), window.id(), claimed);
            } else {
                LOG.warn("consumer of stream '{}': window {} committed {} of {} messages; the lease of the rest lapsed"
                        + " and they may be delivered again", settings.stream(), window.id(), committed, claimed);
            }
        }
    }

    @Override
    public void undo(Window window, Throwable error) {
        claimSizes.remove(window.id());
        batchedCommits.forget(window.id());
        flushCommits(); // commits of windows that finished before this one come first
        int attempt = window.attempt();
        String text = "attempt " + attempt + " of " + settings.maxAttempts() + ": " + describe(error);
        if (attempt >= settings.maxAttempts()) {
            int moved = store.deadLetter(settings.stream(), window.id(), settings.deadLetterStream(), text);
            deadLettered.addAndGet(moved);
            observers.deadLettered(moved, text);
            LOG.warn("consumer of stream '{}': window {} failed {} times; {} messages moved to '{}': {}",
                    settings.stream(), window.id(), attempt, moved, settings.deadLetterStream(), describe(error));
        } else {
            Duration wait = backoffFor(attempt);
            store.release(settings.stream(), window.id(), now().plus(wait), text);
            long due = System.nanoTime() + wait.toNanos();
            retryDue = retryPending && retryDue - due < 0 ? retryDue : due;
            retryPending = true;
            LOG.info("consumer of stream '{}': window {} failed (attempt {} of {}), retrying in {} ms: {}",
                    settings.stream(), window.id(), attempt, settings.maxAttempts(), wait.toMillis(), describe(error));
        }
    }

    Duration backoffFor(int attempt) {
        Duration wait = settings.backoff();
        for (int i = 1; i < attempt && wait.compareTo(settings.maxBackoff()) < 0; i++) {
            wait = wait.multipliedBy(2);
        }
        return min(wait, settings.maxBackoff());
    }

    private static String describe(Throwable error) {
        String text = error.getClass().getName() + (error.getMessage() == null ? "" : ": " + error.getMessage());
        return text.length() > 2000 ? text.substring(0, 2000) + "…" : text;
    }

    @Override
    public Instant now() {
        return settings.clock().instant().truncatedTo(ChronoUnit.MILLIS);
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    @Override
    public String toString() {
        return "Consumer[" + settings.stream() + ", " + settings.emitter() + ", workers=" + settings.workers() + "]";
    }
}
