package dev.minibatch.plugins.sliding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.minibatch.model.Window;
import dev.minibatch.test.EmitterHarness;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Time-based sliding windows with a manual clock: overlap, step, boundaries, skipping, retries. */
class SlidingWindowTimeTest {

    private static final Duration TEN = Duration.ofSeconds(10);
    private static final Duration FIVE = Duration.ofSeconds(5);

    @Test
    void eachMessageIsInEveryWindowCoveringItAndLeavesWithTheLast() {
        try (EmitterHarness h = EmitterHarness.memory(SlidingWindow.time(TEN, FIVE))) {
            Instant t0 = h.clock().instant();
            h.advance(Duration.ofSeconds(1)).append("a");       // t1
            h.advance(Duration.ofSeconds(5)).append("b");       // t6
            h.advance(Duration.ofSeconds(3));                   // t9
            assertThat(h.round()).as("[0s, 10s) has not ended").isEmpty();
            h.advance(Duration.ofSeconds(1));                   // t10
            Window w1 = h.round().orElseThrow();
            assertThat(w1.dataAs(String.class)).containsExactly("a", "b");
            assertThat(w1.from()).isEqualTo(t0);
            assertThat(w1.to()).isEqualTo(t0.plus(TEN));
            assertThat(h.pending()).extracting(m -> m.data().asText()).as("a left; b stays").containsExactly("b");
            h.advance(Duration.ofSeconds(1)).append("c");       // t11
            h.advance(Duration.ofSeconds(4));                   // t15
            Window w2 = h.round().orElseThrow();
            assertThat(w2.dataAs(String.class)).containsExactly("b", "c");
            assertThat(w2.from()).isEqualTo(t0.plus(FIVE));
            assertThat(w2.to()).isEqualTo(t0.plus(Duration.ofSeconds(15)));
            h.advance(FIVE);                                    // t20
            assertThat(h.roundValues(String.class)).containsExactly("c");
            assertThat(h.pending()).isEmpty();
            assertThat(h.emitted()).hasSize(3);
        }
    }

    @Test
    void boundariesAreHalfOpen() {
        try (EmitterHarness h = EmitterHarness.memory(SlidingWindow.time(TEN, FIVE))) {
            h.append("at-0s");
            h.advance(FIVE).append("at-5s");                    // exactly start + step: stays
            h.advance(FIVE).append("at-10s");                   // exactly start + interval: next window
            assertThat(h.roundValues(String.class)).containsExactly("at-0s", "at-5s");
            assertThat(h.pending()).extracting(m -> m.data().asText()).containsExactly("at-5s", "at-10s");
        }
    }

    @Test
    void skipsEmptyWindowsAndEmitsAWindowWhoseMessagesAllStay() {
        try (EmitterHarness h = EmitterHarness.memory(SlidingWindow.time(TEN, FIVE))) {
            Instant t0 = h.clock().instant();
            h.advance(Duration.ofSeconds(95)).append("x");     // in [90s, 100s) and [95s, 105s)
            assertThat(h.round()).as("empty windows are skipped, not emitted").isEmpty();
            assertThat(h.stream().metadata().lastRead()).isEqualTo(t0.plusSeconds(90));
            h.advance(FIVE);                                    // t100
            Window first = h.round().orElseThrow();
            assertThat(first.from()).isEqualTo(t0.plusSeconds(90));
            assertThat(first.dataAs(String.class)).as("x stays: it is not older than 95s").containsExactly("x");
            assertThat(h.pending()).hasSize(1);
            h.advance(FIVE);                                    // t105
            Window second = h.round().orElseThrow();
            assertThat(second.from()).isEqualTo(t0.plusSeconds(95));
            assertThat(second.dataAs(String.class)).containsExactly("x");
            assertThat(h.pending()).isEmpty();
        }
    }

    @Test
    void emitEmptyAsksForEveryStep() {
        try (EmitterHarness h = EmitterHarness.memory(SlidingWindow.time(TEN, FIVE)).configure(s -> s.emitEmpty(true))) {
            h.advance(Duration.ofSeconds(20));
            assertThat(h.round().orElseThrow().isEmpty()).isTrue();   // [0, 10)
            assertThat(h.round().orElseThrow().isEmpty()).isTrue();   // [5, 15)
            assertThat(h.round().orElseThrow().isEmpty()).isTrue();   // [10, 20)
            assertThat(h.round()).as("[15, 25) has not ended").isEmpty();
        }
    }

    @Test
    void lateMessagesLeaveWithTheNextWindow() {
        try (EmitterHarness h = EmitterHarness.memory(SlidingWindow.time(TEN, FIVE))) {
            h.append("on-time");
            h.advance(TEN);
            assertThat(h.roundValues(String.class)).containsExactly("on-time");
            h.clock().advance(Duration.ofSeconds(-8));          // a lagging producer: stamped at 2s
            h.append("late");
            h.clock().advance(Duration.ofSeconds(8));
            h.advance(FIVE);                                    // t15: window [5s, 15s)
            assertThat(h.roundValues(String.class)).containsExactly("late");
            assertThat(h.pending()).isEmpty();
        }
    }

    @Test
    void aFailedWindowsLeavingMessagesComeBackAsLateOnesAfterTheirBackoff() {
        try (EmitterHarness h = EmitterHarness.memory(SlidingWindow.time(TEN, FIVE))
                .configure(s -> s.backoff(Duration.ofSeconds(1), Duration.ofSeconds(1)))) {
            h.advance(Duration.ofSeconds(1)).append("a");      // t1
            h.advance(Duration.ofSeconds(5)).append("b");      // t6
            h.advance(Duration.ofSeconds(4));                  // t10
            h.failNextWindow();
            assertThat(h.roundValues(String.class)).containsExactly("a", "b");
            assertThat(h.pending()).extracting(m -> m.data().asText()).containsExactly("a", "b");
            h.advance(FIVE);                                   // t15: [5s, 15s), a's backoff is over
            Window next = h.round().orElseThrow();
            assertThat(next.dataAs(String.class)).containsExactly("a", "b");
            assertThat(next.attempt()).isEqualTo(2);
            assertThat(h.pending()).isEmpty();
        }
    }

    @Test
    void rejectsAStepLongerThanTheInterval() {
        assertThatThrownBy(() -> SlidingWindow.time(FIVE, TEN)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("step must be between 1 ms and interval");
        assertThat(SlidingWindow.time(TEN, FIVE).isTimeBased()).isTrue();
        assertThat(List.of(SlidingWindow.count(2, 1).isTimeBased())).containsExactly(false);
    }
}
