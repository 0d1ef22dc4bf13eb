package dev.minibatch.mqtt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.minibatch.model.ConfigurationException;
import dev.minibatch.model.InvalidMessageException;
import dev.minibatch.mqtt.MqttMessages.Format;
import dev.minibatch.mqtt.testing.TestClients;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Payload decoding, topic templates and URL rules, without a broker. */
class MqttUnitTest {

    static ObjectNode envelope(String payload) {
        return MqttMessages.toStreamMessage("t/1", payload.getBytes(StandardCharsets.UTF_8), 1, false, Format.ENVELOPE, "topic");
    }

    @Test
    void onlyOneCompleteJsonDocumentCountsAsJson() {
        assertThat(envelope("{\"a\":1}").get("payload").get("a").asInt()).isEqualTo(1);
        assertThat(envelope("{\"a\":1}").has("encoding")).isFalse();
        assertThat(envelope("{\"a\":1} trailing").get("encoding").asText()).isEqualTo("utf-8");
        assertThat(envelope("{\"a\":1} trailing").get("payload").asText()).isEqualTo("{\"a\":1} trailing");
        assertThat(envelope("NaN").get("encoding").asText()).isEqualTo("utf-8");
        assertThat(envelope("true").get("payload").asBoolean()).isTrue();
        assertThat(envelope(" 3.5 ").get("payload").asDouble()).isEqualTo(3.5);
        assertThat(envelope("null").get("payload").isNull()).isTrue();
        assertThat(envelope("héllo").get("payload").asText()).isEqualTo("héllo");
    }

    @Test
    void binaryRoundTripsThroughBase64AndEnvelopeFieldsArePresent() {
        byte[] bytes = {(byte) 0xc3, 0x28, 0x00, (byte) 0xff};
        ObjectNode e = MqttMessages.toStreamMessage("bin/x", bytes, 2, true, Format.ENVELOPE, "topic");
        assertThat(e.get("encoding").asText()).isEqualTo("base64");
        assertThat(MqttMessages.rawPayload(e)).containsExactly(bytes);
        assertThat(e.get("topic").asText()).isEqualTo("bin/x");
        assertThat(e.get("qos").asInt()).isEqualTo(2);
        assertThat(e.get("retain").asBoolean()).isTrue();
        assertThat(MqttMessages.rawPayload(envelope("{}"))).isNull();
    }

    @Test
    void payloadFormatReplacesTheTopicFieldOfObjectsOnly() {
        ObjectNode object = MqttMessages.toStreamMessage("a/b", "{\"topic\":\"old\",\"v\":1}".getBytes(StandardCharsets.UTF_8),
                0, false, Format.PAYLOAD, "topic");
        assertThat(object.get("topic").asText()).isEqualTo("a/b");
        assertThat(object.get("v").asInt()).isEqualTo(1);
        ObjectNode text = MqttMessages.toStreamMessage("a/b", "x".getBytes(StandardCharsets.UTF_8), 0, false, Format.PAYLOAD, "topic");
        assertThat(text.get("payload").asText()).isEqualTo("x");
    }

    @Test
    void topicTemplatesFillFieldsAndRejectWhatWouldBeWrong() throws Exception {
        TopicTemplate template = new TopicTemplate("sensors/{id}/{site.name}/avg", "test");
        JsonNode message = TestClients.JSON.readTree("{\"id\":7,\"site\":{\"name\":\"b\"}}");
        assertThat(template.resolve(message)).isEqualTo("sensors/7/b/avg");
        assertThat(new TopicTemplate("plain/topic", "test").resolve(null)).isEqualTo("plain/topic");
        assertThatThrownBy(() -> template.resolve(TestClients.JSON.readTree("{\"id\":7}")))
                .isInstanceOf(InvalidMessageException.class).hasMessageContaining("site.name");
        assertThatThrownBy(() -> template.resolve(TestClients.JSON.readTree("[1]")))
                .isInstanceOf(InvalidMessageException.class).hasMessageContaining("not a JSON object");
        assertThatThrownBy(() -> template.resolve(TestClients.JSON.readTree("{\"id\":{\"x\":1},\"site\":{\"name\":\"b\"}}")))
                .isInstanceOf(InvalidMessageException.class).hasMessageContaining("string, number or boolean");
        assertThatThrownBy(() -> template.resolve(TestClients.JSON.readTree("{\"id\":\"+\",\"site\":{\"name\":\"b\"}}")))
                .isInstanceOf(InvalidMessageException.class).hasMessageContaining("wildcard");
        assertThatThrownBy(() -> new TopicTemplate("a/{}/b", "test")).isInstanceOf(ConfigurationException.class);
        assertThatThrownBy(() -> new TopicTemplate("a/}/b", "test")).isInstanceOf(ConfigurationException.class);
        assertThatThrownBy(() -> new TopicTemplate("a/#", "test")).isInstanceOf(ConfigurationException.class);
    }

    @Test
    void brokerUrlsAreNormalisedOrRejectedWithTheReason() {
        assertThat(MqttSettings.normaliseUrl("mqtt://h", "x")).isEqualTo("tcp://h:1883");
        assertThat(MqttSettings.normaliseUrl("MQTTS://h", "x")).isEqualTo("ssl://h:8883");
        assertThat(MqttSettings.normaliseUrl("tcp://10.0.0.1:1884", "x")).isEqualTo("tcp://10.0.0.1:1884");
        assertThat(MqttSettings.normaliseUrl("ws://h:8080/mqtt", "x")).isEqualTo("ws://h:8080/mqtt");
        assertThatThrownBy(() -> MqttSettings.normaliseUrl("localhost:1883", "x")).isInstanceOf(ConfigurationException.class);
        assertThatThrownBy(() -> MqttSettings.normaliseUrl("tcp://:1883", "x"))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("names no host");
        assertThatThrownBy(() -> MqttSettings.normaliseUrl("tcp://u:secret@h", "x"))
                .isInstanceOf(ConfigurationException.class).hasMessageNotContaining("secret");
    }
}
