package dev.minibatch.mqtt;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * How MQTT payloads become stream messages, and messages become payloads.
 *
 * <p><b>Envelope (default).</b> Every message is {@code {topic, payload, qos, retain}} — the shape
 * Python minibatch's {@code MQTTSource} appends — so the topic is always kept. {@code payload} is
 * the decoded JSON value when the payload is one complete JSON document. Payloads that are not
 * JSON are still appended rather than dropped (a device sending {@code 21.5C} should not vanish
 * silently): valid UTF-8 becomes a text {@code payload} with {@code "encoding": "utf-8"}, anything
 * else becomes base64 text with {@code "encoding": "base64"}. The {@code encoding} field is present
 * only for non-JSON payloads, so a JSON string payload {@code "on"} and a raw text payload
 * {@code on} stay distinguishable.
 *
 * <p><b>Payload.</b> With {@code format=payload}, a payload that is a JSON object is itself the
 * message, with the topic written into the field {@code topicField} (default {@code topic},
 * replacing a field of that name). Anything else falls back to the envelope.
 *
 * <p>Stateless and thread-safe.
 */
public final class MqttMessages {

    /** Field names of the envelope. */
    public static final String TOPIC = "topic";
    public static final String PAYLOAD = "payload";
    public static final String QOS = "qos";
    public static final String RETAIN = "retain";
    public static final String ENCODING = "encoding";

    /** The message formats of the source. */
    public enum Format {
        ENVELOPE, PAYLOAD
    }

    static final ObjectMapper MAPPER = JsonMapper.builder()
            .addModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private MqttMessages() {
    }

    /** The stream message for one MQTT message. */
    public static ObjectNode toStreamMessage(String topic, byte[] payload, int qos, boolean retained,
                                             Format format, String topicField) {
        JsonNode decoded = parseJson(payload);
        if (format == Format.PAYLOAD && decoded instanceof ObjectNode object) {
            object.put(topicField, topic);
            return object;
        }
        ObjectNode message = MAPPER.createObjectNode();
        message.put(TOPIC, topic);
        if (decoded != null) {
            message.set(PAYLOAD, decoded);
        } else {
            String text = utf8(payload);
            if (text != null) {
                message.put(PAYLOAD, text);
                message.put(ENCODING, "utf-8");
            } else {
                message.put(PAYLOAD, Base64.getEncoder().encodeToString(payload));
                message.put(ENCODING, "base64");
            }
        }
        message.put(QOS, qos);
        message.put(RETAIN, retained);
        return message;
    }

    /** The payload bytes of a non-JSON envelope ({@code encoding} utf-8 or base64), or null for JSON payloads. */
    public static byte[] rawPayload(JsonNode envelope) {
        String encoding = envelope.path(ENCODING).asText(null);
        if (encoding == null) {
            return null;
        }
        String text = envelope.path(PAYLOAD).asText();
        return "base64".equals(encoding) ? Base64.getDecoder().decode(text) : text.getBytes(StandardCharsets.UTF_8);
    }

    /** One complete JSON document, or null if the payload is anything else (empty included). */
    static JsonNode parseJson(byte[] payload) {
        if (payload.length == 0) {
            return null;
        }
        try {
            JsonNode node = MAPPER.readTree(payload);
            return node == null || node.isMissingNode() ? null : node;
        } catch (IOException e) {
            return null;
        }
    }

    private static String utf8(byte[] payload) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(payload)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }
}
