package dev.minibatch.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.minibatch.Attachment;
import dev.minibatch.model.Message;
import dev.minibatch.Minibatch;
import dev.minibatch.Stream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** KafkaSource against a real broker: decoding, dead letters, metadata, cancel and restart, errors. */
class KafkaSourceTest {

    private static KafkaBroker broker;
    private static String servers;

    @BeforeAll
    static void broker() throws Exception {
        broker = KafkaBroker.shared();
        servers = broker.bootstrapServers();
    }

    private static String topic(String prefix, int partitions) throws Exception {
        String name = prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
        broker.createTopic(name, partitions);
        return name;
    }

    private static void send(String topic, byte[] key, byte[] value, RecordHeader... headers) throws Exception {
        try (KafkaProducer<byte[], byte[]> p = TestKafka.producer(servers)) {
            ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(topic, 0, 1_700_000_000_000L, key, value, List.of(headers));
            p.send(r).get(30, TimeUnit.SECONDS);
        }
    }

    private static List<JsonNode> values(Stream stream) {
        return stream.buffer().stream().map(Message::data).collect(Collectors.toList());
    }

    @Test
    void malformedRecordsGoToDeadLettersWithTheirRawBytesAndTheSourceCarriesOn(@TempDir Path tmp) throws Exception {
        String topic = topic("malformed", 1);
        byte[] invalidUtf8 = {(byte) 0xff, (byte) 0xfe, (byte) 0x00, (byte) 0x41};
        List<byte[]> bad = List.of(TestKafka.utf8("{not json"), new byte[0], invalidUtf8, TestKafka.utf8("1 2"),
                TestKafka.utf8("   "));
        send(topic, null, TestKafka.utf8("{\"id\":0}"));
        for (byte[] b : bad) {
            send(topic, TestKafka.utf8("bad"), b);
        }
        send(topic, TestKafka.utf8("tomb"), null);
        send(topic, null, TestKafka.utf8("{\"id\":1}"));

        try (Minibatch mb = Minibatch.connect("sqlite:" + tmp.resolve("mb.db"))) {
            Stream stream = mb.stream("malformed");
            Attachment source = stream.attach(new KafkaSource(topic, servers));
            assertThat(TestKafka.await(Duration.ofSeconds(60), () -> stream.buffer().size() == 2
                    && stream.deadLetters().buffer().size() == bad.size() + 1)).as("records decoded or dead-lettered").isTrue();
            // the source is still reading: a later valid record arrives
            send(topic, null, TestKafka.utf8("{\"id\":2}"));
            assertThat(TestKafka.await(Duration.ofSeconds(60), () -> stream.buffer().size() == 3)).isTrue();
            assertThat(source.isRunning()).isTrue();
            source.stop();
            assertThat(source.failure()).isNull();

            assertThat(values(stream).stream().map(v -> v.get("id").asInt())).containsExactly(0, 1, 2);
            List<Message> dead = stream.deadLetters().buffer();
            for (int i = 0; i < bad.size(); i++) {
                Message m = dead.get(i);
                assertThat(m.data().get("topic").asText()).isEqualTo(topic);
                assertThat(m.data().get("partition").asInt()).isZero();
                assertThat(m.data().get("offset").asLong()).isEqualTo(i + 1);
                assertThat(m.data().get("key").asText()).isEqualTo("bad");
                assertThat(Base64.getDecoder().decode(m.data().get("value_base64").asText())).isEqualTo(bad.get(i));
                assertThat(m.error()).startsWith("invalid JSON in Kafka record " + topic + "-0@" + (i + 1) + ": ");
            }
            Message tombstone = dead.get(bad.size());
            assertThat(tombstone.data().get("value_base64").isNull()).isTrue();
            assertThat(tombstone.data().get("key").asText()).isEqualTo("tomb");
            assertThat(tombstone.error()).contains("tombstone");

            // offsets of dead-lettered records were committed too: a new source re-reads nothing
            send(topic, null, TestKafka.utf8("{\"id\":3}"));
            Attachment again = stream.attach(new KafkaSource(topic, servers));
            assertThat(TestKafka.await(Duration.ofSeconds(60), () -> stream.buffer().size() == 4)).isTrue();
            again.stop();
            assertThat(values(stream).stream().map(v -> v.get("id").asInt())).containsExactly(0, 1, 2, 3);
            assertThat(stream.deadLetters().buffer()).hasSize(bad.size() + 1);
        }
    }

