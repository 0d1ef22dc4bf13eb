package dev.minibatch.cli.status;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.minibatch.model.ConsumerHandle;
import dev.minibatch.model.Message;
import dev.minibatch.model.MessageState;
import dev.minibatch.Minibatch;
import dev.minibatch.model.StreamInfo;
import dev.minibatch.model.StreamStats;
import dev.minibatch.spi.store.Claim;
import dev.minibatch.spi.store.Lease;
import dev.minibatch.spi.store.NewMessage;
import dev.minibatch.spi.store.Selection;
import dev.minibatch.spi.store.StreamStore;
import dev.minibatch.store.memory.MemoryStoreProvider;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/** What {@code /status} and {@code /history} report, sampled from real in-memory stores. */
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
    void reportsCountsConsumersAppendTotalsRatesAndHistory() throws Exception {
        try (Minibatch mb = Minibatch.connect("memory:")) {
            StatusSampler sampler = new StatusSampler(mb, Duration.ofSeconds(1), 5, Clock.systemUTC());
            mb.stream("backlog").appendAll(values(10));
            mb.stream("work").appendAll(values(20)); // created before its consumer, so nothing is missed
            ConsumerHandle consumer = mb.streaming("work").size(5).start(window -> { });
            await("four windows", () -> consumer.stats().windows() == 4);
            sampler.sample();
            Thread.sleep(1300); // the consumer's next heartbeat carries its final counts
            mb.stream("backlog").appendAll(values(6));
            sampler.sample();

            JsonNode status = JSON.readTree(sampler.statusJson());
            assertThat(status.path("store").asText()).isEqualTo("memory:");
            assertThat(status.path("heartbeats").asBoolean()).isTrue();
            JsonNode backlog = stream(status, "backlog");
            assertThat(backlog.path("pending").asLong()).isEqualTo(16);
            assertThat(backlog.path("appended").asLong()).isEqualTo(16);
            assertThat(backlog.path("appendRate").asDouble()).as("6 appended between samples").isGreaterThan(0);
            assertThat(backlog.path("appendRateExact").asBoolean()).isTrue();
            assertThat(backlog.path("depthRate").asDouble()).isGreaterThan(0);
            assertThat(backlog.path("windowRate").asDouble()).isZero();
            JsonNode work = stream(status, "work");
            assertThat(work.path("pending").asLong()).isZero();
            assertThat(work.path("appended").asLong()).isEqualTo(20);
            assertThat(work.path("consumers").asInt()).isEqualTo(1);
            assertThat(status.path("totals").path("pending").asLong()).isEqualTo(16);
            assertThat(status.path("totals").path("streams").asInt()).isEqualTo(2);
            assertThat(status.path("totals").path("consumersRunning").asInt()).isEqualTo(1);

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

            consumer.stop();
            sampler.sample();
            JsonNode after = JSON.readTree(sampler.statusJson());
            assertThat(after.path("consumers").get(0).path("state").asText()).isEqualTo("stopped");
            assertThat(after.path("consumers").get(0).path("windowRate").asDouble()).isZero();
            assertThat(after.path("totals").path("consumersRunning").asInt()).isZero();
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

    @Test
    void onAStoreWithoutActivityTheAppendRateIsTheGrowthAndNoConsumersAreListed() throws Exception {
        try (StreamStore memory = new MemoryStoreProvider().open("memory:");
             Minibatch mb = Minibatch.builder().store(new CountsOnly(memory)).build()) {
            StatusSampler sampler = new StatusSampler(mb, Duration.ofSeconds(1), 10, Clock.systemUTC());
            mb.stream("s").appendAll(values(3));
            sampler.sample();
            Thread.sleep(50);
            mb.stream("s").appendAll(values(4));
            sampler.sample();
            JsonNode status = JSON.readTree(sampler.statusJson());
            assertThat(status.path("heartbeats").asBoolean()).isFalse();
            JsonNode s = stream(status, "s");
            assertThat(s.path("pending").asLong()).isEqualTo(7);
            assertThat(s.has("appended")).isFalse();
            assertThat(s.path("appendRateExact").asBoolean()).isFalse();
            assertThat(s.path("appendRate").asDouble()).isGreaterThan(0);
            assertThat(status.path("consumers")).isEmpty();
            assertThat(status.path("notes").path("windowRate").asText()).contains("keeps no consumer heartbeats");
            sampler.close();
        }
    }

    /** A store with the counting part of the SPI only, like a store without heartbeats. */
    private record CountsOnly(StreamStore delegate) implements StreamStore {
        @Override
        public String url() {
            return delegate.url();
        }

        @Override
        public StreamInfo openStream(String name, Duration interval, Instant now) {
            return delegate.openStream(name, interval, now);
        }

        @Override
        public Optional<StreamInfo> findStream(String name) {
            return delegate.findStream(name);
        }

        @Override
        public List<StreamInfo> listStreams() {
            return delegate.listStreams();
        }

        @Override
        public void append(String stream, List<NewMessage> messages) {
            delegate.append(stream, messages);
        }

        @Override
        public List<Message> read(String stream, Selection selection, List<MessageState> states) {
            return delegate.read(stream, selection, states);
        }

        @Override
        public Claim claim(String stream, Selection selection, Lease lease) {
            return delegate.claim(stream, selection, lease);
        }

        @Override
        public boolean renew(String stream, String token, Instant expiresAt) {
            return delegate.renew(stream, token, expiresAt);
        }

        @Override
        public int commit(String stream, String token, boolean keep) {
            return delegate.commit(stream, token, keep);
        }

        @Override
        public int release(String stream, String token, Instant availableAt, String error) {
            return delegate.release(stream, token, availableAt, error);
        }

        @Override
        public int deadLetter(String stream, String token, String deadStream, String error, Instant now) {
            return delegate.deadLetter(stream, token, deadStream, error, now);
        }

        @Override
        public boolean compareAndSetLastRead(String stream, Instant expected, Instant next, Instant now) {
            return delegate.compareAndSetLastRead(stream, expected, next, now);
        }

        @Override
        public StreamStats stats(String stream) {
            return delegate.stats(stream);
        }

        @Override
        public int expire(String stream, Instant cutoff) {
            return delegate.expire(stream, cutoff);
        }

        @Override
        public int clear(String stream) {
            return delegate.clear(stream);
        }

        @Override
        public void close() {
            delegate.close();
        }
    }
}
