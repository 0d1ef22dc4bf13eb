package dev.minibatch.mongo;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Waits for a condition in tests, failing with its name after two minutes. */
final class RoundTripsAwait {

    private RoundTripsAwait() {
    }

    static void until(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(5);
        }
    }
}
