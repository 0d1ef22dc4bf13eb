package dev.minibatch.cli.status;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.minibatch.Minibatch;
import dev.minibatch.spi.store.Claim;
import dev.minibatch.spi.store.CommitEffects;
import dev.minibatch.spi.store.Lease;
import dev.minibatch.spi.store.Selection;
import dev.minibatch.spi.store.StateUpdate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The {@code tables} part of {@code /status}, sampled from a memory store on a clock the test moves. */
class TableStatusSamplerTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A clock the test sets. */
    static final class TestClock extends Clock {
        volatile Instant now = Instant.parse("2026-12-01T12:00:00Z");

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    /** Writes {@code values} into {@code table} through the store's commit, as a consumer does. */
    private static void write(Minibatch mb, String table, Map<String, ?> values) {
        mb.stream("feed").append(Map.of("n", 1));
        Instant now = Instant.now();
        Claim claim = mb.store().claim("feed", Selection.pending(),
                new Lease(UUID.randomUUID().toString(), "test", now, now.plusSeconds(30)));
        List<StateUpdate> updates = new ArrayList<>();
        values.forEach((k, v) -> updates.add(StateUpdate.put(table, k, mb.mapper().valueToTree(v))));
        assertThat(mb.tableStore().commitWithState("feed", claim.token(), false, claim.messages().size(),
                CommitEffects.of(updates, now))).isEqualTo(claim.messages().size());
    }

    private static JsonNode table(JsonNode status, String name) {
        for (JsonNode t : status.path("tables")) {
            if (t.path("name").asText().equals(name)) {
                return t;
            }
        }
        throw new AssertionError("no table " + name + " in " + status);
    }

    @Test
    void listsTablesWithSizeUpdateRateAndAPreview() throws Exception {
        TestClock clock = new TestClock();
        try (Minibatch mb = Minibatch.connect("memory:");
             StatusSampler sampler = new StatusSampler(mb, Duration.ofSeconds(1), 10, clock)) {
            sampler.sample();
            JsonNode empty = JSON.readTree(sampler.statusJson());
            assertThat(empty.path("tablesKept").asBoolean()).isTrue();
            assertThat(empty.path("tables")).isEmpty();
            assertThat(empty.path("totals").path("tables").asLong()).isZero();

            Map<String, Object> first = new LinkedHashMap<>();
            for (char c = 'a'; c <= 'g'; c++) {
                first.put(String.valueOf(c), c - 'a' + 1);
            }
            first.put("aa-big", "x".repeat(200));
            write(mb, "counts", first);
            sampler.sample();
            JsonNode counts = table(JSON.readTree(sampler.statusJson()), "counts");
            assertThat(counts.path("size").asLong()).isEqualTo(8);
            assertThat(counts.path("updates").asLong()).isEqualTo(8);
            assertThat(counts.path("updateRate").asDouble()).as("one sample: no rate yet").isZero();
            assertThat(counts.path("lastUpdate").asText()).endsWith("Z");
            JsonNode preview = counts.path("preview");
            assertThat(preview).extracting(p -> p.path("key").asText()).containsExactly("a", "aa-big", "b", "c", "d");
            assertThat(preview.get(0).path("value").asText()).isEqualTo("1");
            String cut = preview.get(1).path("value").asText();
            assertThat(cut).hasSize(StatusSampler.PREVIEW_CHARS + 1).startsWith("\"xxx").endsWith("…");

            Map<String, Object> more = new LinkedHashMap<>();
            for (int i = 0; i < 10; i++) {
                more.put("n" + i, i);
            }
            write(mb, "counts", more);
            clock.advance(Duration.ofSeconds(2));
            sampler.sample();
            JsonNode status = JSON.readTree(sampler.statusJson());
            counts = table(status, "counts");
            assertThat(counts.path("size").asLong()).isEqualTo(18);
            assertThat(counts.path("updateRate").asDouble()).as("10 updates in 2 s").isEqualTo(5.0);
            assertThat(status.path("totals").path("tables").asLong()).isEqualTo(1);
            assertThat(status.path("notes").path("tables").asText()).contains("update rate");

            // no updates for longer than the rate window: the rate falls to zero
            clock.advance(StatusSampler.RATE_WINDOW.plusSeconds(1));
            sampler.sample();
            clock.advance(Duration.ofSeconds(1));
            sampler.sample();
            assertThat(table(JSON.readTree(sampler.statusJson()), "counts").path("updateRate").asDouble()).isZero();

            assertThat(mb.table("counts").drop()).isTrue();
            sampler.sample();
            assertThat(JSON.readTree(sampler.statusJson()).path("tables")).isEmpty();
        }
    }
}
