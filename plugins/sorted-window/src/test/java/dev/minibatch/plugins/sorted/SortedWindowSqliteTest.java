package dev.minibatch.plugins.sorted;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.minibatch.model.ConfigurationException;
import dev.minibatch.model.ConsumerHandle;
import dev.minibatch.Minibatch;
import dev.minibatch.plugin.Providers;
import dev.minibatch.Stream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The emitter by name, on the embedded SQLite store with a real consumer thread. */
class SortedWindowSqliteTest {

    private static final Providers PROVIDERS = Providers.discover(SortedWindowSqliteTest.class.getClassLoader());

    @TempDir
    Path dir;

    @Test
    void readmeExampleByNameInAStreamingRun() throws Exception {
        List<List<Integer>> windows = new CopyOnWriteArrayList<>();
        try (Minibatch mb = Minibatch.builder().url("sqlite:" + dir.resolve("sorted.db")).providers(PROVIDERS)
                .shutdownHook(false).build()) {
            Stream stream = mb.stream("values");
            List<Map<String, Integer>> values = new ArrayList<>();
            for (int v : new int[] {14, 3, 8, 1, 12, 6, 9, 2, 10, 4, 7}) {
                values.add(Map.of("value", v));
            }
            stream.appendAll(values);
            ConsumerHandle consumer = mb.streaming("values")
                    .emitter("sorted", Map.of("field", "value", "where", "value%2==0", "size", "3"))
                    .pollInterval(Duration.ofMillis(10))
                    .start(w -> windows.add(w.data().stream().map(n -> n.get("value").asInt()).toList()));
            try {
                long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
                while (windows.size() < 2) {
                    if (System.nanoTime() > deadline) {
                        throw new AssertionError("timed out waiting for 2 sorted windows, got " + windows);
                    }
                    Thread.sleep(5);
                }
            } finally {
                consumer.stop();
            }
            assertThat(windows).containsExactly(List.of(2, 4, 6), List.of(8, 10, 12));
            assertThat(stream.buffer()).extracting(m -> m.data().get("value").asInt())
                    .as("14 waits for two more even values; odd ones never match").containsExactly(14, 3, 1, 9, 7);
        }
    }

    @Test
    void optionsAreValidatedWithClearMessages() {
        assertThatThrownBy(() -> PROVIDERS.emitter("sorted", Map.of("size", "3")))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("needs option 'field'");
        assertThatThrownBy(() -> PROVIDERS.emitter("sorted", Map.of("field", "v", "size", "3", "order", "up")))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("option 'order' must be asc or desc");
        assertThatThrownBy(() -> PROVIDERS.emitter("sorted", Map.of("field", "v", "size", "3", "where", "v >")))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("emitter 'sorted': option 'where':");
        assertThatThrownBy(() -> PROVIDERS.emitter("sorted", Map.of("field", "a..b", "size", "3")))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("option 'field':");
        assertThatThrownBy(() -> PROVIDERS.emitter("sorted", Map.of("field", "v", "size", "three")))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("option 'size' must be a whole number");
        assertThatThrownBy(() -> PROVIDERS.emitter("sorted", Map.of("field", "v", "size", "3", "sort", "asc")))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("valid options: field, size, order, where, partial, scan");
        assertThat(PROVIDERS.emitter("sorted", Map.of("field", "v", "size", "3", "order", "DESC")).toString())
                .contains("order=desc");
    }
}
