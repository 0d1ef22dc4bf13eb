package dev.minibatch.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.minibatch.model.MessageState;
import dev.minibatch.model.Window;
import dev.minibatch.emitter.CountWindow;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CountWindowTest {

    @Test
    void emitsExactlySizeMessagesInAppendOrder() {
        try (EmitterHarness h = EmitterHarness.memory(new CountWindow(3))) {
            h.append(1, 2);
            assertTrue(h.round().isEmpty(), "2 of 3 messages: not ready");
            h.append(3, 4);
            assertEquals(List.of(1, 2, 3), h.roundValues(Integer.class));
            assertTrue(h.round().isEmpty(), "1 left: not ready");
            h.append(5, 6, 7, 8, 9);
            assertEquals(List.of(4, 5, 6), h.roundValues(Integer.class));
            assertEquals(List.of(7, 8, 9), h.roundValues(Integer.class));
            assertTrue(h.pending().isEmpty(), "committed windows are deleted without keep");
        }
    }

    @Test
    void keepRetainsCommittedMessagesAsDone() {
        try (EmitterHarness h = EmitterHarness.memory(new CountWindow(2)).configure(s -> s.keep(true))) {
            h.append("a", "b", "c");
            assertEquals(List.of("a", "b"), h.roundValues(String.class));
            assertEquals(List.of("c"), h.pending().stream().map(m -> m.data().asText()).toList());
            assertEquals(2, h.stream().messages(List.of(MessageState.DONE), 0).size());
            assertTrue(h.round().isEmpty(), "kept messages are not emitted again");
        }
    }

    @Test
    void windowHasNoTimeRangeAndCountsAttempts() {
        try (EmitterHarness h = EmitterHarness.memory(new CountWindow(1))) {
            h.append("x");
            Window w = h.round().orElseThrow();
            assertEquals(null, w.from());
            assertEquals(null, w.to());
            assertEquals(1, w.attempt());
            assertEquals("test", w.stream());
        }
    }

    @Test
    void aFailedWindowIsRetriedAfterItsBackoffAsTheSameMessages() {
        try (EmitterHarness h = EmitterHarness.memory(new CountWindow(2))
                .configure(s -> s.backoff(Duration.ofSeconds(1), Duration.ofSeconds(8)))) {
            h.append(1, 2, 3, 4);
            h.failNextWindow();
            Optional<Window> failed = h.round();
            assertEquals(List.of(1, 2), failed.orElseThrow().dataAs(Integer.class));
            assertEquals(List.of(3, 4), h.roundValues(Integer.class), "other messages keep flowing");
            assertTrue(h.round().isEmpty(), "the failed window waits out its backoff");
            h.advance(Duration.ofSeconds(1));
            Window retry = h.round().orElseThrow();
            assertEquals(List.of(1, 2), retry.dataAs(Integer.class));
            assertEquals(2, retry.attempt());
        }
    }

    @Test
    void neverEmitsEmptyWindows() {
        try (EmitterHarness h = EmitterHarness.memory(new CountWindow(1)).configure(s -> s.emitEmpty(true))) {
            assertTrue(h.round().isEmpty());
            h.advance(Duration.ofHours(1));
            assertTrue(h.round().isEmpty());
        }
    }
}
