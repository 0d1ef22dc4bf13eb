package dev.minibatch.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.minibatch.model.InvalidMessageException;
import dev.minibatch.model.Message;
import dev.minibatch.Minibatch;
import dev.minibatch.Stream;
import dev.minibatch.model.StreamOptions;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Message keys from the producer's side: append(key, value) and a stream's key extractor. */
class StreamKeysTest {

    @TempDir
    Path dir;

    private Minibatch connect(String store) {
        return Minibatch.builder().url(store.equals("sqlite") ? "sqlite:" + dir.resolve("k.db") : "memory:")
                .shutdownHook(false).build();
    }

    @ParameterizedTest
    @ValueSource(strings = {"memory", "sqlite"})
    void explicitKeysAndExtractedKeysAreStored(String store) {
        try (Minibatch mb = connect(store)) {
            Stream plain = mb.stream("plain");
            plain.append("s1", Map.of("v", 1));
            plain.append(Map.of("v", 2));
            assertEquals(Arrays.asList("s1", null), plain.buffer().stream().map(Message::key).toList());

            Stream sensors = mb.stream("sensors", StreamOptions.defaults().keyExtractor(v -> String.valueOf(((Map<?, ?>) v).get("sensor"))));
            sensors.append(Map.of("sensor", "a", "t", 1));
            sensors.appendAll(List.of(Map.of("sensor", "b", "t", 2), Map.of("sensor", "a", "t", 3)));
            sensors.append("explicit", Map.of("sensor", "c", "t", 4));
            assertEquals(List.of("a", "b", "a", "explicit"), sensors.buffer().stream().map(Message::key).toList(),
                    "an explicit key wins over the extractor");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"memory", "sqlite"})
    void aFailingExtractorRejectsThatAppendOnly(String store) {
        try (Minibatch mb = connect(store)) {
            Stream s = mb.stream("s", StreamOptions.defaults().keyExtractor(v -> ((Map<?, ?>) v).get("id").toString()));
            s.append(Map.of("id", 1));
            InvalidMessageException e = assertThrows(InvalidMessageException.class, () -> s.append(Map.of("other", 2)));
            assertTrue(e.getMessage().contains("key extractor"), e.getMessage());
            assertEquals(List.of("1"), s.buffer().stream().map(Message::key).toList(), "nothing appended already is lost");
        }
    }
}
