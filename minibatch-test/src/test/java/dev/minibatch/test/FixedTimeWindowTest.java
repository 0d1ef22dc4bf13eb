package dev.minibatch.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.minibatch.model.Window;
import dev.minibatch.emitter.FixedTimeWindow;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class FixedTimeWindowTest {

    private static final Duration TEN = Duration.ofSeconds(10);

    @Test
    void emitsOnlyAfterTheRangeEndsWithHalfOpenBounds() {
        try (EmitterHarness h = EmitterHarness.memory(new FixedTimeWindow(TEN))) {
            Instant start = h.clock().instant();
            h.append("t0");
            h.advance(Duration.ofMillis(9_999)).append("t9.999");
            assertTrue(h.round().isEmpty(), "range [0s, 10s) has not ended");
            h.advance(Duration.ofMillis(1)).append("t10-boundary");
            Window w = h.round().orElseThrow();
            assertEquals(List.of("t0", "t9.999"), w.dataAs(String.class), "a message at exactly 10 s is in the next window");
            assertEquals(start, w.from());
            assertEquals(start.plus(TEN), w.to());
            h.advance(TEN);
            Window next = h.round().orElseThrow();
            assertEquals(List.of("t10-boundary"), next.dataAs(String.class));
            assertEquals(start.plus(TEN), next.from());
        }
    }

    @Test
    void lateMessagesLandInTheNextWindowInsteadOfBeingDropped() {
        try (EmitterHarness h = EmitterHarness.memory(new FixedTimeWindow(TEN))) {
            h.append("on-time");
            h.advance(TEN);
            assertEquals(List.of("on-time"), h.roundValues(String.class));
            // a producer with a lagging clock appends a message stamped inside the closed range
            h.clock().advance(Duration.ofSeconds(-5));
            h.append("late");
            h.clock().advance(Duration.ofSeconds(5));
            h.append("current");
            h.advance(TEN);
            assertEquals(List.of("late", "current"), h.roundValues(String.class));
        }
    }

    @Test
    void skipsEmptyRangesWithoutABurstOfEmptyWindows() {
        try (EmitterHarness h = EmitterHarness.memory(new FixedTimeWindow(TEN))) {
            Instant start = h.clock().instant();
            h.advance(Duration.ofSeconds(95));      // 9 ranges passed with nothing in them
            h.append("x");                          // in range [90s, 100s)
            assertTrue(h.round().isEmpty(), "empty ranges are skipped, not emitted");
            assertEquals(start.plusSeconds(90), h.stream().metadata().lastRead(), "lastRead jumped to the range of the oldest message");
            h.advance(Duration.ofSeconds(5));
            Window w = h.round().orElseThrow();
            assertEquals(List.of("x"), w.dataAs(String.class));
            assertEquals(start.plusSeconds(90), w.from());
            assertEquals(1, h.emitted().size());
        }
    }

    @Test
    void emitEmptyAsksForEveryRange() {
        try (EmitterHarness h = EmitterHarness.memory(new FixedTimeWindow(TEN)).configure(s -> s.emitEmpty(true))) {
            h.advance(Duration.ofSeconds(30));
            assertTrue(h.round().orElseThrow().isEmpty());
            assertTrue(h.round().orElseThrow().isEmpty());
            assertTrue(h.round().orElseThrow().isEmpty());
            assertTrue(h.round().isEmpty(), "caught up: the 4th range has not ended");
        }
    }

    @Test
    void catchingUpEmitsOneWindowPerNonEmptyRangeInOrder() {
        try (EmitterHarness h = EmitterHarness.memory(new FixedTimeWindow(TEN))) {
            h.append("a");
            h.advance(Duration.ofSeconds(25)).append("c");  // [20s, 30s)
            h.advance(Duration.ofSeconds(20));              // now 45 s
            assertEquals(List.of("a"), h.roundValues(String.class));
            assertTrue(h.round().isEmpty(), "[10s, 20s) is empty and skipped");
            assertEquals(List.of("c"), h.roundValues(String.class));
        }
    }

    @Test
    void twoConsumersNeverEmitTheSameRange() {
        try (EmitterHarness one = EmitterHarness.memory(new FixedTimeWindow(TEN))) {
            EmitterHarness two = new EmitterHarness(one.minibatch().store(), one.clock(), new FixedTimeWindow(TEN), "test");
            one.append(1, 2, 3);
            one.advance(TEN);
            int windows = (one.round().isPresent() ? 1 : 0) + (two.round().isPresent() ? 1 : 0);
            assertEquals(1, windows);
            two.close();
        }
    }
}
