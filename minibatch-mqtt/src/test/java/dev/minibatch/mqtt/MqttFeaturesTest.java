package dev.minibatch.mqtt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.minibatch.Attachment;
import dev.minibatch.model.InvalidMessageException;
import dev.minibatch.model.Message;
import dev.minibatch.Minibatch;
import dev.minibatch.Stream;
import dev.minibatch.mqtt.testing.MosquittoBroker;
import dev.minibatch.mqtt.testing.TestClients;
import dev.minibatch.mqtt.testing.TestClients.Collector;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Message shapes, wildcards, retained messages, QoS 0 and 2, dead letters, sink options — on mosquitto. */
class MqttFeaturesTest {

    MosquittoBroker broker;
    Minibatch mb;
    final List<Attachment> attachments = new ArrayList<>();

    @BeforeEach
    void start(@TempDir Path dir) {
        broker = MosquittoBroker.start(dir);
        mb = Minibatch.builder().url("memory:").maxMessageBytes(1_000).build();
    }

    @AfterEach
    void stop() {
        attachments.forEach(Attachment::stop);
        mb.close();
        broker.close();
    }

    Stream attach(String name, MqttSource source) throws InterruptedException {
        Stream stream = mb.stream(name);
        Attachment attachment = stream.attach(source);
        attachments.add(attachment);
        TestClients.await(Duration.ofSeconds(10), source::isSubscribed, () -> "failure: " + attachment.failure());
        return stream;
    }

    static void awaitMessage(Stream stream, Predicate<JsonNode> marker) throws InterruptedException {
        TestClients.await(Duration.ofSeconds(10), () -> stream.buffer().stream().map(Message::data).anyMatch(marker),
                () -> "marker not in " + stream.buffer());
    }

    static void publish(String url, String topic, byte[] payload, int qos) throws Exception {
        TestClients.publish(url, 1, qos, i -> topic, i -> payload);
    }

    @Test
    void nonJsonPayloadsAreAppendedAsTextOrBase64AndJsonIsDecoded() throws Exception {
        Stream stream = attach("shapes", new MqttSource(broker.url(), "dev/#"));
        byte[] binary = {(byte) 0xff, 0x00, (byte) 0xfe, 0x01};
        publish(broker.url(), "dev/text", "21.5C".getBytes(StandardCharsets.UTF_8), 1);
        publish(broker.url(), "dev/binary", binary, 1);
        publish(broker.url(), "dev/string", "\"on\"".getBytes(StandardCharsets.UTF_8), 1);
        publish(broker.url(), "dev/number", "42".getBytes(StandardCharsets.UTF_8), 1);
        publish(broker.url(), "dev/object", "{\"a\":[1,2]}".getBytes(StandardCharsets.UTF_8), 1);
        publish(broker.url(), "dev/empty", new byte[0], 1);
        TestClients.await(Duration.ofSeconds(10), () -> stream.buffer().size() == 6, () -> stream.buffer().toString());

        Map<String, JsonNode> byTopic = new HashMap<>();
        stream.buffer().forEach(m -> byTopic.put(m.data().get("topic").asText(), m.data()));
        assertThat(byTopic.get("dev/text").get("payload").asText()).isEqualTo("21.5C");
        assertThat(byTopic.get("dev/text").get("encoding").asText()).isEqualTo("utf-8");
        assertThat(byTopic.get("dev/binary").get("encoding").asText()).isEqualTo("base64");
        assertThat(MqttMessages.rawPayload(byTopic.get("dev/binary"))).containsExactly(binary);
        assertThat(byTopic.get("dev/string").get("payload").asText()).isEqualTo("on");
        assertThat(byTopic.get("dev/string").has("encoding")).isFalse();
        assertThat(byTopic.get("dev/number").get("payload").asInt()).isEqualTo(42);
        assertThat(byTopic.get("dev/object").get("payload").get("a").get(1).asInt()).isEqualTo(2);
        assertThat(byTopic.get("dev/empty").get("payload").asText()).isEmpty();
        assertThat(byTopic.get("dev/empty").get("encoding").asText()).isEqualTo("utf-8");
        assertThat(byTopic.values()).allMatch(m -> m.get("qos").asInt() == 1 && !m.get("retain").asBoolean());
    }

