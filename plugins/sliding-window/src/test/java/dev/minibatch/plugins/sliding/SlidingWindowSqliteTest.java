package dev.minibatch.plugins.sliding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.minibatch.model.ConfigurationException;
import dev.minibatch.model.ConsumerHandle;
import dev.minibatch.Minibatch;
import dev.minibatch.plugin.Providers;
import dev.minibatch.Stream;
import dev.minibatch.model.Window;
import dev.minibatch.spi.store.StreamStore;
import dev.minibatch.test.EmitterHarness;
import dev.minibatch.test.ManualClock;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The emitter by name, on the embedded SQLite store: a real consumer thread, and a manual-clock run. */
class SlidingWindowSqliteTest {

    @TempDir
    Path dir;

    private static final Providers PROVIDERS = Providers.discover(SlidingWindowSqliteTest.class.getClassLoader());

    @Test
    void countWindowsByNameInAStreamingRun() throws Exception {
        List<List<Integer>> windows = new CopyOnWriteArrayList<>();
        try (Minibatch mb = Minibatch.builder().url("sqlite:" + dir.resolve("sliding.db")).providers(PROVIDERS)
                .shutdownHook(false).build()) {
            Stream stream = mb.stream("readings");
            for (int i = 1; i <= 10; i++) {
                stream.append(i);
            }
            ConsumerHandle consumer = mb.streaming("readings").emitter("sliding", Map.of("size", "4", "step", "2"))
                    .pollInterval(Duration.ofMillis(10))
                    .start(w -> windows.add(w.dataAs(Integer.class)));
            try {
                awaitUntil(() -> windows.size() >= 4, "4 sliding windows");
            } finally {
                consumer.stop();
            }
            assertThat(windows).containsExactly(List.of(1, 2, 3, 4), List.of(3, 4, 5, 6), List.of(5, 6, 7, 8),
                    List.of(7, 8, 9, 10));
            assertThat(stream.buffer()).extracting(m -> m.data().asInt()).containsExactly(9, 10);
            assertThat(consumer.stats().messages()).as("each message counted once, when it leaves").isEqualTo(8);
        }
    }

    @Test
    void timeWindowsOnSqliteWithAManualClock() {
        ManualClock clock = ManualClock.startingAt2025();
        java.time.Instant t0 = clock.instant();
        try (StreamStore store = PROVIDERS.openStore("sqlite:" + dir.resolve("time.db"));
             EmitterHarness h = new EmitterHarness(store, clock,
                PROVIDERS.emitter("sliding", Map.of("interval", "10s", "step", "5s")), "readings")) {
            h.advance(Duration.ofSeconds(1)).append(1);
            h.advance(Duration.ofSeconds(5)).append(2);
            h.advance(Duration.ofSeconds(5)).append(3);            // t11
            h.advance(Duration.ofSeconds(4));                       // t15
            List<List<Integer>> seen = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                h.round().map(w -> w.dataAs(Integer.class)).ifPresent(seen::add);
                h.advance(Duration.ofSeconds(5));
            }
            assertThat(seen).containsExactly(List.of(1, 2), List.of(2, 3), List.of(3));
            assertThat(h.pending()).isEmpty();
            Window last = h.emitted().get(2);
            assertThat(last.from()).isEqualTo(t0.plusSeconds(10));
            assertThat(last.to()).isEqualTo(t0.plusSeconds(20));
        }
    }

    @Test
    void optionsAreValidatedWithClearMessages() {
        assertThatThrownBy(() -> PROVIDERS.emitter("sliding", Map.of("size", "4")))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("needs option 'step'");
        assertThatThrownBy(() -> PROVIDERS.emitter("sliding", Map.of("size", "4", "interval", "1s", "step", "2")))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("not both");
        assertThatThrownBy(() -> PROVIDERS.emitter("sliding", Map.of("step", "2")))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("give either option 'size'");
        assertThatThrownBy(() -> PROVIDERS.emitter("sliding", Map.of("size", "4", "step", "2s")))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("option 'step' must be a whole number");
        assertThatThrownBy(() -> PROVIDERS.emitter("sliding", Map.of("interval", "10s", "step", "five")))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("option 'step' must be a duration");
        assertThatThrownBy(() -> PROVIDERS.emitter("sliding", Map.of("size", "4", "step", "5")))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("emitter 'sliding'")
                .hasMessageContaining("between 1 and size (4)");
        assertThatThrownBy(() -> PROVIDERS.emitter("sliding", Map.of("size", "4", "step", "2", "width", "3")))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("no option 'width'")
                .hasMessageContaining("valid options: size, interval, step");
    }

    static void awaitUntil(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(5);
        }
    }
}
