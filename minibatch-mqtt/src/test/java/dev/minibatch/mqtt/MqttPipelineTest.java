package dev.minibatch.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.minibatch.Attachment;
import dev.minibatch.model.ConsumerHandle;
import dev.minibatch.Minibatch;
import dev.minibatch.Stream;
import dev.minibatch.mqtt.testing.Broker;
import dev.minibatch.mqtt.testing.MoquetteBroker;
import dev.minibatch.mqtt.testing.MosquittoBroker;
import dev.minibatch.mqtt.testing.TestClients;
import dev.minibatch.mqtt.testing.TestClients.Collector;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The issue's main scenario: MQTT → MqttSource → stream → windows → MqttSink → MQTT subscriber. */
class MqttPipelineTest {

    static final int COUNT = 10_000;

    static Broker start(String kind, Path dir) {
        return kind.equals("mosquitto") ? MosquittoBroker.start(dir) : MoquetteBroker.start();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"mosquitto", "moquette"})
    void tenThousandQos1MessagesReachTheSubscriberThroughWindowsAndTheSink(String kind, @TempDir Path dir) throws Exception {
        List<JsonNode> sampleEnvelopes = new CopyOnWriteArrayList<>();
        try (Broker broker = start(kind, dir);
             Minibatch mb = Minibatch.connect("memory:");
             Collector subscriber = new Collector(broker.url(), "out/#", 1)) {
            Stream readings = mb.stream("readings");
            MqttSource source = new MqttSource(broker.url(), "in/+/reading", Map.of("qos", 1));
            Attachment attachment = readings.attach(source);
            TestClients.await(Duration.ofSeconds(10), source::isSubscribed, () -> "source not subscribed; failure: "
                    + attachment.failure());

            MqttSink sink = new MqttSink(broker.url(), "out/{sensor}/avg", Map.of("qos", 1));
            ConsumerHandle consumer = mb.streaming("readings").size(500).sink(sink).map(window -> {
                if (sampleEnvelopes.size() < 3) {
                    sampleEnvelopes.add(window.data().get(0));
                }
                List<ObjectNode> out = new ArrayList<>();
                for (JsonNode envelope : window.data()) {
                    JsonNode reading = envelope.get("payload");
                    ObjectNode result = TestClients.JSON.createObjectNode();
                    result.put("seq", reading.get("seq").asInt());
                    result.put("sensor", reading.get("sensor").asText());
                    result.put("doubled", reading.get("value").asDouble() * 2);
                    result.put("from", envelope.get("topic").asText());
                    out.add(result);
                }
                return out;
            }).start();

            TestClients.publish(broker.url(), COUNT, 1, i -> "in/s" + (i % 10) + "/reading", TestClients::reading);

            TestClients.await(Duration.ofSeconds(90), () -> subscriber.distinctCount() >= COUNT,
                    () -> subscriber.distinctCount() + " of " + COUNT + " arrived; stream " + readings.stats()
                            + ", consumer " + consumer.stats() + ", source failure " + attachment.failure()
                            + ", consumer failure " + consumer.failure());
            consumer.stop();
            attachment.stop();
            sink.close();

            Set<Integer> seqs = new HashSet<>();
            for (Collector.Received r : subscriber.received()) {
                JsonNode json = r.json();
                int seq = json.get("seq").asInt();
                seqs.add(seq);
                assertThat(r.topic()).isEqualTo("out/s" + (seq % 10) + "/avg");
                assertThat(json.get("from").asText()).isEqualTo("in/s" + (seq % 10) + "/reading");
                assertThat(json.get("doubled").asDouble()).isEqualTo(seq * 1.0);
                assertThat(r.qos()).isEqualTo(1);
            }
            assertThat(seqs).hasSize(COUNT);
            assertThat(seqs).allMatch(s -> s >= 0 && s < COUNT);
            assertThat(attachment.failure()).isNull();
            assertThat(consumer.failure()).isNull();
            assertThat(consumer.stats().deadLettered()).isZero();

            // the Python-compatible envelope: {topic, payload (decoded JSON), qos, retain}
            assertThat(sampleEnvelopes).isNotEmpty();
            JsonNode envelope = sampleEnvelopes.get(0);
            assertThat(envelope.get("topic").asText()).matches("in/s\\d/reading");
            assertThat(envelope.get("payload").isObject()).isTrue();
            assertThat(envelope.get("qos").asInt()).isEqualTo(1);
            assertThat(envelope.get("retain").asBoolean()).isFalse();
            assertThat(envelope.has("encoding")).isFalse();
        }
    }
}
