package dev.minibatch.plugins.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.minibatch.model.Window;
import dev.minibatch.test.EmitterHarness;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Session windows with a manual clock: gap, max size, boundaries, retries. */
class SessionWindowTest {

    private static final Duration GAP = Duration.ofSeconds(5);

    @Test
    void aSessionClosesAfterGapWithoutNewMessages() {
        try (EmitterHarness h = EmitterHarness.memory(new SessionWindow(GAP, 100))) {
            Instant t0 = h.clock().instant();
            h.append("a");
            h.advance(Duration.ofSeconds(2)).append("b");
            h.advance(Duration.ofSeconds(2)).append("c");      // t4
            h.advance(Duration.ofMillis(4_999));
            assertThat(h.round()).as("4.999 s since the last message").isEmpty();
            h.advance(Duration.ofMillis(1));                   // t9 = c + gap
            Window w = h.round().orElseThrow();
            assertThat(w.dataAs(String.class)).containsExactly("a", "b", "c");
            assertThat(w.from()).isEqualTo(t0);
            assertThat(w.to()).isEqualTo(t0.plusSeconds(4).plusMillis(1));
            assertThat(h.pending()).isEmpty();
        }
    }

    @Test
    void aLaterMessageAfterTheGapClosesTheSessionBeforeIt() {
        try (EmitterHarness h = EmitterHarness.memory(new SessionWindow(GAP, 100))) {
            h.append("a");
            h.advance(Duration.ofSeconds(1)).append("b");
            h.advance(Duration.ofSeconds(6)).append("c");      // 6 s after b: a new session
            assertThat(h.roundValues(String.class)).containsExactly("a", "b");
            assertThat(h.round()).as("c's session is still open").isEmpty();
            h.advance(GAP);
            assertThat(h.roundValues(String.class)).containsExactly("c");
        }
    }

    @Test
    void aMessageExactlyGapAfterThePreviousStartsANewSession() {
        try (EmitterHarness h = EmitterHarness.memory(new SessionWindow(GAP, 100))) {
            h.append("a");
            h.advance(GAP).append("b");
            assertThat(h.roundValues(String.class)).containsExactly("a");
            h.advance(Duration.ofMillis(4_999)).append("c");   // within the gap of b
            h.advance(GAP);
            assertThat(h.roundValues(String.class)).containsExactly("b", "c");
        }
    }

    @Test
    void aSessionIsCutAtMaxSizeWithoutWaitingForTheGap() {
        try (EmitterHarness h = EmitterHarness.memory(new SessionWindow(GAP, 3))) {
            h.append(1, 2, 3, 4, 5, 6, 7);
            assertThat(h.roundValues(Integer.class)).containsExactly(1, 2, 3);
            assertThat(h.roundValues(Integer.class)).containsExactly(4, 5, 6);
            assertThat(h.round()).as("7 alone: the session is open until the gap passes").isEmpty();
            h.advance(GAP);
            assertThat(h.roundValues(Integer.class)).containsExactly(7);
        }
    }

    @Test
    void aFailedSessionIsRetriedWholeAfterItsBackoff() {
        try (EmitterHarness h = EmitterHarness.memory(new SessionWindow(GAP, 100))
                .configure(s -> s.backoff(Duration.ofSeconds(10), Duration.ofSeconds(10)))) {
            h.append("a", "b");
            h.advance(Duration.ofSeconds(6)).append("c");
            h.failNextWindow();
            assertThat(h.roundValues(String.class)).containsExactly("a", "b");
            h.advance(GAP);                                     // c's session has closed, but a and b come first
            assertThat(h.round()).as("the failed session waits out its backoff; nothing overtakes it").isEmpty();
            h.advance(GAP);
            Window retry = h.round().orElseThrow();
            assertThat(retry.dataAs(String.class)).containsExactly("a", "b");
            assertThat(retry.attempt()).isEqualTo(2);
            assertThat(h.roundValues(String.class)).containsExactly("c");
            assertThat(h.pending()).isEmpty();
        }
    }

    @Test
    void neverEmitsEmptyWindows() {
        try (EmitterHarness h = EmitterHarness.memory(new SessionWindow(GAP, 10)).configure(s -> s.emitEmpty(true))) {
            assertThat(h.round()).isEmpty();
            h.advance(Duration.ofMinutes(5));
            assertThat(h.round()).isEmpty();
        }
    }

    @Test
    void rejectsBadSettings() {
        assertThatThrownBy(() -> new SessionWindow(Duration.ZERO, 10)).hasMessageContaining("gap must be at least 1 ms");
        assertThatThrownBy(() -> new SessionWindow(GAP, 0)).hasMessageContaining("maxSize must be between 1 and");
    }
}
