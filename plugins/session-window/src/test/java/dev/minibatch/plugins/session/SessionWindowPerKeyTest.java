package dev.minibatch.plugins.session;

import static org.assertj.core.api.Assertions.assertThat;

import dev.minibatch.model.ConsumerHandle;
import dev.minibatch.Minibatch;
import dev.minibatch.plugin.Providers;
import dev.minibatch.Stream;
import dev.minibatch.model.Window;
import dev.minibatch.test.ManualClock;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/** keyBy with the session emitter: a session per key, each with its own gap. */
class SessionWindowPerKeyTest {

    private static final Providers PROVIDERS = Providers.discover(SessionWindowPerKeyTest.class.getClassLoader());

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"memory:", "sqlite"})
    void eachKeyHasItsOwnSessions(String url) throws Exception {
        ManualClock clock = ManualClock.startingAt2025();
        try (Minibatch mb = Minibatch.builder().url(url.equals("sqlite") ? "sqlite:" + dir.resolve("s.db") : url)
                .providers(PROVIDERS).clock(clock).shutdownHook(false).build()) {
            Stream clicks = mb.stream("clicks");
            // a: 0, 1.0, 2.0 s (one session with gap 1.5 s); b: 0.5 s and 4 s (two sessions).
            // Unkeyed, 0 / 0.5 / 1 / 2 would be one session mixing both users.
            clicks.append("a", Map.of("user", "a", "n", 0));
            clock.advanceMillis(500);
            clicks.append("b", Map.of("user", "b", "n", 1));
            clock.advanceMillis(500);
            clicks.append("a", Map.of("user", "a", "n", 2));
            clock.advanceMillis(1000);
            clicks.append("a", Map.of("user", "a", "n", 3));
            clock.advanceMillis(2000);
            clicks.append("b", Map.of("user", "b", "n", 4));
            clock.advance(Duration.ofSeconds(10));
            List<Window> windows = new CopyOnWriteArrayList<>();
            ConsumerHandle consumer = mb.streaming("clicks").emitter("session", Map.of("gap", "1500ms")).keyBy()
                    .pollInterval(Duration.ofMillis(10)).start(windows::add);
            try {
                SessionWindowSqliteTest.awaitUntil(() -> windows.size() >= 3, "3 sessions");
                Thread.sleep(100);
            } finally {
                consumer.stop();
            }
            assertThat(windows).hasSize(3);
            assertThat(windows).allSatisfy(w -> assertThat(w.data()).allSatisfy(v -> assertThat(v.get("user").asText())
                    .isEqualTo(w.key())));
            assertThat(windows.stream().map(w -> w.key() + w.data().stream().map(v -> v.get("n").asInt()).toList()))
                    .containsExactlyInAnyOrder("a[0, 2, 3]", "b[1]", "b[4]");
            assertThat(clicks.buffer()).isEmpty();
        }
    }
}
