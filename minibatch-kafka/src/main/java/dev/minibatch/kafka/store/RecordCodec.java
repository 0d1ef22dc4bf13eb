package dev.minibatch.kafka.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.minibatch.model.Message;
import dev.minibatch.model.MessageState;
import dev.minibatch.spi.store.NewMessage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * How a message is a Kafka record: the value is the message's JSON (UTF-8), the key its key, the
 * record timestamp its creation time; attempts made before it was appended (dead letters), its
 * error and its origin (a stage's input window, for idempotent retries) ride in headers. A record
 * whose value is not JSON (written by a foreign producer) reads as a JSON string. Stateless.
 */
final class RecordCodec {

    static final String ATTEMPTS = "minibatch.attempts";
    static final String ERROR = "minibatch.error";
    static final String ORIGIN = "minibatch.origin";
    static final String MOVES = "minibatch.moves";
    static final String MOVED_FROM = "minibatch.moved-from";
    /** The share group a moved copy is for: the stream's other groups consume the original, and skip it. */
    static final String MOVED_FOR = "minibatch.moved-for";

    /** Bytes a record's framing adds to its key, value and headers, bounded generously. */
    static final int RECORD_OVERHEAD = 128;

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private RecordCodec() {
    }

    static ProducerRecord<byte[], byte[]> encode(String topic, NewMessage m) {
        String json = m.json();
        if (json == null) {
            try {
                json = MAPPER.writeValueAsString(m.data());
            } catch (JsonProcessingException e) {
                throw new IllegalArgumentException("message cannot be written as JSON: " + e.getOriginalMessage(), e);
            }
        }
        byte[] key = m.key() == null ? null : m.key().getBytes(StandardCharsets.UTF_8);
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topic, null, m.created().toEpochMilli(), key,
                json.getBytes(StandardCharsets.UTF_8));
        if (m.attempts() > 0) {
            record.headers().add(ATTEMPTS, Integer.toString(m.attempts()).getBytes(StandardCharsets.UTF_8));
        }
        if (m.error() != null) {
            record.headers().add(ERROR, m.error().getBytes(StandardCharsets.UTF_8));
        }
        if (m.origin() != null) {
            record.headers().add(ORIGIN, m.origin().getBytes(StandardCharsets.UTF_8));
        }
        return record;
    }

    /** The record's size as the broker's {@code max.message.bytes} sees it, within {@link #RECORD_OVERHEAD}. */
    static int size(ProducerRecord<byte[], byte[]> r) {
        int n = RECORD_OVERHEAD + (r.key() == null ? 0 : r.key().length) + (r.value() == null ? 0 : r.value().length);
        for (Header h : r.headers()) {
            n += h.key().length() + (h.value() == null ? 0 : h.value().length) + 8;
        }
        return n;
    }

    /** A fetched record's key, value and headers in bytes (what the ordered buffer's limit is sized by). */
    static int size(ConsumerRecord<byte[], byte[]> r) {
        int n = (r.key() == null ? 0 : r.key().length) + (r.value() == null ? 0 : r.value().length);
        for (Header h : r.headers()) {
            n += h.key().length() + (h.value() == null ? 0 : h.value().length);
        }
        return n;
    }

    /** A message id: partition and offset, {@code "2@1045"}. */
    static String id(int partition, long offset) {
        return partition + "@" + offset;
    }

    /**
     * The record as a message. {@code attempts} counts earlier deliveries (Kafka's delivery count,
     * less this one) plus attempts made before the record was appended.
     */
    static Message decode(String stream, ConsumerRecord<byte[], byte[]> r, MessageState state) {
        int delivered = r.deliveryCount().map(c -> c.intValue()).orElse(1);
        return decode(stream, r, state, Math.max(0, delivered - 1));
    }

    static Message decode(String stream, ConsumerRecord<byte[], byte[]> r, MessageState state, int deliveriesBefore) {
        Headers headers = r.headers();
        int attempts = deliveriesBefore + intHeader(headers, ATTEMPTS);
        String error = textHeader(headers, ERROR);
        String key = r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8);
        return new Message(id(r.partition(), r.offset()), stream, Instant.ofEpochMilli(r.timestamp()), data(r.value()),
                state, attempts, error, key);
    }

    /** How often the record was moved to the end of its partition to unstall a count window. */
    static int moves(ConsumerRecord<byte[], byte[]> r) {
        return intHeader(r.headers(), MOVES);
    }

    /**
     * A copy of a held record for the end of its partition: same partition, key, value, time,
     * origin and {@code minibatch.attempts} header. Kafka's delivery count is not carried (the copy
     * starts a new one): a moved record is a leftover no window held, and most of its deliveries are
     * to share consumers that only fetched it (a consumer leaving the group releases what it fetched,
     * and Kafka counts that as a delivery), so carrying them would dead-letter records that never failed.
     */
    static ProducerRecord<byte[], byte[]> moved(ConsumerRecord<byte[], byte[]> r, String group) {
        ProducerRecord<byte[], byte[]> copy = new ProducerRecord<>(r.topic(), r.partition(), r.timestamp(), r.key(), r.value());
        for (Header h : r.headers()) {
            if (!h.key().equals(MOVES) && !h.key().equals(MOVED_FOR)) { // MOVED_FROM stays: the first place counts
                copy.headers().add(h);
            }
        }
        copy.headers().add(MOVED_FOR, group.getBytes(StandardCharsets.UTF_8));
        copy.headers().add(MOVES, Integer.toString(moves(r) + 1).getBytes(StandardCharsets.UTF_8));
        if (r.headers().lastHeader(MOVED_FROM) == null) {
            copy.headers().add(MOVED_FROM, id(r.partition(), r.offset()).getBytes(StandardCharsets.UTF_8));
        }
        return copy;
    }

    /**
     * Whether the record is a copy another share group moved (see {@link #moved}): this group has
     * the original, so the copy is acknowledged and skipped.
     */
    static boolean movedForAnotherGroup(ConsumerRecord<byte[], byte[]> r, String group) {
        String forGroup = textHeader(r.headers(), MOVED_FOR);
        return forGroup != null && !forGroup.equals(group);
    }

    /** Partition and offset a moved copy was first appended at, or null for an original. */
    static long[] movedFrom(ConsumerRecord<byte[], byte[]> r) {
        String text = textHeader(r.headers(), MOVED_FROM);
        int at = text == null ? -1 : text.indexOf('@');
        if (at < 0) {
            return null;
        }
        try {
            return new long[] {Integer.parseInt(text.substring(0, at)), Long.parseLong(text.substring(at + 1))};
        } catch (NumberFormatException e) {
            return null;
        }
    }

    static String origin(ConsumerRecord<byte[], byte[]> r) {
        return textHeader(r.headers(), ORIGIN);
    }

    private static JsonNode data(byte[] value) {
        if (value == null) {
            return com.fasterxml.jackson.databind.node.NullNode.getInstance();
        }
        try {
            return MAPPER.readTree(value);
        } catch (IOException notJson) {
            return TextNode.valueOf(new String(value, StandardCharsets.UTF_8));
        }
    }

    private static int intHeader(Headers headers, String name) {
        String text = textHeader(headers, name);
        if (text == null) {
            return 0;
        }
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static String textHeader(Headers headers, String name) {
        Header h = headers.lastHeader(name);
        return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
