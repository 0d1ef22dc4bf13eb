package dev.minibatch.kafka.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.minibatch.Minibatch;
import dev.minibatch.Stream;
import dev.minibatch.kafka.KafkaBroker;
import dev.minibatch.kafka.KafkaCluster;
import dev.minibatch.model.ConfigurationException;
import dev.minibatch.model.ConsumerHandle;
import dev.minibatch.model.Message;
import dev.minibatch.spi.store.Selection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Bad input and bad servers on {@code kafka://}: each fails at once with an error that says what is
 * wrong and names it (the URL, the servers, the option, the feature and how to enable it, the stream,
 * the size limit), and leaves nothing half done.
 */
class KafkaStoreBadInputTest {

    private static final AtomicInteger RUNS = new AtomicInteger();

    private static String freshUrl() throws Exception {
        return "kafka://" + KafkaCluster.shared().bootstrapServers() + "/?prefix=bad" + ProcessHandle.current().pid()
                + "-" + RUNS.incrementAndGet() + ".&partitions=2&replication=3&minInsync=2";
    }

    @Test
    void anUnreachableBootstrapServerFailsWithinSecondsNamingTheServers() {
        long t0 = System.nanoTime();
        Throwable error = catchThrowable(() -> Minibatch.builder().url("kafka://127.0.0.1:1/").shutdownHook(false).build()
                .close());
        double seconds = (System.nanoTime() - t0) / 1e9;
        System.out.printf("unreachable bootstrap: failed after %.1f s with %s%n", seconds, error);
        assertThat(error).as("connecting to nothing fails").isNotNull();
        assertThat(messages(error)).contains("127.0.0.1:1");
        assertThat(seconds).as("fails within seconds").isLessThan(30);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "?bogus=1                             | bogus",
        "?partitions=abc                      | partitions",
        "?partitions=0                        | partitions",
        "?partitions=99999999999              | partitions",
        "?replication=three                   | replication",
        "?replication=0                       | replication",
        "?replication=40000                   | replication",
        "?minInsync=-1                        | minInsync",
        "?replication=3&minInsync=4           | minInsync",
        "?lanes=0                             | lanes",
        "?connectTimeout=soon                 | connectTimeout",
        "?prefix=no%20spaces                  | prefix",
        "?kafka.bootstrap.servers=other:9092  | bootstrap.servers",
        "?kafka.acks=1                        | acks",
    })
    void aBadUrlOptionIsAConfigurationErrorNamingTheOption(String query, String option) {
        String url = "kafka://127.0.0.1:1/" + query;
        long t0 = System.nanoTime();
        Throwable error = catchThrowable(() -> Minibatch.builder().url(url).shutdownHook(false).build().close());
        System.out.printf("%s -> %s%n", url, error);
        assertThat(error).isInstanceOf(ConfigurationException.class);
        assertThat(error.getMessage()).containsIgnoringCase(option);
        assertThat((System.nanoTime() - t0) / 1e9).as("rejected before any connection attempt").isLessThan(5);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "kafka://               | broker",
        "kafka:///?partitions=2 | broker",
        "kafka://localhost/     | localhost",
        "kafka://host:port/     | host:port",
    })
    void aUrlWithoutUsableServersIsAConfigurationError(String url, String named) {
        Throwable error = catchThrowable(() -> Minibatch.builder().url(url).shutdownHook(false).build().close());
        System.out.printf("%s -> %s%n", url, error);
        assertThat(error).isInstanceOf(ConfigurationException.class);
        assertThat(error.getMessage()).contains(named);
    }

    @Test
    void aClusterWithoutShareGroupsIsAClearErrorNamingTheFeatureAndTheCommandThatEnablesIt() throws Exception {
        Path dir = Path.of("target", "kafka-no-share-" + ProcessHandle.current().pid() + "-" + RUNS.incrementAndGet())
                .toAbsolutePath();
        KafkaBroker.deleteRecursively(dir);
        try (KafkaBroker broker = KafkaBroker.start(dir, List.of("--feature", "share.version=0"))) {
            String url = "kafka://" + broker.bootstrapServers() + "/?partitions=1";
            try (Minibatch mb = Minibatch.builder().url(url).shutdownHook(false).build()) {
                mb.stream("jobs").append(Map.of("n", 1)); // appending needs no share group
                long t0 = System.nanoTime();
                Throwable error = catchThrowable(() -> {
                    ConsumerHandle handle = mb.streaming("jobs").size(1).start(window -> { });
                    try {
                        KafkaDeadLetterTest.await("the consumer to fail", Duration.ofSeconds(30),
                                () -> handle.failure() != null || !handle.isRunning());
                        throw handle.failure() != null ? handle.failure()
                                : new AssertionError("the consumer stopped without a failure");
                    } finally {
                        handle.stop();
                    }
                });
                System.out.printf("share.version=0: failed after %.1f s with %s%n", (System.nanoTime() - t0) / 1e9, error);
                assertThat(error).as("consuming without share groups fails").isNotNull();
                assertThat(messages(error)).contains("share.version").contains("kafka-features.sh")
                        .contains("--bootstrap-server " + broker.bootstrapServers())
                        .contains("upgrade --feature share.version=1");
            }
        } finally {
            KafkaBroker.deleteRecursively(dir);
        }
    }

    @Test
    void anInvalidStreamNameIsAClearError() throws Exception {
        try (Minibatch mb = Minibatch.builder().url(freshUrl()).shutdownHook(false).build()) {
            for (String name : List.of("bad name", "a/b", "ümlaut", "x".repeat(300))) {
                Throwable error = catchThrowable(() -> mb.stream(name).append(Map.of("n", 1)));
                System.out.printf("stream name '%s' -> %s%n", name.length() > 20 ? name.substring(0, 20) + "…" : name, error);
                assertThat(error).as("stream name '%s'", name).isInstanceOf(IllegalArgumentException.class);
                assertThat(error.getMessage()).as("names the stream").contains(name.length() > 40 ? name.substring(0, 40) : name);
            }
        }
    }

    @Test
    void anOversizedMessageIsAClearErrorAndWhatWasAppendedBeforeIsStillThere() throws Exception {
        String huge = "x".repeat(2 * 1024 * 1024); // over the topic's max.message.bytes (Kafka's default, about 1 MiB)
        String url = freshUrl();
        // the client's own limit (1 MiB by default) is checked first, before the store sees the message
        try (Minibatch mb = Minibatch.builder().url(url).shutdownHook(false).build()) {
            Throwable client = catchThrowable(() -> mb.stream("uploads").append(Map.of("n", -1, "blob", huge)));
            System.out.println("oversized message, client limit -> " + client);
            assertThat(client).isNotNull();
            assertThat(client.getMessage()).contains("uploads").contains("bytes");
        }
        // with the client's limit raised, the store checks the topic's max.message.bytes
        try (Minibatch mb = Minibatch.builder().url(url).maxMessageBytes(16 * 1024 * 1024).shutdownHook(false).build()) {
            Stream s = mb.stream("uploads");
            List<Map<String, Object>> before = new ArrayList<>();
            for (int n = 0; n < 10; n++) {
                before.add(Map.of("n", n));
            }
            s.appendAll(before);
            s.append(Map.of("n", 10));

            Throwable alone = catchThrowable(() -> s.append(Map.of("n", 11, "blob", huge)));
            System.out.println("oversized message -> " + alone);
            assertThat(alone).isInstanceOf(IllegalArgumentException.class);
            assertThat(alone.getMessage()).contains("uploads").contains("max.message.bytes");

            Throwable inBatch = catchThrowable(() -> s.appendAll(List.of(Map.of("n", 12), Map.of("n", 13, "blob", huge))));
            System.out.println("oversized message in a batch -> " + inBatch);
            assertThat(inBatch).isInstanceOf(IllegalArgumentException.class);
            assertThat(inBatch.getMessage()).contains("max.message.bytes");

            List<Message> there = mb.store().read("uploads", Selection.pending().limit(100), null);
            List<Integer> numbers = there.stream().map(m -> m.data().get("n").asInt()).sorted().toList();
            assertThat(numbers).as("everything appended before is there, nothing of the failed appends")
                    .containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
            assertThat(s.stats().pending()).as("stats().pending() with 11 messages (10 in one transaction, 1 alone)")
                    .isEqualTo(11);
        }
    }

    private static String messages(Throwable error) {
        StringBuilder out = new StringBuilder();
        for (Throwable t = error; t != null && out.length() < 10_000; t = t.getCause()) {
            out.append(t).append(" / ");
        }
        return out.toString();
    }
}
