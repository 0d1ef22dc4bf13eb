package dev.minibatch.kafka.store;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

/**
 * A share group's first delivery to this process, which takes a heartbeat or more after a share
 * consumer joins: a one-off call (a requeue, the CLI) would otherwise find nothing in a stream full of
 * records. Thread-safe.
 */
final class FirstDelivery {

    private final CountDownLatch delivered = new CountDownLatch(1);
    private final AtomicBoolean awaited = new AtomicBoolean();

    void arrived() {
        delivered.countDown();
    }

    /**
     * The first time it is asked, and only if no record came yet and {@code pending} says records
     * wait: waits at most {@code max} for the first delivery. Returns whether records came.
     */
    boolean awaitIfPending(BooleanSupplier pending, Duration max) {
        if (delivered.getCount() == 0 || awaited.get() || !pending.getAsBoolean() || !awaited.compareAndSet(false, true)) {
            return false;
        }
        try {
            return delivered.await(max.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
