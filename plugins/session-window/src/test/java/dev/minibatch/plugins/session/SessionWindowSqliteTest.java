package dev.minibatch.plugins.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.minibatch.model.ConfigurationException;
import dev.minibatch.model.ConsumerHandle;
import dev.minibatch.Minibatch;
import dev.minibatch.plugin.Providers;
import dev.minibatch.Stream;
import dev.minibatch.spi.store.StreamStore;
import dev.minibatch.test.EmitterHarness;
import dev.minibatch.test.ManualClock;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The emitter by name on the embedded SQLite store: a real consumer thread, and a manual-clock run. */
class SessionWindowSqliteTest {

    private static final Providers PROVIDERS = Providers.discover(SessionWindowSqliteTest.class.getClassLoader());

    @TempDir
    Path dir;

    @Test
    void sessionsByNameInAStreamingRun() throws Exception {
        List<List<Integer>> windows = new CopyOnWriteArrayList<>();
        try (Minibatch mb = Minibatch.builder().url("sqlite:" + dir.resolve("session.db")).providers(PROVIDERS)
                .shutdownHook(false).build()) {
            Stream stream = mb.stream("clicks");
            stream.appendAll(List.of(1, 2, 3, 4, 5, 6, 7));
            ConsumerHandle consumer = mb.streaming("clicks").emitter("session", Map.of("gap", "200ms", "maxSize", "3"))
                    .pollInterval(Duration.ofMillis(10))
                    .start(w -> windows.add(w.dataAs(Integer.class)));
            try {
                awaitUntil(() -> windows.size() >= 3, "3 session windows");
            } finally {
                consumer.stop();
            }
            assertThat(windows).containsExactly(List.of(1, 2, 3), List.of(4, 5, 6), List.of(7));
            assertThat(stream.buffer()).isEmpty();
        }
    }

    @Test
    void gapsOnSqliteWithAManualClock() {
        try (StreamStore store = PROVIDERS.openStore("sqlite:" + dir.resolve("gaps.db"));
             EmitterHarness h = new EmitterHarness(store,
                ManualClock.startingAt2025(), PROVIDERS.emitter("session", Map.of("gap", "5s")), "clicks")) {
            h.append(1, 2);
            h.advance(Duration.ofSeconds(3)).append(3);
            h.advance(Duration.ofSeconds(10)).append(4);
            assertThat(h.roundValues(Integer.class)).containsExactly(1, 2, 3);
            assertThat(h.round()).isEmpty();
            h.advance(Duration.ofSeconds(5));
            assertThat(h.roundValues(Integer.class)).containsExactly(4);
            assertThat(h.pending()).isEmpty();
        }
    }

    @Test
    void optionsAreValidatedWithClearMessages() {
        assertThatThrownBy(() -> PROVIDERS.emitter("session", Map.of()))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("needs option 'gap'");
        assertThatThrownBy(() -> PROVIDERS.emitter("session", Map.of("gap", "soon")))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("option 'gap' must be a duration");
        assertThatThrownBy(() -> PROVIDERS.emitter("session", Map.of("gap", "1s", "maxSize", "0")))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("emitter 'session'")
                .hasMessageContaining("maxSize must be between 1 and");
        assertThatThrownBy(() -> PROVIDERS.emitter("session", Map.of("gap", "1s", "max", "3")))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("valid options: gap, maxSize");
    }

    static void awaitUntil(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(5);
        }
    }
}
