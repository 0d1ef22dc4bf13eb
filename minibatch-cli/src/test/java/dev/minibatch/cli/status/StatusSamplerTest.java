package dev.minibatch.cli.status;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.minibatch.ConsumerHandle;
import dev.minibatch.Minibatch;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/** What {@code /status} and {@code /history} report, sampled from a real (in-memory) store. */
class StatusSamplerTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static List<Map<String, Integer>> values(int n) {
        List<Map<String, Integer>> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(Map.of("i", i));
        }
        return out;
    }

    private static JsonNode stream(JsonNode status, String name) {
        for (JsonNode s : status.path("streams")) {
            if (s.path("name").asText().equals(name)) {
                return s;
            }
        }
        throw new AssertionError("no stream " + name + " in " + status);
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(20);
        }
    }

    @Test
    void reportsCountsConsumersFromHeartbeatsRatesAndHistory() throws Exception {
        try (Minibatch mb = Minibatch.connect("memory:")) {
            StatusSampler sampler = new StatusSampler(mb, Duration.ofSeconds(1), 5, Clock.systemUTC());
            mb.stream("backlog").appendAll(values(10));
            mb.stream("work").appendAll(values(20)); // created before its consumer, so nothing is missed
            ConsumerHandle consumer = mb.streaming("work").size(5).start(window -> { });
            Heartbeats.Publisher heartbeats = Heartbeats.start(mb, consumer, "test", "CountWindow(5)", false);
            await("four windows", () -> consumer.stats().windows() == 4);
            sampler.sample();
            Thread.sleep(1200); // a heartbeat after the last window, so the consumer's counters are current
            mb.stream("backlog").appendAll(values(6));
            sampler.sample();

            JsonNode status = JSON.readTree(sampler.statusJson());
            assertThat(status.path("store").asText()).isEqualTo("memory:");
            JsonNode backlog = stream(status, "backlog");
            assertThat(backlog.path("pending").asLong()).isEqualTo(16);
            assertThat(backlog.path("appendRate").asDouble()).as("6 appended between samples").isGreaterThan(0);
            assertThat(backlog.path("depthRate").asDouble()).isGreaterThan(0);
            assertThat(backlog.path("windowRate").asDouble()).isZero();
            JsonNode work = stream(status, "work");
            assertThat(work.path("pending").asLong()).isZero();
            assertThat(work.path("consumers").asInt()).isEqualTo(1);
            assertThat(status.path("totals").path("pending").asLong()).isEqualTo(16);
            assertThat(status.path("totals").path("streams").asInt()).as("heartbeat stream hidden").isEqualTo(2);

            JsonNode c = status.path("consumers").get(0);
            assertThat(c.path("stream").asText()).isEqualTo("work");
            assertThat(c.path("state").asText()).isEqualTo("running");
            assertThat(c.path("windows").asLong()).isEqualTo(4);
            assertThat(c.path("messages").asLong()).isEqualTo(20);
            assertThat(c.path("emitter").asText()).isEqualTo("CountWindow(5)");
            assertThat(c.path("pid").asLong()).isEqualTo(ProcessHandle.current().pid());
            assertThat(c.path("lastHeartbeat").asText()).isNotBlank();

            JsonNode history = JSON.readTree(sampler.historyJson());
            assertThat(history.path("streams").path("backlog")).hasSize(2);
            assertThat(history.path("streams").path("backlog").get(1).get(1).asLong()).isEqualTo(16);

            heartbeats.close();
            consumer.stop();
            sampler.sample();
            JsonNode after = JSON.readTree(sampler.statusJson());
            assertThat(after.path("consumers").get(0).path("state").asText()).isEqualTo("stopped");
            assertThat(after.path("consumers").get(0).path("windowRate").asDouble()).isZero();
            for (int i = 0; i < 6; i++) {
                sampler.sample();
            }
            assertThat(JSON.readTree(sampler.historyJson()).path("streams").path("backlog")).as("history is bounded").hasSize(5);
            sampler.close();
        }
    }

    @Test
    void samplingReadsOnlyAndNeverCreatesStreams() throws Exception {
        try (Minibatch mb = Minibatch.connect("memory:")) {
            StatusSampler sampler = new StatusSampler(mb, Duration.ofSeconds(1), 10, Clock.systemUTC());
            sampler.sample();
            assertThat(mb.streams()).isEmpty();
            assertThat(JSON.readTree(sampler.statusJson()).path("streams")).isEmpty();
            sampler.close();
        }
    }
}
