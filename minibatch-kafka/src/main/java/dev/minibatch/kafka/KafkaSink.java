package dev.minibatch.kafka;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.minibatch.model.ConfigurationException;
import dev.minibatch.model.InvalidMessageException;
import dev.minibatch.model.Window;
import dev.minibatch.spi.OptionSpec;
import dev.minibatch.spi.OptionSpec.Type;
import dev.minibatch.spi.Options;
import dev.minibatch.spi.connector.Sink;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends window results to a Kafka topic as JSON: Python's {@code KafkaSink(topic, urls, expand=True)},
 * with an idempotent producer and a flush before the window is committed, so a committed window's
 * records are in Kafka.
 *
 * <pre>{@code
 * mb.streaming("clicks").size(100).sink(new KafkaSink("clicks-out", "localhost:9092")).start(window -> { });
 * mb.streaming("clicks").size(100).sink("kafka", Map.of("topic", "out", "bootstrap.servers", servers,
 *         "key", "/user/id")).start();
 * }</pre>
 *
 * <p><b>Options</b> (the same keys as the {@code kafka} sink provider; see {@link #OPTIONS}):
 * {@code topic} and {@code bootstrap.servers} (required); {@code key} — a field name or a JSON pointer
 * ({@code /user/id}) whose value becomes the record key (text as is, other values as JSON; no key
 * when absent); {@code expand} (default true, as Python) — a {@link Collection} or array result,
 * such as a window's data, is sent as one record per element, otherwise as one record;
 * {@code acks} ({@code all} by default; with {@code 1} or {@code 0} the producer is not idempotent);
 * {@code timeout} (default 30s) — how long a window may wait for Kafka before it fails
 * ({@code max.block.ms} and {@code delivery.timeout.ms}); {@code kafka.<property>} — any Kafka
 * producer property, e.g. SASL/SSL settings, {@code linger.ms}, {@code compression.type}.
 *
 * <p><b>Encoding.</b> Each element is converted with Jackson (a {@code JsonNode}, a Map, a POJO,
 * a String, a number; {@code java.time} values as ISO-8601 text) and sent as UTF-8 JSON bytes; a
 * null element is sent as JSON {@code null}, never as a tombstone.
 *
 * <p><b>Delivery.</b> {@link #put(Object, Window)} hands the records to the producer;
 * {@link #flush()} waits until Kafka acknowledged every record this thread put since its last flush
 * and throws if any of them failed, so the consumer retries the window instead of committing it. The
 * producer is idempotent ({@code enable.idempotence=true}, {@code acks=all}), so its own retries
 * never duplicate a record; a retried window may send its records again (at least once). If no
 * broker is reachable, {@code put} or {@code flush} fails within about {@code timeout} with a
 * {@link KafkaUnavailableException} naming the servers. (Host names that do not resolve at all are
 * rejected by the constructor with a {@link ConfigurationException}: the Kafka client checks them
 * when it is created.)
 *
 * <p><b>Lifecycle and threading.</b> The producer is created by the constructor and released by
 * {@link #close()}. Thread-safe: windows processed by several workers may be put concurrently;
 * {@code put} and {@code flush} of one window must be called on the same thread (as the consumer
 * does), because each thread's flush reports the outcome of that thread's records.
 *
 * <p>Secrets: passwords and JAAS configuration given as {@code kafka.*} options never appear in
 * {@link #toString()}, log lines or exception messages written by this class.
 */
public final class KafkaSink implements Sink {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaSink.class);

    static final String OWNER = "sink 'kafka'";

    /** The options accepted by the constructors and by the {@code kafka} sink provider. */
    public static final List<OptionSpec> OPTIONS = List.of(
            OptionSpec.required("topic", Type.STRING, "the topic to write to"),
            OptionSpec.required("bootstrap.servers", Type.STRING, "Kafka brokers, host:port[,host:port...]"),
            OptionSpec.optional("key", Type.STRING, null, "field name or JSON pointer (/a/b) of the record key"),
            OptionSpec.optional("expand", Type.BOOLEAN, "true", "send each element of a list result as its own record"),
            OptionSpec.optional("acks", Type.STRING, "all", "acknowledgements required: all, 1 or 0"),
            OptionSpec.optional("timeout", Type.DURATION, "30s", "how long a window may wait for Kafka"),
            OptionSpec.optional("kafka.*", Type.STRING, null, "any Kafka producer property, e.g. kafka.compression.type"));

    private static final Map<String, String> MANAGED = Map.of(
            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "use the option 'bootstrap.servers'",
            ProducerConfig.ACKS_CONFIG, "use the option 'acks'",
            ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, "records are sent as JSON bytes",
            ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, "records are sent as JSON bytes");

    private static final ObjectMapper JSON = JsonMapper.builder()
            .addModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .build();

    private final String topic;
    private final JsonPointer key;
    private final boolean expand;
    private final Duration timeout;
    private final ClientSettings client;
    private final KafkaProducer<byte[], byte[]> producer;
    /** Records this thread sent since its last flush; the outcome flush reports. */
    private final ThreadLocal<List<Future<RecordMetadata>>> sent = ThreadLocal.withInitial(ArrayList::new);
    private volatile boolean closed;

    /** Sends to {@code topic} at {@code localhost:9092}, as Python's default. */
    public KafkaSink(String topic) {
        this(topic, "localhost:9092", Map.of());
    }

    /** Sends to {@code topic} at the given brokers with default options. */
    public KafkaSink(String topic, String bootstrapServers) {
        this(topic, bootstrapServers, Map.of());
    }

    /**
     * Sends to {@code topic} at the given brokers.
     *
     * @param options keys of {@link #OPTIONS} other than topic and bootstrap.servers, and
     *                {@code kafka.*} producer properties
     * @throws ConfigurationException naming the option that is unknown, malformed or managed
     */
    public KafkaSink(String topic, String bootstrapServers, Map<String, ?> options) {
        this(Options.validate(OWNER, OPTIONS, KafkaSource.merged(OWNER, topic, bootstrapServers, options)));
    }

    /** From options already validated against {@link #OPTIONS} (the provider's path). */
    KafkaSink(Options options) {
        this.topic = options.getString("topic").trim();
        if (topic.isEmpty() || topic.contains(",")) {
            throw new ConfigurationException(OWNER + ": option 'topic' must name one topic, was '" + topic + "'");
        }
        String servers = options.getString("bootstrap.servers");
        if (ClientSettings.list(servers).isEmpty()) {
            throw new ConfigurationException(OWNER + ": option 'bootstrap.servers' names no server");
        }
        this.key = keyPointer(options.getString("key"));
        this.expand = options.getBoolean("expand", true);
        this.timeout = KafkaSource.positive(options, "timeout");
        String acks = ClientSettings.lower(options.getString("acks"));
        if (acks.equals("-1")) {
            acks = "all";
        }
        if (!List.of("all", "1", "0").contains(acks)) {
            throw new ConfigurationException(OWNER + ": option 'acks' must be all, 1 or 0, was '" + options.getString("acks") + "'");
        }
        this.client = ClientSettings.from(options, servers, MANAGED, OWNER);
        String chosenAcks = acks;
        try {
            this.producer = KafkaClassLoading.withModuleClassLoader(
                    () -> new KafkaProducer<>(producerProperties(chosenAcks), new ByteArraySerializer(), new ByteArraySerializer()));
        } catch (KafkaException e) {
            throw client.configurationError(OWNER + " for topic '" + topic + "'", e);
        }
    }

    private static JsonPointer keyPointer(String text) {
        if (text == null || text.isBlank()) {
            return null;
        }
        String t = text.trim();
        try {
            return t.startsWith("/") ? JsonPointer.compile(t) : JsonPointer.compile("/" + t.replace("~", "~0").replace("/", "~1"));
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException(OWNER + ": option 'key' is not a field name or JSON pointer: '" + t + "'");
        }
    }

    private Map<String, Object> producerProperties(String acks) {
        Map<String, Object> props = new LinkedHashMap<>(client.passThrough());
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, client.servers());
        props.put(ProducerConfig.ACKS_CONFIG, acks);
        // idempotence needs acks=all; with weaker acks it is off unless the user insists (Kafka then says why)
        props.putIfAbsent(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, acks.equals("all"));
        long ms = Math.max(1, timeout.toMillis());
        props.putIfAbsent(ProducerConfig.MAX_BLOCK_MS_CONFIG, ms);
        // Kafka requires delivery.timeout.ms >= linger.ms + request.timeout.ms
        long linger = longProperty(ProducerConfig.LINGER_MS_CONFIG, 5);
        long request = longProperty(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, Math.min(30_000, Math.max(1_000, ms / 2)));
        props.putIfAbsent(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.min(Integer.MAX_VALUE, request));
        props.putIfAbsent(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) Math.min(Integer.MAX_VALUE, Math.max(ms, linger + request)));
        return props;
    }

    private long longProperty(String name, long fallback) {
        Object v = client.passThrough().get(name);
        if (v == null) {
            return fallback;
        }
        try {
            return Long.parseLong(v.toString().trim());
        } catch (NumberFormatException e) {
            return fallback; // the producer reports the bad value itself
        }
    }

    /** The topic written to. */
    public String topic() {
        return topic;
    }

    /** The bootstrap servers. */
    public String bootstrapServers() {
        return client.servers();
    }

    @Override
    public void put(Object message) throws Exception {
        put(message, null);
    }

    /**
     * Hands the result's records to the producer (one per element when it is a list and
     * {@code expand} is on). Throws if a record cannot be encoded or the topic's metadata cannot be
     * fetched within {@code timeout}; call {@link #flush()} to learn whether Kafka took them.
     */
    @Override
    public void put(Object message, Window window) {
        if (closed) {
            throw new IllegalStateException(this + " is closed");
        }
        List<Future<RecordMetadata>> mine = sent.get();
        try {
            for (Object element : elements(message)) {
                JsonNode tree = element instanceof JsonNode node ? node : toTree(element);
                byte[] value = JSON.writeValueAsBytes(tree);
                mine.add(producer.send(new ProducerRecord<>(topic, null, keyOf(tree), value)));
            }
        } catch (InvalidMessageException e) {
            mine.clear();
            throw e;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            mine.clear();
            throw new InvalidMessageException(OWNER + " for topic '" + topic + "': cannot encode a value as JSON: "
                    + e.getOriginalMessage(), e);
        } catch (RuntimeException e) {
            mine.clear(); // the window fails as a whole and is retried; forget its partial sends
            throw failure("sending to", e, window);
        }
    }

    private Collection<?> elements(Object message) {
        if (expand && message instanceof Collection<?> many) {
            return many;
        }
        if (expand && message instanceof Object[] array) {
            return Arrays.asList(array);
        }
        return Collections.singletonList(message);
    }

    private JsonNode toTree(Object value) {
        try {
            return JSON.valueToTree(value);
        } catch (IllegalArgumentException e) {
            throw new InvalidMessageException(OWNER + " for topic '" + topic + "': a value of type "
                    + value.getClass().getName() + " is not JSON-serialisable: " + e.getMessage(), e);
        }
    }

    private byte[] keyOf(JsonNode tree) {
        if (key == null) {
            return null;
        }
        JsonNode k = tree.at(key);
        if (k.isMissingNode() || k.isNull()) {
            return null;
        }
        return (k.isTextual() ? k.asText() : k.toString()).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Waits until Kafka acknowledged every record this thread put since its last flush (bounded by
     * {@code timeout}) and throws the first failure among them.
     */
    @Override
    public void flush() {
        List<Future<RecordMetadata>> mine = sent.get();
        sent.remove();
        try {
            producer.flush();
        } catch (InterruptException e) {
            Thread.currentThread().interrupt();
            throw new KafkaConnectorException(OWNER + " for topic '" + topic + "': interrupted while flushing", e);
        }
        Throwable first = null;
        int failed = 0;
        for (Future<RecordMetadata> f : mine) {
            try {
                f.get();
            } catch (ExecutionException e) {
                failed++;
                if (first == null) {
                    first = e.getCause() != null ? e.getCause() : e;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new KafkaConnectorException(OWNER + " for topic '" + topic + "': interrupted while flushing", e);
            }
        }
        if (first != null) {
            RuntimeException e = failure("delivering " + failed + " of " + mine.size() + " records to", first, null);
            LOG.warn("{}", e.getMessage());
            throw e;
        }
    }

    private RuntimeException failure(String what, Throwable cause, Window window) {
        String where = OWNER + ": " + what + " topic '" + topic + "' at " + client.servers()
                + (window != null ? " (window " + window.id() + ")" : "");
        if (cause instanceof TimeoutException) {
            return new KafkaUnavailableException(where + " did not complete within " + ClientSettings.format(timeout)
                    + " (" + client.describe(cause) + "); check bootstrap.servers and that the brokers are running",
                    client.chainable(cause));
        }
        return new KafkaConnectorException(where + " failed: " + client.describe(cause), client.chainable(cause));
    }

    /** Sends what is buffered (waiting up to {@code timeout}) and releases the producer. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        producer.close(timeout);
    }

    @Override
    public String toString() {
        return "KafkaSink[" + topic + " @ " + client.servers() + "]";
    }
}
