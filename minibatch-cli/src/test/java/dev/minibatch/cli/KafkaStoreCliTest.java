package dev.minibatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.minibatch.Minibatch;
import dev.minibatch.cli.CliProcess.Result;
import dev.minibatch.kafka.KafkaBroker;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real command in a child JVM on the {@code kafka://} store of a real broker (the Kafka
 * module's {@link KafkaBroker}, share groups on): append, streams, buffer, consume, dead letters
 * and {@code serve}'s status. Each test has a topic prefix of its own, so {@code streams} lists
 * only its streams. The store is on the command's class path here (CliProcess leaves it off for the
 * other tests); from the distribution it comes out of the kafka plugin (DistributionIT).
 */
class KafkaStoreCliTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private String url;

    @BeforeEach
    void store() throws Exception {
        String prefix = "cli" + UUID.randomUUID().toString().substring(0, 8) + ".";
        url = "kafka://" + KafkaBroker.shared().bootstrapServers() + "/?prefix=" + prefix + "&partitions=3";
    }

    private Result mb(String stdin, String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of(args));
        all.add("--url");
        all.add(url);
        return CliProcess.runWithKafka(dir, stdin, Duration.ofSeconds(90), all.toArray(String[]::new));
    }

    private static String ndjson(int from, int to) {
        return IntStream.range(from, to).mapToObj(i -> "{\"i\":" + i + "}").collect(Collectors.joining("\n")) + "\n";
    }

    private static List<JsonNode> parseLines(String text) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (String line : text.strip().split("\n")) {
            if (!line.isBlank()) {
                out.add(JSON.readTree(line));
            }
        }
        return out;
    }

    /** {@code streams --json}, run again until {@code condition} holds for its rows (the counts of a log settle late). */
    private List<JsonNode> streamsUntil(String what, Predicate<List<JsonNode>> condition) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(45).toNanos();
        while (true) {
            Result r = mb(null, "streams", "--json");
            assertThat(r.exitCode()).as(r.toString()).isZero();
            List<JsonNode> rows = parseLines(r.stdout());
            if (condition.test(rows)) {
                return rows;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("streams never showed " + what + "; last:\n" + r);
            }
            Thread.sleep(200);
        }
    }

    private static long count(List<JsonNode> rows, String stream, String field) {
        return rows.stream().filter(n -> n.path("name").asText().equals(stream)).mapToLong(n -> n.path(field).asLong(-1))
                .findFirst().orElse(-1);
    }

    private static List<Integer> values(String stdout) throws Exception {
        List<Integer> seen = new ArrayList<>();
        for (JsonNode n : parseLines(stdout)) {
            seen.add(n.path("i").asInt());
        }
        return seen;
    }

    @Test
    void appendStreamsBufferAndConsumeOnKafka() throws Exception {
        Result none = mb(null, "streams");
        assertThat(none.exitCode()).as(none.toString()).isZero();
        assertThat(none.stderr()).contains("no streams in");

        Result append = mb(ndjson(0, 10), "append", "orders");
        assertThat(append.exitCode()).as(append.toString()).isZero();
        assertThat(append.stderr()).contains("appended 10 messages to 'orders'");

        // (the exact pending count after a batched append: streamsCountsEachMessageOfABatchedAppendOnce)
        List<JsonNode> rows = streamsUntil("orders with messages pending", r -> count(r, "orders", "pending") >= 10);
        assertThat(rows).extracting(n -> n.path("name").asText()).containsExactly("orders");
        assertThat(count(rows, "orders", "claimed")).isZero();
        assertThat(count(rows, "orders", "dead")).isZero();

        // buffer peeks without consuming: every record, in no promised order across partitions
        Result buffer = mb(null, "buffer", "orders", "--values");
        assertThat(buffer.exitCode()).as(buffer.toString()).isZero();
        assertThat(values(buffer.stdout())).containsExactlyInAnyOrderElementsOf(IntStream.range(0, 10).boxed().toList());
        Result peek = mb(null, "buffer", "orders", "--limit", "3");
        assertThat(parseLines(peek.stdout())).hasSize(3).allSatisfy(n -> assertThat(n.path("state").asText()).isEqualTo("pending"));
        assertThat(peek.stderr()).contains("(showing the first 3; the stream holds");

        Result consume = mb(null, "consume", "orders", "--size", "4", "--max-windows", "2");
        assertThat(consume.exitCode()).as(consume.toString()).isZero();
        List<JsonNode> windows = parseLines(consume.stdout());
        assertThat(windows).hasSize(2).allSatisfy(w -> assertThat(w.path("size").asInt()).isEqualTo(4));
        List<Integer> consumed = new ArrayList<>();
        windows.forEach(w -> w.path("data").forEach(v -> consumed.add(v.path("i").asInt())));
        assertThat(consumed).doesNotHaveDuplicates().hasSize(8);
        assertThat(consume.stderr()).contains("consumed 2 windows (8 messages) from 'orders'");

        // committed records are acknowledged, the two others released when the command ended: buffer shows
        // those two (and may show acknowledged records past the share group's start offset: LogReader)
        List<Integer> expected = new ArrayList<>(IntStream.range(0, 10).boxed().toList());
        expected.removeAll(consumed);
        assertThat(values(mb(null, "buffer", "orders", "--values").stdout())).containsAll(expected).doesNotHaveDuplicates();
        streamsUntil("orders with nothing claimed", r -> count(r, "orders", "claimed") == 0);
    }

    @Test
    void streamsCountsEachMessageOfASingleAppendOnce() throws Exception {
        // one message per append: no Kafka transaction, so no commit marker in the topic
        Result append = mb(ndjson(0, 4), "append", "orders", "--batch", "1");
        assertThat(append.exitCode()).as(append.toString()).isZero();
        streamsUntil("orders with 4 pending", r -> count(r, "orders", "pending") == 4);
    }

    @Test
    void streamsCountsEachMessageOfABatchedAppendOnce() throws Exception {
        Result append = mb(ndjson(0, 10), "append", "orders");
        assertThat(append.exitCode()).as(append.toString()).isZero();
        streamsUntil("orders with 10 pending", r -> count(r, "orders", "pending") == 10);
    }

    @Test
    void deadLettersAreShownAndCounted() throws Exception {
        assertThat(mb("{\"i\":1}\n", "append", "orders").exitCode()).isZero();
        try (Minibatch mb = Minibatch.connect(url)) {
            mb.stream("orders").deadLetter(Map.of("i", 99), "boom: cannot parse");
        }
        Result dead = mb(null, "dead", "orders");
        assertThat(dead.exitCode()).as(dead.toString()).isZero();
        assertThat(parseLines(dead.stdout())).singleElement().satisfies(letter -> {
            assertThat(letter.path("data").path("i").asInt()).isEqualTo(99);
            assertThat(letter.path("error").asText()).isEqualTo("boom: cannot parse");
        });
        assertThat(dead.stderr()).contains("1 dead letter in 'orders.dead'");

        // the dead-letter stream is folded into its stream's row
        List<JsonNode> rows = streamsUntil("orders with 1 dead", r -> count(r, "orders", "dead") == 1);
        assertThat(rows).extracting(n -> n.path("name").asText()).containsExactly("orders");
    }

    @Test
    void deadLettersAreRequeued() throws Exception {
        assertThat(mb("{\"i\":1}\n", "append", "orders").exitCode()).isZero();
        try (Minibatch mb = Minibatch.connect(url)) {
            mb.stream("orders").deadLetter(Map.of("i", 99), "boom: cannot parse");
        }
        Result requeue = mb(null, "dead", "orders", "--requeue");
        assertThat(requeue.exitCode()).as(requeue.toString()).isZero();
        assertThat(requeue.stderr()).contains("requeued 1 message from 'orders.dead' to 'orders'");
        assertThat(values(mb(null, "buffer", "orders", "--values").stdout())).containsExactlyInAnyOrder(1, 99);
        streamsUntil("orders with 0 dead", r -> count(r, "orders", "dead") == 0);
        assertThat(mb(null, "dead", "orders").stderr()).contains("0 dead letters in 'orders.dead'");
    }

    @Test
    void aClearedStreamShowsNothingPending() throws Exception {
        // the command has no 'clear'; Stream.clear() deletes the topic's records (deleteRecords)
        assertThat(mb(ndjson(0, 10), "append", "orders").exitCode()).isZero();
        try (Minibatch mb = Minibatch.connect(url)) {
            assertThat(mb.stream("orders").clear()).isGreaterThanOrEqualTo(10); // offsets: the append's marker too
        }
        Result buffer = mb(null, "buffer", "orders");
        assertThat(buffer.exitCode()).as(buffer.toString()).isZero();
        assertThat(buffer.stdout()).isBlank();
        streamsUntil("orders with nothing pending", r -> count(r, "orders", "pending") == 0);
    }

    @Test
    void serveShowsTheKafkaStreamsAndTheirCounts() throws Exception {
        // one message per append: a batched append's count is off by its commit marker (see above)
        assertThat(mb(ndjson(0, 5), "append", "readings", "--batch", "1").exitCode()).isZero();
        try (CliProcess serve = CliProcess.startWithKafka(dir, Map.of("MINIBATCH_TOKEN", "s3cret"),
                "serve", "--url", url, "--port", "0", "--sample", "200ms")) {
            URI base = ServeHttpTest.awaitAddress(serve);
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            // until the first sample is taken, /status is a placeholder with "sampling": true
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            JsonNode status;
            do {
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(base.resolve("status"))
                        .header("Authorization", "Bearer s3cret").timeout(Duration.ofSeconds(10)).GET().build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
                status = JSON.readTree(response.body());
                assertThat(System.nanoTime()).as("a sample within 30 s: " + status).isLessThan(deadline);
                Thread.sleep(100);
            } while (status.has("sampling"));
            assertThat(status.has("error")).as(status.toString()).isFalse();
            assertThat(status.path("store").asText()).isEqualTo(url);
            List<JsonNode> streams = new ArrayList<>();
            status.path("streams").forEach(streams::add);
            assertThat(streams).as(status.toString()).singleElement().satisfies(s -> {
                assertThat(s.path("name").asText()).isEqualTo("readings");
                assertThat(s.path("pending").asLong()).isEqualTo(5);
                assertThat(s.path("claimed").asLong()).isZero();
                assertThat(s.path("dead").asLong()).isZero();
            });
        }
    }
}
