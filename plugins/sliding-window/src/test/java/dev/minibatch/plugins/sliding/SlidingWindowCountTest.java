package dev.minibatch.plugins.sliding;

import static org.assertj.core.api.Assertions.assertThat;

import dev.minibatch.model.Window;
import dev.minibatch.test.EmitterHarness;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Count-based sliding windows with a manual clock: overlap, step, retries. */
class SlidingWindowCountTest {

    private static List<Integer> values(EmitterHarness h) {
        return h.pending().stream().map(m -> m.data().asInt()).toList();
    }

    @Test
    void windowsOverlapAndAdvanceByStep() {
        try (EmitterHarness h = EmitterHarness.memory(SlidingWindow.count(4, 2))) {
            h.append(1, 2, 3);
            assertThat(h.round()).as("3 of 4 messages: not ready").isEmpty();
            h.append(4);
            assertThat(h.roundValues(Integer.class)).containsExactly(1, 2, 3, 4);
            assertThat(values(h)).as("only the step oldest left; 3 and 4 stay for the next window").containsExactly(3, 4);
            h.append(5);
            assertThat(h.round()).isEmpty();
            h.append(6, 7, 8);
            assertThat(h.roundValues(Integer.class)).containsExactly(3, 4, 5, 6);
            assertThat(h.roundValues(Integer.class)).containsExactly(5, 6, 7, 8);
            assertThat(h.round()).as("7 and 8 wait for 9 and 10").isEmpty();
            assertThat(values(h)).containsExactly(7, 8);
        }
    }

    @Test
    void stepOneShowsEveryMessageInSizeWindows() {
        try (EmitterHarness h = EmitterHarness.memory(SlidingWindow.count(3, 1))) {
            h.append(1, 2, 3, 4, 5);
            assertThat(h.roundValues(Integer.class)).containsExactly(1, 2, 3);
            assertThat(h.roundValues(Integer.class)).containsExactly(2, 3, 4);
            assertThat(h.roundValues(Integer.class)).containsExactly(3, 4, 5);
            assertThat(h.round()).isEmpty();
            long windowsHolding3 = h.emitted().stream().filter(w -> w.dataAs(Integer.class).contains(3)).count();
            assertThat(windowsHolding3).isEqualTo(3);
        }
    }

    @Test
    void stepEqualToSizeIsATumblingWindow() {
        try (EmitterHarness h = EmitterHarness.memory(SlidingWindow.count(2, 2))) {
            h.append(1, 2, 3, 4, 5);
            assertThat(h.roundValues(Integer.class)).containsExactly(1, 2);
            assertThat(h.roundValues(Integer.class)).containsExactly(3, 4);
            assertThat(h.round()).isEmpty();
            assertThat(values(h)).containsExactly(5);
        }
    }

    @Test
    void aFailedWindowIsRetriedWholeAfterItsBackoffAndWindowsStayInOrder() {
        try (EmitterHarness h = EmitterHarness.memory(SlidingWindow.count(4, 2))
                .configure(s -> s.backoff(Duration.ofSeconds(1), Duration.ofSeconds(8)))) {
            h.append(1, 2, 3, 4, 5, 6);
            h.failNextWindow();
            assertThat(h.roundValues(Integer.class)).containsExactly(1, 2, 3, 4);
            assertThat(values(h)).as("nothing committed").containsExactly(1, 2, 3, 4, 5, 6);
            assertThat(h.round()).as("the oldest wait out their backoff; no window jumps ahead").isEmpty();
            h.advance(Duration.ofSeconds(1));
            Window retry = h.round().orElseThrow();
            assertThat(retry.dataAs(Integer.class)).containsExactly(1, 2, 3, 4);
            assertThat(retry.attempt()).isEqualTo(2);
            assertThat(h.roundValues(Integer.class)).containsExactly(3, 4, 5, 6);
            assertThat(values(h)).containsExactly(5, 6);
        }
    }

    @Test
    void afterMaxAttemptsOnlyTheLeavingMessagesAreDeadLettered() {
        try (EmitterHarness h = EmitterHarness.memory(SlidingWindow.count(4, 2)).configure(s -> s.maxAttempts(1))) {
            h.append(1, 2, 3, 4, 5, 6);
            h.failNextWindow();
            assertThat(h.roundValues(Integer.class)).containsExactly(1, 2, 3, 4);
            assertThat(h.stream().deadLetters().buffer()).extracting(m -> m.data().asInt()).containsExactly(1, 2);
            assertThat(values(h)).containsExactly(3, 4, 5, 6);
            assertThat(h.roundValues(Integer.class)).containsExactly(3, 4, 5, 6);
        }
    }

    @Test
    void keepMarksOnlyLeavingMessagesDone() {
        try (EmitterHarness h = EmitterHarness.memory(SlidingWindow.count(3, 1)).configure(s -> s.keep(true))) {
            h.append("a", "b", "c", "d");
            assertThat(h.roundValues(String.class)).containsExactly("a", "b", "c");
            assertThat(h.stream().messages(List.of(dev.minibatch.model.MessageState.DONE), 0))
                    .extracting(m -> m.data().asText()).containsExactly("a");
            assertThat(h.roundValues(String.class)).containsExactly("b", "c", "d");
        }
    }

    @Test
    void rejectsAStepOutsideOneToSize() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> SlidingWindow.count(3, 4))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("step must be between 1 and size (3)");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> SlidingWindow.count(3, 0))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
