package dev.minibatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.minibatch.cli.CliProcess.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code demo} on the embedded default store with no setup, and {@code bench} end to end. */
class DemoAndBenchTest {

    @TempDir
    Path dir;

    @Test
    void demoRunsOnTheEmbeddedDefaultStoreAndChecksDelivery() throws Exception {
        // no --url and no MINIBATCH_URL: the embedded SQLite file under MINIBATCH_HOME
        Result demo = CliProcess.run(dir, Map.of(), null, Duration.ofSeconds(60),
                "demo", "--duration", "3s", "--rate", "200", "--size", "20", "--interval", "500ms");
        assertThat(demo.exitCode()).as(demo.toString()).isZero();
        Path db = dir.resolve("home/minibatch.db");
        assertThat(demo.stdout())
                .contains("minibatch demo on sqlite:")
                .contains("consumer 1: CountWindow(20)")
                .contains("consumer 2: FixedTimeWindow(500ms)")
                .contains("count window #1: 20 readings")
                .containsPattern("time  window \\d\\d:\\d\\d:\\d\\d.\\d\\d:\\d\\d:\\d\\d: \\d+ readings")
                .containsPattern("appended [0-9,]+ \\([0-9,.]+/s\\) \\| count windows")
                .contains("Summary after")
                .contains("every reading arrived exactly once in each consumer: yes");
        assertThat(db).exists();

        Result streams = CliProcess.run(dir, null, "streams", "--json");
        assertThat(streams.exitCode()).as(streams.toString()).isZero();
        List<String> names = new ArrayList<>();
        for (String line : streams.lines()) {
            names.add(new ObjectMapper().readTree(line).path("name").asText());
        }
        assertThat(names).hasSize(2).allMatch(n -> n.matches("demo-\\d{8}-\\d{6}-(count|time)"));
    }

    @Test
    void benchMeasuresThroughputAndLatencyEndToEnd() throws Exception {
        String url = "sqlite:" + dir.resolve("bench.db");
        Result bench = CliProcess.run(dir, Map.of(), null, Duration.ofSeconds(90),
                "bench", "--messages", "4000", "--batch", "400", "--size", "50", "--url", url);
        assertThat(bench.exitCode()).as(bench.toString()).isZero();
        assertThat(bench.stdout())
                .containsPattern("append +4,000 messages in [0-9.]+ s = [0-9,.]+ msg/s")
                .containsPattern("end to end +4,000 messages in [0-9.]+ s = [0-9,.]+ msg/s \\(80 windows\\)")
                .containsPattern("latency append→window: p50 [0-9.,]+ ms, p99 [0-9.,]+ ms, max [0-9.,]+ ms")
                .contains("every message arrived exactly once: yes");
        assertThat(Files.exists(dir.resolve("bench.db"))).isTrue();

        Result uneven = CliProcess.run(dir, null, "bench", "--messages", "1001", "--size", "10", "--url", url);
        assertThat(uneven.exitCode()).as(uneven.toString()).isEqualTo(2);
        assertThat(uneven.stderr()).contains("--messages (1001) must be a multiple of --size (10)");
    }
}
