package com.example.minibatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.minibatch.model.ConfigurationException;
import dev.minibatch.plugin.Providers;
import dev.minibatch.spi.store.StreamStore;
import dev.minibatch.test.EmitterHarness;
import dev.minibatch.test.ManualClock;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ThresholdWindowTest {

    @Test
    void waitsForMinAndTakesAtMostMax() {
        try (EmitterHarness h = EmitterHarness.memory(new ThresholdWindow(2, 3))) {
            h.append(1);
            assertTrue(h.round().isEmpty(), "1 pending, min 2: no window");
            h.append(2, 3, 4, 5);
            assertEquals(List.of(1, 2, 3), h.roundValues(Integer.class));
            assertEquals(List.of(4, 5), h.roundValues(Integer.class));
            assertTrue(h.pending().isEmpty());
        }
    }

    @Test
    void byNameOnSqliteWithOptionsChecked(@TempDir Path dir) {
        Providers providers = Providers.discover(getClass().getClassLoader());
        try (StreamStore store = providers.openStore("sqlite:" + dir.resolve("t.db"));
             EmitterHarness h = new EmitterHarness(store,
                ManualClock.startingAt2025(), providers.emitter("threshold", Map.of("min", "2")), "test")) {
            h.append("a", "b", "c");
            assertEquals(List.of("a", "b", "c"), h.roundValues(String.class));
        }
        ConfigurationException bad = assertThrows(ConfigurationException.class,
                () -> providers.emitter("threshold", Map.of("min", "5", "max", "2")));
        assertTrue(bad.getMessage().contains("min <= max"), bad.getMessage());
    }
}