    @Test
    void recordsLargerThanTheStreamAcceptsAreDeadLetteredAndTheOthersAppended() throws Exception {
        String topic = topic("large", 1);
        String big = "x".repeat(2_000);
        send(topic, null, TestKafka.utf8("{\"id\":0}"));
        send(topic, null, TestKafka.utf8("{\"id\":1,\"blob\":\"" + big + "\"}"));
        send(topic, null, TestKafka.utf8("{broken " + big));
        send(topic, null, TestKafka.utf8("{\"id\":2}"));
        try (Minibatch mb = Minibatch.builder().url("memory:").maxMessageBytes(1_000).build()) {
            Stream stream = mb.stream("large");
            Attachment source = stream.attach(new KafkaSource(topic, servers));
            assertThat(TestKafka.await(Duration.ofSeconds(60), () -> stream.buffer().size() == 2
                    && stream.deadLetters().buffer().size() == 2)).isTrue();
            source.stop();
            assertThat(source.failure()).isNull();
            assertThat(values(stream).stream().map(v -> v.get("id").asInt())).containsExactly(0, 2);
            List<Message> dead = stream.deadLetters().buffer();
            assertThat(dead).extracting(m -> m.data().get("offset").asLong()).containsExactlyInAnyOrder(1L, 2L);
            for (Message m : dead) {
                assertThat(m.data().has("value_base64")).isFalse();
                assertThat(m.data().get("value_size").asInt()).isGreaterThan(2_000);
                assertThat(m.error()).contains("exceeds the limit of 1000 bytes");
            }
        }
    }

    @Test
    void metadataWrapsTheValueWithKeyTopicPartitionOffsetTimestampAndHeaders() throws Exception {
        String topic = topic("metadata", 1);
        send(topic, TestKafka.utf8("user-7"), TestKafka.utf8("{\"clicks\":3}"),
                new RecordHeader("trace", TestKafka.utf8("a")), new RecordHeader("trace", TestKafka.utf8("b")),
                new RecordHeader("origin", TestKafka.utf8("web")));
        send(topic, TestKafka.utf8("user-8"), null); // a tombstone: value null beside its key
        try (Minibatch mb = Minibatch.connect("memory:")) {
            Stream all = mb.stream("all");
            Stream some = mb.stream("some");
            Attachment a = all.attach(new KafkaSource(topic, servers, Map.of("metadata", "true")));
            Attachment b = some.attach(new KafkaSource(topic, servers, Map.of("metadata", "key, offset")));
            assertThat(TestKafka.await(Duration.ofSeconds(60), () -> all.buffer().size() == 2 && some.buffer().size() == 2))
                    .isTrue();
            a.stop();
            b.stop();

            JsonNode full = all.buffer().get(0).data();
            assertThat(full.get("value").get("clicks").asInt()).isEqualTo(3);
            assertThat(full.get("key").asText()).isEqualTo("user-7");
            assertThat(full.get("topic").asText()).isEqualTo(topic);
            assertThat(full.get("partition").asInt()).isZero();
            assertThat(full.get("offset").asLong()).isZero();
            assertThat(full.get("timestamp").asLong()).isEqualTo(1_700_000_000_000L);
            assertThat(full.get("headers").get("trace")).hasSize(2);
            assertThat(full.get("headers").get("trace").get(1).asText()).isEqualTo("b");
            assertThat(full.get("headers").get("origin").asText()).isEqualTo("web");

            JsonNode tombstone = all.buffer().get(1).data();
            assertThat(tombstone.get("value").isNull()).isTrue();
            assertThat(tombstone.get("key").asText()).isEqualTo("user-8");
            assertThat(all.deadLetters().buffer()).isEmpty();

            JsonNode partial = some.buffer().get(0).data();
            Set<String> names = new HashSet<>();
            partial.fieldNames().forEachRemaining(names::add);
            assertThat(names).containsExactlyInAnyOrder("value", "key", "offset");
        }
    }

    @Test
    void startLatestSkipsRecordsThatExistedBeforeTheGroupStarted() throws Exception {
        String topic = topic("latest", 1);
        send(topic, null, TestKafka.utf8("{\"id\":0}"));
        try (Minibatch mb = Minibatch.connect("memory:")) {
            Stream stream = mb.stream("latest");
            Attachment source = stream.attach(new KafkaSource(topic, servers, Map.of("start", "latest")));
            // wait until the group has its assignment and a position, then produce
            String group = "minibatch-latest";
            assertThat(TestKafka.await(Duration.ofSeconds(60), () -> hasCommittedOrPosition(group, topic))).isTrue();
            send(topic, null, TestKafka.utf8("{\"id\":1}"));
            assertThat(TestKafka.await(Duration.ofSeconds(60), () -> !stream.buffer().isEmpty())).isTrue();
            send(topic, null, TestKafka.utf8("{\"id\":2}"));
            assertThat(TestKafka.await(Duration.ofSeconds(60), () -> stream.buffer().size() == 2)).isTrue();
            source.stop();
            assertThat(values(stream).stream().map(v -> v.get("id").asInt())).containsExactly(1, 2);
        }
    }

