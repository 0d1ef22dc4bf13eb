package dev.minibatch.kafka;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.header.Header;

/**
 * Turns the records of one poll into stream values: each record value decoded as one JSON value
 * (wrapped with the chosen metadata fields), and what cannot be decoded — invalid JSON, a
 * tombstone without metadata — into dead letters that keep the raw bytes. Stateless after
 * construction; thread-safe.
 */
final class KafkaRecordDecoder {

    /** Metadata fields that can be added beside the value. */
    enum Field { KEY, TOPIC, PARTITION, OFFSET, TIMESTAMP, HEADERS }

    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private final Set<Field> fields;

    KafkaRecordDecoder(Set<Field> fields) {
        this.fields = fields;
    }

    /** One decoded poll: values to append and records to dead-letter. */
    record Decoded(List<JsonNode> values, List<ConsumerRecord<byte[], byte[]>> sources,
                           List<DeadLetter> dead) {
    }

    record DeadLetter(ObjectNode value, String error) {
    }

    Decoded decode(ConsumerRecords<byte[], byte[]> records) {
        List<JsonNode> values = new ArrayList<>(records.count());
        List<ConsumerRecord<byte[], byte[]>> sources = new ArrayList<>(records.count());
        List<DeadLetter> dead = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : records) {
            JsonNode value;
            try {
                value = decodeValue(r.value());
            } catch (IOException | IllegalArgumentException e) {
                dead.add(deadLetter(r, true, "invalid JSON in Kafka record " + where(r) + ": " + firstLine(e)));
                continue;
            }
            if (value == null) {
                if (fields.isEmpty()) {
                    dead.add(deadLetter(r, true, "Kafka record " + where(r)
                            + " has no value (a tombstone); set metadata=true to receive it with its key"));
                    continue;
                }
                value = NullNode.getInstance();
            }
            values.add(fields.isEmpty() ? value : wrap(r, value));
            sources.add(r);
        }
        return new Decoded(values, sources, dead);
    }

    /** The JSON value of a record, or null for a tombstone. */
    static JsonNode decodeValue(byte[] bytes) throws IOException {
        if (bytes == null) {
            return null;
        }
        if (bytes.length == 0) {
            throw new IOException("empty value, no JSON found");
        }
        JsonNode node = JSON.readTree(bytes);
        if (node == null || node.isMissingNode()) {
            throw new IOException("no JSON value found (only whitespace)");
        }
        return node;
    }

    private ObjectNode wrap(ConsumerRecord<byte[], byte[]> r, JsonNode value) {
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        out.set("value", value);
        if (fields.contains(Field.KEY)) {
            out.put("key", text(r.key()));
        }
        if (fields.contains(Field.TOPIC)) {
            out.put("topic", r.topic());
        }
        if (fields.contains(Field.PARTITION)) {
            out.put("partition", r.partition());
        }
        if (fields.contains(Field.OFFSET)) {
            out.put("offset", r.offset());
        }
        if (fields.contains(Field.TIMESTAMP)) {
            out.put("timestamp", r.timestamp());
        }
        if (fields.contains(Field.HEADERS)) {
            ObjectNode headers = out.putObject("headers");
            for (Header h : r.headers()) {
                JsonNode existing = headers.get(h.key());
                String v = text(h.value());
                if (existing == null) {
                    headers.put(h.key(), v);
                } else if (existing.isArray()) {
                    ((ArrayNode) existing).add(v);
                } else {
                    ArrayNode several = headers.putArray(h.key());
                    several.add(existing);
                    several.add(v);
                }
            }
        }
        return out;
    }

    static String text(byte[] bytes) {
        return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
    }

    static DeadLetter deadLetter(ConsumerRecord<byte[], byte[]> r, boolean withValue, String error) {
        ObjectNode v = JsonNodeFactory.instance.objectNode();
        v.put("topic", r.topic());
        v.put("partition", r.partition());
        v.put("offset", r.offset());
        v.put("timestamp", r.timestamp());
        v.put("key", text(r.key()));
        if (withValue) {
            v.put("value_base64", r.value() == null ? null : Base64.getEncoder().encodeToString(r.value()));
        } else {
            v.put("value_size", r.value() == null ? 0 : r.value().length);
        }
        return new DeadLetter(v, error);
    }

    static String where(ConsumerRecord<?, ?> r) {
        return r.topic() + "-" + r.partition() + "@" + r.offset();
    }

    static String firstLine(Exception e) {
        String m = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
        if (m == null) {
            return e.getClass().getSimpleName();
        }
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
