package dev.minibatch.emitter;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/** Shared arithmetic of the time windows: stores keep milliseconds, so windows do too. */
final class TimeWindows {
    private TimeWindows() {
    }

    static Duration checkInterval(Duration interval, String emitter) {
        if (interval == null) {
            throw new IllegalArgumentException(emitter + " needs an interval");
        }
        if (interval.toMillis() < 1) {
            throw new IllegalArgumentException(emitter + " interval must be at least 1 ms, was " + interval);
        }
        return Duration.ofMillis(interval.toMillis());
    }

    static Duration checkGrace(Duration grace) {
        if (grace == null || grace.isNegative()) {
            throw new IllegalArgumentException("a time window's grace must be zero or more, was " + grace);
        }
        return Duration.ofMillis(grace.toMillis());
    }

    static Instant millis(Instant instant) {
        return instant.truncatedTo(ChronoUnit.MILLIS);
    }

    static Duration until(Instant now, Instant then, Duration cap) {
        Duration d = Duration.between(now, then);
        if (d.isNegative()) {
            return Duration.ZERO;
        }
        return d.compareTo(cap) > 0 ? cap : d;
    }
}
