package dev.minibatch.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.minibatch.model.Window;
import dev.minibatch.emitter.RelaxedTimeWindow;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class RelaxedTimeWindowTest {

    private static final Duration TWO = Duration.ofSeconds(2);

    @Test
    void emitsEverythingPendingAtLeastAnIntervalApart() {
        try (EmitterHarness h = EmitterHarness.memory(new RelaxedTimeWindow(TWO))) {
            Instant start = h.clock().instant();
            h.append(1);
            h.advance(Duration.ofMillis(1999)).append(2);
            assertTrue(h.round().isEmpty(), "less than one interval since the last window");
            h.advance(Duration.ofMillis(1));
            Window w = h.round().orElseThrow();
            assertEquals(List.of(1, 2), w.dataAs(Integer.class));
            assertEquals(start, w.from());
            assertEquals(start.plus(TWO), w.to());
            h.append(3);
            h.advance(Duration.ofMillis(500));
            assertTrue(h.round().isEmpty(), "the next window waits a full interval");
        }
    }

    @Test
    void catchesUpInOneWindowAfterAPause() {
        try (EmitterHarness h = EmitterHarness.memory(new RelaxedTimeWindow(TWO))) {
            h.append("a");
            h.advance(Duration.ofSeconds(60)).append("b");
            h.advance(Duration.ofMillis(1));
            assertEquals(List.of("a", "b"), h.roundValues(String.class));
            assertTrue(h.round().isEmpty(), "no burst of catch-up windows");
            assertEquals(1, h.emitted().size());
        }
    }

    @Test
    void aMessageStampedAtTheBoundaryWaitsForTheNextWindow() {
        try (EmitterHarness h = EmitterHarness.memory(new RelaxedTimeWindow(TWO))) {
            h.advance(TWO);
            h.append("at-boundary"); // created == the window's end: [start, now) excludes it
            assertTrue(h.round().isEmpty(), "an empty window is skipped");
            h.advance(TWO);
            assertEquals(List.of("at-boundary"), h.roundValues(String.class));
        }
    }

    @Test
    void failedMessagesAreRetriedInALaterWindow() {
        try (EmitterHarness h = EmitterHarness.memory(new RelaxedTimeWindow(TWO))
                .configure(s -> s.backoff(Duration.ofSeconds(1), Duration.ofSeconds(1)))) {
            h.append("x");
            h.advance(TWO).failNextWindow();
            assertEquals(List.of("x"), h.round().orElseThrow().dataAs(String.class));
            h.append("y");
            h.advance(TWO);
            Window retry = h.round().orElseThrow();
            assertEquals(List.of("x", "y"), retry.dataAs(String.class));
            assertEquals(2, retry.attempt());
        }
    }

    @Test
    void emitEmptyCallsTheFunctionOnEmptyIntervals() {
        try (EmitterHarness h = EmitterHarness.memory(new RelaxedTimeWindow(TWO)).configure(s -> s.emitEmpty(true))) {
            h.advance(TWO);
            assertTrue(h.round().orElseThrow().isEmpty());
        }
    }
}
