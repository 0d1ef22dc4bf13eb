package dev.minibatch.runtime;

import dev.minibatch.spi.store.AppendWakeups;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * When an idle consumer looks at the store again. Without append notices every round polls at the
 * emitter's delay. On a store that pushes them ({@link AppendWakeups}) an idle consumer skips its
 * polls until the emitter's delay is up (at most {@link #MAX_POLL_HOLD}), a notice or a completion
 * wakes it, or a window it released for a retry is due; while notices are prompt its idle poll
 * interval is at least {@link #PUSHED_POLL_INTERVAL}.
 *
 * <p>Used by the consumer's loop thread; the notice callback runs on a store thread and only calls
 * the wake-up it was given.
 */
final class PollPacer {

    private static final Logger LOG = LoggerFactory.getLogger(PollPacer.class);
    /** Longest an idle consumer with pushed append notices goes without polling (lease expiries, retries). */
    static final Duration MAX_POLL_HOLD = Duration.ofSeconds(60);
    /** The idle poll interval while prompt append notices are pushed (see {@link #pollInterval}). */
    static final Duration PUSHED_POLL_INTERVAL = Duration.ofSeconds(1);

    private final ConsumerSettings settings;
    /** Append notices from stores that push them; null elsewhere. */
    private AppendWakeups.Subscription subscription;
    /** While pushes are active, an idle consumer skips polls until {@code heldUntil} (nanoTime). */
    private boolean held;
    private long heldUntil;
    /** When a window this consumer released for a retry is due (nanoTime): a poll hold ends by then. */
    private boolean retryPending;
    private long retryDue;

    PollPacer(ConsumerSettings settings) {
        this.settings = settings;
    }

    /** Subscribes to the store's append notices, if it has them; {@code wake} wakes the loop. */
    void subscribe(AppendWakeups wakeups, Runnable wake) {
        if (wakeups == null) {
            return;
        }
        try {
            subscription = wakeups.subscribeAppends(settings.stream(), wake);
        } catch (RuntimeException e) {
            LOG.debug("consumer of stream '{}': no append notices, polling only: {}", settings.stream(), e.getMessage());
        }
    }

    /** Whether this round may poll the store (no hold, or the hold is over). */
    boolean mayPoll() {
        return !held || System.nanoTime() - heldUntil >= 0;
    }

    /** Something happened (a completion, a notice): the next round polls. */
    void wake() {
        held = false;
    }

    /** A window was released for a retry, due after {@code wait}: a poll hold ends by then. */
    void retryIn(Duration wait) {
        long due = System.nanoTime() + wait.toNanos();
        retryDue = retryPending && retryDue - due < 0 ? retryDue : due;
        retryPending = true;
    }

    /**
     * How long an idle round waits, given the emitter's {@code delay} and whether this round
     * polled: the delay itself without active pushes, else what is left of the poll hold.
     */
    Duration idleWait(Duration delay, boolean polled) {
        if (subscription == null || !subscription.active()) {
            held = false;
            return delay;
        }
        long now = System.nanoTime();
        if (polled) {
            held = true;
            heldUntil = now + ConsumerLoop.min(delay, MAX_POLL_HOLD).toNanos();
            if (retryPending && retryDue - now <= 0) {
                retryPending = false; // this poll came after the retry was due
            } else if (retryPending && retryDue - heldUntil < 0) {
                heldUntil = retryDue;
            }
        }
        return held ? Duration.ofNanos(Math.max(0, heldUntil - now)) : delay;
    }

    /**
     * The configured interval, or while the store pushes prompt append notices the longer of it and
     * {@link #PUSHED_POLL_INTERVAL}: an append then wakes the consumer at once, so an idle poll only
     * looks for what no notice announces (messages released or recovered by other consumers).
     */
    Duration pollInterval() {
        Duration configured = settings.pollInterval();
        return subscription != null && subscription.prompt() && configured.compareTo(PUSHED_POLL_INTERVAL) < 0
                ? PUSHED_POLL_INTERVAL : configured;
    }

    void close() {
        if (subscription != null) {
            subscription.close();
        }
    }
}
