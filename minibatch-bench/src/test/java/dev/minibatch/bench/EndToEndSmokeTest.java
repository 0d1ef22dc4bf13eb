package dev.minibatch.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs every end-to-end scenario at a hundredth of its size: proves the harness still measures
 * what it claims (every group present, every figure positive, limits attached) — not how fast.
 */
class EndToEndSmokeTest {

    @TempDir
    Path dir;

    @Test
    void everyScenarioRunsAndIsReported() throws Exception {
        Path json = dir.resolve("bench.json");
        Path markdown = dir.resolve("BENCHMARKS.md");
        EndToEnd.main(new String[] {"--smoke", "--json", json.toString(), "--markdown", markdown.toString(),
                "--dir", dir.toString()});
        JsonNode root = new ObjectMapper().readTree(json.toFile());
        Set<String> groups = new TreeSet<>();
        for (JsonNode row : root.get("results")) {
            groups.add(row.get("group").asText());
            assertTrue(row.get("value").asDouble() > 0 || row.get("group").asText().equals("memory"),
                    "a non-positive figure: " + row);
        }
        assertEquals(new TreeSet<>(List.of("limit", "append", "consume", "latency", "memory", "scale", "kafka", "pipeline", "tables")), groups);
        long withLimit = 0;
        for (JsonNode row : root.get("results")) {
            if (row.hasNonNull("ratio")) {
                withLimit++;
            }
        }
        assertTrue(withLimit >= 4, "figures compared with their limits: " + withLimit);
        String md = Files.readString(markdown);
        assertTrue(md.contains("| appendAll, batches of 1000 | sqlite |"), md);
        assertTrue(md.contains("| appendAll, batches of 1000 | mongodb |"), md);
        assertTrue(md.contains("KafkaSource → stream (memory) → CountWindow(1000) → KafkaSink"), md);
        assertTrue(md.contains("Machine: "), md);
    }
}
