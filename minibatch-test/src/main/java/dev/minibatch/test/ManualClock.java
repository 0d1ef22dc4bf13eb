package dev.minibatch.test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A clock that moves only when told: emitter and consumer tests advance time instead of sleeping.
 * Thread-safe.
 */
public final class ManualClock extends Clock {

    private final AtomicReference<Instant> now;

    /**
     * A clock at {@code start} that moves only when told.
     *
     * @param start the first time
     */
    public ManualClock(Instant start) {
        this.now = new AtomicReference<>(start);
    }

    /**
     * A clock at 2025-01-01T10:00:00Z, a round start that keeps test output readable.
     *
     * @return the clock
     */
    public static ManualClock startingAt2025() {
        return new ManualClock(Instant.parse("2025-01-01T10:00:00Z"));
    }

    @Override
    public Instant instant() {
        return now.get();
    }

    /**
     * Moves time forward (or back, with a negative duration) and returns the new time.
     *
     * @param by how far
     * @return the new time
     */
    public Instant advance(Duration by) {
        return now.updateAndGet(t -> t.plus(by));
    }

    /**
     * Shorthand for {@code advance(Duration.ofMillis(millis))}.
     *
     * @param millis how far, in milliseconds
     * @return the new time
     */
    public Instant advanceMillis(long millis) {
        return advance(Duration.ofMillis(millis));
    }

    /**
     * Sets the time.
     *
     * @param instant the new time
     */
    public void set(Instant instant) {
        now.set(instant);
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }

    @Override
    public String toString() {
        return "ManualClock[" + now.get() + "]";
    }
}