    @Test
    void payloadFormatMakesAJsonObjectTheMessageWithItsTopic() throws Exception {
        Stream stream = attach("flat", new MqttSource(broker.url(), "flat/#", Map.of("format", "payload", "topicField", "_topic")));
        publish(broker.url(), "flat/a", "{\"t\":21.5}".getBytes(StandardCharsets.UTF_8), 1);
        publish(broker.url(), "flat/b", "[1,2]".getBytes(StandardCharsets.UTF_8), 1);
        TestClients.await(Duration.ofSeconds(10), () -> stream.buffer().size() == 2, () -> stream.buffer().toString());
        JsonNode object = stream.buffer().get(0).data();
        assertThat(object.get("t").asDouble()).isEqualTo(21.5);
        assertThat(object.get("_topic").asText()).isEqualTo("flat/a");
        assertThat(object.has("payload")).isFalse();
        JsonNode array = stream.buffer().get(1).data();
        assertThat(array.get("topic").asText()).isEqualTo("flat/b");
        assertThat(array.get("payload").isArray()).isTrue();
    }

    @Test
    void wildcardsSelectTopicsAsMqttDefines() throws Exception {
        Stream stream = attach("wild", new MqttSource(broker.url(), "sensors/+/temp"));
        for (String topic : List.of("sensors/a/temp", "sensors/a/humidity", "sensors/a/b/temp", "sensors/b/temp", "other/a/temp")) {
            publish(broker.url(), topic, "1".getBytes(StandardCharsets.UTF_8), 1);
        }
        publish(broker.url(), "sensors/marker/temp", "2".getBytes(StandardCharsets.UTF_8), 1);
        awaitMessage(stream, m -> m.get("topic").asText().equals("sensors/marker/temp"));
        assertThat(stream.buffer()).extracting(m -> m.data().get("topic").asText())
                .containsExactly("sensors/a/temp", "sensors/b/temp", "sensors/marker/temp");
    }

    @Test
    void retainedMessagesFromTheSinkReachALaterSourceMarkedRetained() throws Exception {
        MqttSink sink = new MqttSink(broker.url(), "status/{id}", Map.of("retained", true));
        sink.put(List.of(Map.of("id", "pump1", "on", true), Map.of("id", "pump2", "on", false)));
        sink.flush();
        sink.close();
        Stream stream = attach("status", new MqttSource(broker.url(), "status/+"));
        TestClients.await(Duration.ofSeconds(10), () -> stream.buffer().size() == 2, () -> stream.buffer().toString());
        assertThat(stream.buffer()).allMatch(m -> m.data().get("retain").asBoolean());
        assertThat(stream.buffer()).extracting(m -> m.data().get("topic").asText())
                .containsExactlyInAnyOrder("status/pump1", "status/pump2");
    }

    @Test
    void qos2AndQos0MessagesArriveAndTheSinkPublishesQos2WithoutLoss() throws Exception {
        Stream two = attach("qos2", new MqttSource(broker.url(), "q/two", Map.of("qos", 2)));
        Stream zero = attach("qos0", new MqttSource(broker.url(), "q/zero", Map.of("qos", 0)));
        // mosquitto drops QoS 2 publishes beyond its 20 in flight, so the test publisher stays within
        TestClients.publish(broker.url(), 300, 2, i -> "q/two", TestClients::reading, 20);
        MqttSink sink = new MqttSink(broker.url(), "q/two", Map.of("qos", 2));
        List<JsonNode> batch = new ArrayList<>();
        for (int i = 300; i < 600; i++) {
            batch.add(TestClients.JSON.readTree(TestClients.reading(i)));
        }
        sink.put(batch);
        sink.flush();
        sink.close();
        TestClients.publish(broker.url(), 50, 0, i -> "q/zero", TestClients::reading);
        TestClients.await(Duration.ofSeconds(20), () -> MqttSessionTest.seqs(two).size() == 600,
                () -> MqttSessionTest.seqs(two).size() + " of 600 at QoS 2");
        assertThat(two.buffer()).allMatch(m -> m.data().get("qos").asInt() == 2);
        // QoS 0 is fire-and-forget by definition; on loopback they all come, but only the shape is checked
        TestClients.await(Duration.ofSeconds(10), () -> !zero.buffer().isEmpty(), () -> "no QoS 0 message");
        assertThat(zero.buffer()).allMatch(m -> m.data().get("qos").asInt() == 0);
    }

