package dev.minibatch.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs {@link KafkaStoreBenchmarks} once at a tiny size (one repetition, 2,000 messages, 100 latency
 * messages) on its own three-node cluster: proves every part still measures and reports what it
 * claims (figures positive, limits attached) — not how fast.
 */
class KafkaStoreBenchmarksSmokeTest {

    @TempDir
    Path dir;

    @Test
    void everyPartRunsAndIsReported() throws Exception {
        List<Result> results = new ArrayList<>();
        KafkaStoreBenchmarks bench = new KafkaStoreBenchmarks(dir, 1, 2_000, 2_000, 100, List.of(), results::add);
        bench.run();
        for (Result r : results) {
            assertTrue(r.value() > 0, "a non-positive figure: " + r);
            assertEquals("kafka-store", r.group());
        }
        assertTrue(results.stream().anyMatch(r -> r.name().startsWith("CountWindow(1000) on kafka://") && r.ratio() != null),
                "consume against the raw share loop: " + results);
        assertTrue(results.stream().anyMatch(r -> r.name().startsWith("appendAll") && r.ratio() != null),
                "appendAll against the raw producer: " + results);
        assertTrue(results.stream().anyMatch(r -> r.name().startsWith("p99 append→window, kafka://") && r.ratio() != null),
                "latency against the raw loop: " + results);
        assertTrue(results.stream().anyMatch(r -> r.name().contains("sqlite:")), "sqlite latency: " + results);
        assertTrue(results.stream().anyMatch(r -> r.name().contains("MongoDB emulator")), "emulator latency: " + results);
        assertTrue(bench.lines().stream().anyMatch(l -> l.contains("group join, excluded")), String.join("\n", bench.lines()));
    }
}
