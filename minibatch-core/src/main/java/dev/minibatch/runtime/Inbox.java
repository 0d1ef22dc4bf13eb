package dev.minibatch.runtime;

import dev.minibatch.model.Window;
import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What wakes the consumer's loop: windows that workers finished, stop requests and append
 * notices, in one queue the loop waits on. Any thread may add; only the loop thread takes.
 */
final class Inbox {

    /** A finished window; {@code window} null for a wake-up. */
    record Completion(Window window, Throwable error, long processingNanos) {
    }

    private static final Completion WAKE = new Completion(null, null, 0);

    private final LinkedBlockingQueue<Completion> queue = new LinkedBlockingQueue<>();
    /** At most one append notice waits in the queue. */
    private final AtomicBoolean noticeQueued = new AtomicBoolean();

    void finished(Window window, Throwable error, long processingNanos) {
        queue.add(new Completion(window, error, processingNanos));
    }

    /** Wakes the loop (a stop request). */
    void wake() {
        queue.add(WAKE);
    }

    /** An append notice: wakes the loop unless a notice already waits. Runs on a store thread. */
    void appendNotice() {
        if (noticeQueued.compareAndSet(false, true)) {
            queue.add(WAKE);
        }
    }

    /** The loop is about to poll: a notice from now on wakes the next round. */
    void polling() {
        noticeQueued.set(false);
    }

    /** The next completion or wake-up, waiting at most {@code timeout}; null if none came. */
    Completion take(Duration timeout) throws InterruptedException {
        long millis = Math.max(0, timeout.toMillis());
        return millis == 0 ? queue.poll() : queue.poll(millis, TimeUnit.MILLISECONDS);
    }

    /** The next completion or wake-up if one waits; null otherwise. */
    Completion poll() {
        return queue.poll();
    }
}