    @Test
    void aMessageTooLargeForTheStreamIsDeadLetteredAndTheOthersContinue() throws Exception {
        Stream stream = attach("limited", new MqttSource(broker.url(), "big/#"));
        String large = "{\"blob\":\"" + "x".repeat(2_000) + "\"}";
        publish(broker.url(), "big/one", TestClients.reading(1), 1);
        publish(broker.url(), "big/huge", large.getBytes(StandardCharsets.UTF_8), 1);
        publish(broker.url(), "big/two", TestClients.reading(2), 1);
        TestClients.await(Duration.ofSeconds(10), () -> stream.buffer().size() == 2 && stream.deadLetters().buffer().size() == 1,
                () -> stream.buffer().size() + " appended, " + stream.deadLetters().buffer().size() + " dead");
        Message dead = stream.deadLetters().buffer().get(0);
        assertThat(dead.error()).contains("exceeds the limit");
        assertThat(dead.data().get("topic").asText()).isEqualTo("big/huge");
        assertThat(dead.data().get("payloadBytes").asInt()).isEqualTo(large.length());
        assertThat(MqttSessionTest.seqs(stream)).containsExactlyInAnyOrder(1, 2);
    }

    @Test
    void sinkExpandsListsOrPublishesThemWholeAndRejectsMessagesWithoutTheTemplateField() throws Exception {
        try (Collector collector = new Collector(broker.url(), "out/#", 1)) {
            MqttSink whole = new MqttSink(broker.url(), "out/whole", Map.of("expand", false, "qos", 0));
            whole.put(List.of(Map.of("a", 1), Map.of("a", 2)));
            whole.flush();
            whole.close();
            MqttSink raw = new MqttSink(broker.url(), "out/raw");
            raw.put(new byte[] {1, 2, 3});
            raw.flush();
            raw.close();
            MqttSink templated = new MqttSink(broker.url(), "out/{site.name}/x");
            templated.put(Map.of("site", Map.of("name", "berlin")));
            assertThatThrownBy(() -> templated.put(Map.of("site", Map.of("city", "paris"))))
                    .isInstanceOf(InvalidMessageException.class).hasMessageContaining("site.name");
            assertThatThrownBy(() -> templated.put(Map.of("site", Map.of("name", "a/#"))))
                    .isInstanceOf(InvalidMessageException.class).hasMessageContaining("wildcard");
            // a list with one bad element publishes none of it
            assertThatThrownBy(() -> templated.put(List.of(Map.of("site", Map.of("name", "rome")), Map.of("site", 1))))
                    .isInstanceOf(InvalidMessageException.class).hasMessageContaining("site.name");
            templated.flush();
            assertThat(templated.published()).isEqualTo(1);
            templated.close();

            TestClients.await(Duration.ofSeconds(10), () -> collector.received().size() >= 3,
                    () -> collector.received().toString());
            Map<String, Collector.Received> byTopic = new HashMap<>();
            collector.received().forEach(r -> byTopic.put(r.topic(), r));
            assertThat(byTopic).containsOnlyKeys("out/whole", "out/raw", "out/berlin/x"); // no out/rome/x
            assertThat(byTopic.get("out/whole").json().isArray()).isTrue();
            assertThat(byTopic.get("out/whole").json()).hasSize(2);
            assertThat(byTopic.get("out/raw").payload()).containsExactly(1, 2, 3);
            assertThat(byTopic.get("out/berlin/x").json().get("site").get("name").asText()).isEqualTo("berlin");
        }
    }
}
