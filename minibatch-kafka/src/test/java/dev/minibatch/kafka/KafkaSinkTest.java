package dev.minibatch.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.fasterxml.jackson.databind.JsonNode;
import dev.minibatch.model.ConsumerHandle;
import dev.minibatch.Minibatch;
import dev.minibatch.Stream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** KafkaSink against a real broker: encoding, keys, expansion, provider use, bounded failures. */
class KafkaSinkTest {

    private static KafkaBroker broker;
    private static String servers;

    @BeforeAll
    static void broker() throws Exception {
        broker = KafkaBroker.shared();
        servers = broker.bootstrapServers();
    }

    private static String topic(String prefix) throws Exception {
        String name = prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
        broker.createTopic(name, 1);
        return name;
    }

    private static String text(byte[] bytes) {
        return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
    }

    @Test
    void listsAreExpandedIntoOneRecordPerElementWithKeysFromAJsonPointer() throws Exception {
        String topic = topic("expand");
        try (KafkaSink sink = new KafkaSink(topic, servers, Map.of("key", "/user/id"))) {
            Map<String, Object> a = Map.of("user", Map.of("id", "u1"), "n", 1);
            Map<String, Object> b = Map.of("user", Map.of("id", 42), "n", 2);
            Map<String, Object> c = Map.of("n", 3); // no key field: no key
            sink.put(List.of(a, b, c));
            sink.put(new Object[] {Map.of("n", 4), null});
            sink.put(Map.of("n", 5, "at", Instant.parse("2024-01-02T03:04:05Z"))); // not a list: one record
            sink.flush();
        }
        List<ConsumerRecord<byte[], byte[]>> records =
                TestKafka.readUntil(servers, topic, Duration.ofSeconds(60), r -> r.size() >= 6);
        assertThat(records).hasSize(6);
        assertThat(records.stream().map(r -> text(r.key())).collect(Collectors.toList()))
                .containsExactly("u1", "42", null, null, null, null);
        assertThat(text(records.get(4).value())).isEqualTo("null");
        JsonNode last = TestKafka.json(records.get(5).value());
        assertThat(last.get("n").asInt()).isEqualTo(5);
        assertThat(last.get("at").asText()).isEqualTo("2024-01-02T03:04:05Z");
    }

    @Test
    void withoutExpandAListIsOneRecordAndAPlainFieldNameNamesTheKey() throws Exception {
        String topic = topic("noexpand");
        try (KafkaSink sink = new KafkaSink(topic, servers, Map.of("expand", "false", "key", "name"))) {
            sink.put(Arrays.asList(1, 2, 3));
            sink.put(Map.of("name", "bob", "age", 7));
            sink.flush();
        }
        List<ConsumerRecord<byte[], byte[]>> records =
                TestKafka.readUntil(servers, topic, Duration.ofSeconds(60), r -> r.size() >= 2);
        assertThat(records).hasSize(2);
        assertThat(text(records.get(0).value())).isEqualTo("[1,2,3]");
        assertThat(text(records.get(1).key())).isEqualTo("bob");
    }

    @Test
    void aConsumerUsesTheSinkByProviderNameAndClosesIt() throws Exception {
        String topic = topic("provider");
        try (Minibatch mb = Minibatch.connect("memory:")) {
            Stream stream = mb.stream("by-name");
            for (int i = 0; i < 30; i++) {
                stream.append(Map.of("id", i));
            }
            ConsumerHandle consumer = mb.streaming("by-name").size(10)
                    .sink("kafka", Map.of("topic", topic, "bootstrap.servers", servers, "key", "id"))
                    .map(window -> window.data().stream().map(d -> Map.of("id", d.get("id").asInt(), "doubled",
                            d.get("id").asInt() * 2)).collect(Collectors.toList()))
                    .start();
            List<ConsumerRecord<byte[], byte[]>> records =
                    TestKafka.readUntil(servers, topic, Duration.ofSeconds(60), r -> r.size() >= 30);
            consumer.stop();
            assertThat(consumer.failure()).isNull();
            assertThat(records).hasSize(30);
            for (ConsumerRecord<byte[], byte[]> r : records) {
                JsonNode v = TestKafka.json(r.value());
                assertThat(v.get("doubled").asInt()).isEqualTo(2 * v.get("id").asInt());
                assertThat(text(r.key())).isEqualTo(v.get("id").asText());
            }
        }
    }

    @Test
    void unreachableBootstrapServersFailTheWindowWithAClearErrorWithinBoundedTime() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            port = s.getLocalPort();
        }
        String nowhere = "127.0.0.1:" + port;
        try (KafkaSink sink = new KafkaSink("out", nowhere, Map.of("timeout", "2s"))) {
            Throwable error = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
                try {
                    sink.put(List.of(Map.of("x", 1)));
                    sink.flush();
                    return null;
                } catch (RuntimeException e) {
                    return e;
                }
            });
            assertThat(error).isInstanceOf(KafkaUnavailableException.class)
                    .hasMessageContaining(nowhere)
                    .hasMessageContaining("'out'")
                    .hasMessageContaining("2s");
        }

        // through a consumer: the window fails and stays in the stream for a retry
        try (Minibatch mb = Minibatch.connect("memory:");
             KafkaSink sink = new KafkaSink("out", nowhere, Map.of("timeout", "1s"))) {
            Stream stream = mb.stream("undeliverable");
            stream.append(Map.of("x", 1));
            ConsumerHandle consumer = mb.streaming("undeliverable").size(1).maxAttempts(100)
                    .backoff(Duration.ofMillis(10), Duration.ofMillis(10)).sink(sink).start(w -> { });
            assertThat(TestKafka.await(Duration.ofSeconds(60), () -> consumer.stats().failures() >= 2)).isTrue();
            consumer.stop();
            assertThat(consumer.stats().windows()).isZero();
            assertThat(stream.buffer()).hasSize(1);
            assertThat(stream.deadLetters().buffer()).isEmpty();
        }
    }

    @Test
    void optionsAreCheckedWhenTheSinkIsCreated() {
        assertThatThrownBy(() -> new KafkaSink("t", servers, Map.of("acks", "2")))
                .hasMessageContaining("'acks'").hasMessageContaining("all, 1 or 0");
        assertThatThrownBy(() -> new KafkaSink("a,b", servers, Map.of()))
                .hasMessageContaining("one topic");
        assertThatThrownBy(() -> new KafkaSink("t", servers, Map.of("kafka.acks", "1")))
                .hasMessageContaining("kafka.acks").hasMessageContaining("use the option 'acks'");
        assertThatThrownBy(() -> new KafkaSink("t", servers, Map.of("kafka.linger.ms", "soon")))
                .isInstanceOf(dev.minibatch.model.ConfigurationException.class).hasMessageContaining("linger.ms");
        try (KafkaSink sink = new KafkaSink("t", servers, Map.of("acks", "1"))) {
            assertThat(sink.toString()).contains("t @ " + servers);
        }
    }
}