    /** Whether the group is stable with a member owning the topic's partition. */
    private static boolean hasCommittedOrPosition(String group, String topic) {
        try (var admin = broker.admin()) {
            var description = admin.describeConsumerGroups(List.of(group)).all().get(10, TimeUnit.SECONDS).get(group);
            return description.members().stream().anyMatch(m -> m.assignment().topicPartitions().stream()
                    .anyMatch(tp -> tp.topic().equals(topic)));
        } catch (Exception e) {
            return false;
        }
    }

    @Test
    void cancelMidStreamAndRestartLosesNothingAndDuplicatesNothing(@TempDir Path tmp) throws Exception {
        String topic = topic("cancel", 3);
        int total = 10_000;
        AtomicReference<Throwable> producerFailure = new AtomicReference<>();
        Thread producer = paced(servers, topic, total, producerFailure);
        try (Minibatch mb = Minibatch.connect("sqlite:" + tmp.resolve("mb.db"))) {
            Stream stream = mb.stream("cancel");
            Map<String, String> options = Map.of("kafka.max.poll.records", "100");
            Attachment first = stream.attach(new KafkaSource(topic, servers, options));
            producer.start();
            assertThat(TestKafka.await(Duration.ofSeconds(60), () -> stream.stats().pending() >= 2_000)).isTrue();
            first.stop();
            long atStop = stream.stats().pending();
            assertThat(first.isRunning()).isFalse();
            assertThat(first.failure()).isNull();
            assertThat(atStop).as("stopped in the middle of the topic").isLessThan(total);

            Attachment second = stream.attach(new KafkaSource(topic, servers, options));
            assertThat(TestKafka.await(Duration.ofSeconds(120), () -> stream.stats().pending() >= total)).isTrue();
            producer.join(60_000);
            assertThat(producerFailure.get()).isNull();
            Thread.sleep(500); // a duplicate would show up right after the last record
            second.stop();
            assertThat(second.failure()).isNull();

            List<Integer> ids = values(stream).stream().map(v -> v.get("id").asInt()).collect(Collectors.toList());
            assertThat(new HashSet<>(ids)).hasSize(total);
            // a clean cancel commits what was appended: the restart reads from there
            assertThat(ids).hasSize(total);
        }
    }

    /** A thread producing {@code total} id records in small paced batches (about 2 s in all). */
    static Thread paced(String servers, String topic, int total, AtomicReference<Throwable> failure) {
        Thread t = new Thread(() -> {
            try (KafkaProducer<byte[], byte[]> p = TestKafka.producer(servers)) {
                List<java.util.concurrent.Future<?>> futures = new ArrayList<>();
                for (int i = 0; i < total; i++) {
                    futures.add(p.send(new ProducerRecord<>(topic, TestKafka.utf8(Integer.toString(i)),
                            TestKafka.utf8(TestKafka.idJson(i)))));
                    if (i % 100 == 99) {
                        Thread.sleep(20);
                    }
                }
                p.flush();
                for (var f : futures) {
                    f.get(120, TimeUnit.SECONDS);
                }
            } catch (Throwable e) {
                failure.set(e);
            }
        }, "paced-producer");
        t.setDaemon(true);
        return t;
    }

    @Test
    void unreachableBootstrapServersEndTheSourceWithAClearErrorWithinBoundedTime() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            port = s.getLocalPort(); // closed again: nothing listens there
        }
        String nowhere = "127.0.0.1:" + port;
        try (Minibatch mb = Minibatch.connect("memory:")) {
            Stream stream = mb.stream("unreachable");
            Attachment source = stream.attach(new KafkaSource("t", nowhere, Map.of("connect.timeout", "2s")));
            assertThat(source.awaitTermination(Duration.ofSeconds(60))).as("the source gave up").isTrue();
            assertThat(source.failure()).isInstanceOf(KafkaUnavailableException.class)
                    .hasMessageContaining(nowhere)
                    .hasMessageContaining("2s");
        }
    }

    @Test
    void valueDecodingAcceptsAnyJsonValueAndRejectsTrailingGarbage() throws Exception {
        assertThat(KafkaSource.decodeValue("\"text\"".getBytes(StandardCharsets.UTF_8)).asText()).isEqualTo("text");
        assertThat(KafkaSource.decodeValue("[1,2]".getBytes(StandardCharsets.UTF_8))).hasSize(2);
        assertThat(KafkaSource.decodeValue("{\"é\":1}".getBytes(StandardCharsets.UTF_16)).get("é").asInt()).isEqualTo(1);
        assertThat(KafkaSource.decodeValue(null)).isNull();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> KafkaSource.decodeValue("{} x".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(java.io.IOException.class);
    }
}
