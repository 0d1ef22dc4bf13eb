package dev.minibatch.kafka;

import dev.minibatch.spi.connector.StreamWriter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.minibatch.model.ConfigurationException;
import dev.minibatch.model.InvalidMessageException;
import dev.minibatch.model.StoreException;
import dev.minibatch.spi.OptionSpec;
import dev.minibatch.spi.OptionSpec.Type;
import dev.minibatch.spi.Options;
import dev.minibatch.spi.connector.Source;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads JSON records from Kafka topics and appends them to a stream: Python's
 * {@code KafkaSource(topic, urls, **configs)}, with at-least-once delivery into the stream.
 *
 * <pre>{@code
 * stream.attach(new KafkaSource("clicks", "localhost:9092"));
 * stream.attach(new KafkaSource("clicks", "broker:9093", Map.of(
 *         "group.id", "clicks-loader", "start", "latest", "metadata", "key,offset",
 *         "kafka.security.protocol", "SASL_SSL", "kafka.sasl.mechanism", "PLAIN",
 *         "kafka.sasl.jaas.config", jaas)));
 * }</pre>
 *
 * <p><b>Options</b> (the same keys as the {@code kafka} source provider; see {@link #OPTIONS}):
 * <ul>
 *   <li>{@code topic} — a topic, or several separated by commas (required).</li>
 *   <li>{@code bootstrap.servers} — {@code host:port[,host:port…]} (required; Python's {@code urls},
 *       whose default {@code localhost:9092} the one-argument constructor keeps).</li>
 *   <li>{@code group.id} — the consumer group; default {@code minibatch-<stream name>}, so each
 *       stream fed from a topic keeps its own position and two sources feeding one stream share the
 *       partitions. (Python's default is the fixed {@code "group"}; pass it to share offsets with a
 *       Python loader.)</li>
 *   <li>{@code start} — where a group without committed offsets begins: {@code earliest} (default, as
 *       Python) or {@code latest}.</li>
 *   <li>{@code metadata} — {@code false} (default): the appended message is the decoded JSON value.
 *       {@code true}: it is {@code {"value": …, "key": …, "topic": …, "partition": …, "offset": …,
 *       "timestamp": …, "headers": {…}}}; or a comma-separated subset of {@code key, topic,
 *       partition, offset, timestamp, headers} to include only those beside {@code value}. The key
 *       and header values are UTF-8 text (null when absent), the timestamp is epoch milliseconds,
 *       and a header name that repeats maps to an array of its values.</li>
 *   <li>{@code poll.timeout} (1s), {@code commit.timeout} (15s), {@code connect.timeout} (15s),
 *       {@code retry.backoff} (1s) — see {@link #OPTIONS}.</li>
 *   <li>{@code kafka.<property>} — any Kafka consumer property (SASL, SSL, {@code max.poll.records},
 *       {@code group.instance.id}, …), passed through unchanged. The properties this source manages
 *       ({@code bootstrap.servers}, {@code group.id}, {@code enable.auto.commit},
 *       {@code auto.offset.reset}, the deserializers) are rejected there.</li>
 * </ul>
 *
 * <p><b>Decoding.</b> Each record value is decoded as one JSON value (UTF-8, or UTF-16/32 detected
 * by Jackson). A value that is not valid JSON, is empty, or is null (a tombstone) when
 * {@code metadata} is off goes to the stream's dead letters ({@code <stream>.dead}) as
 * {@code {"topic", "partition", "offset", "timestamp", "key", "value_base64"}} with the parse error
 * as the message's error; the source carries on with the next record.
 *
 * <p><b>Delivery.</b> Auto commit is off. For each poll the decoded values are appended with
 * {@link dev.minibatch.Stream#appendAll} and {@link dev.minibatch.Stream#flush()} (durable when they return), invalid records
 * are dead-lettered, and only then are the offsets committed. A crash between the append and the
 * commit delivers those records again: at least once, never lost. If the store fails the batch is
 * kept and appended again after a backoff (1 s doubling to 30 s) without polling further. A commit
 * that fails (broker away, group rebalancing) is retried with the next poll; offsets of partitions
 * taken away by a rebalance are dropped, and their records may reach the stream twice.
 *
 * <p><b>Connectivity.</b> {@link #stream(StreamWriter)} first asks the cluster for its id and fails with
 * {@link KafkaUnavailableException} naming the servers if no broker answers within
 * {@code connect.timeout}, and with {@link KafkaConnectorException} if authentication fails. After a
 * successful start the Kafka client reconnects by itself: a broker that goes away and comes back
 * only pauses the source. Authentication and authorization errors after the start end the source
 * with a {@link KafkaConnectorException}.
 *
 * <p><b>Lifecycle and threading.</b> Construction only validates the options; {@link #stream}
 * creates the consumer, runs the loop on the calling thread (the attachment's daemon thread) and
 * closes the consumer before returning. One instance runs in one {@code stream} call at a time.
 * {@link #cancel()} may be called from any thread: it wakes the consumer so {@code stream} commits
 * what it appended and returns promptly. A cancelled instance stays cancelled (a later
 * {@code stream} returns at once); attach a new {@code KafkaSource} to resume, and it continues from
 * the group's committed offsets.
 *
 * <p>Secrets: passwords and JAAS configuration given as {@code kafka.*} options never appear in
 * {@link #toString()}, log lines or exception messages written by this class.
 */
public final class KafkaSource implements Source {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaSource.class);

    /** Where the connector's name appears in messages. */
    static final String OWNER = "source 'kafka'";

    /** The options accepted by the constructors and by the {@code kafka} source provider. */
    public static final List<OptionSpec> OPTIONS = List.of(
            OptionSpec.required("topic", Type.STRING, "the topic to read, or several separated by commas"),
            OptionSpec.required("bootstrap.servers", Type.STRING, "Kafka brokers, host:port[,host:port...]"),
            OptionSpec.optional("group.id", Type.STRING, null, "consumer group (default minibatch-<stream name>)"),
            OptionSpec.optional("start", Type.STRING, "earliest",
                    "where a group without committed offsets starts: earliest or latest"),
            OptionSpec.optional("metadata", Type.STRING, "false",
                    "false: append the value; true or a list of key,topic,partition,offset,timestamp,headers: "
                            + "append {value, ...} with those fields"),
            OptionSpec.optional("poll.timeout", Type.DURATION, "1s", "how long one poll waits for records"),
            OptionSpec.optional("commit.timeout", Type.DURATION, "15s", "how long one offset commit may take"),
            OptionSpec.optional("connect.timeout", Type.DURATION, "15s",
                    "how long the start-up check waits for a broker to answer"),
            OptionSpec.optional("retry.backoff", Type.DURATION, "1s",
                    "first wait before appending again after a store failure (doubles up to 30s)"),
            OptionSpec.optional("kafka.*", Type.STRING, null, "any Kafka consumer property, e.g. kafka.security.protocol"));

    /** Client properties the source sets itself, and why users may not. */
    private static final Map<String, String> MANAGED = Map.of(
            ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, "use the option 'bootstrap.servers'",
            ConsumerConfig.GROUP_ID_CONFIG, "use the option 'group.id'",
            ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "use the option 'start'",
            ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "offsets are committed after the records were appended",
            ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, "records are read as bytes and decoded as JSON",
            ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, "records are read as bytes and decoded as JSON");

    private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);
    /** Longest key text kept in a dead letter whose raw value had to be dropped. */
    private static final int MAX_DEAD_KEY_CHARS = 256;


    private final List<String> topics;
    private final String groupId;
    private final String start;
    private final KafkaRecordDecoder decoder;
    private final Duration pollTimeout;
    private final Duration commitTimeout;
    private final Duration connectTimeout;
    private final Duration retryBackoff;
    private final ClientSettings client;

    private final AtomicBoolean running = new AtomicBoolean();
    private volatile boolean cancelled;
    private final CountDownLatch cancelSignal = new CountDownLatch(1);
    private volatile KafkaConsumer<byte[], byte[]> consumer;

    /** Reads {@code topic} from {@code localhost:9092}, as Python's default. */
    public KafkaSource(String topic) {
        this(topic, "localhost:9092", Map.of());
    }

    /** Reads {@code topic} from the given brokers with default options. */
    public KafkaSource(String topic, String bootstrapServers) {
        this(topic, bootstrapServers, Map.of());
    }

    /**
     * Reads {@code topic} from the given brokers.
     *
     * @param options keys of {@link #OPTIONS} other than topic and bootstrap.servers, and
     *                {@code kafka.*} client properties
     * @throws ConfigurationException naming the option that is unknown, malformed or managed
     */
    public KafkaSource(String topic, String bootstrapServers, Map<String, ?> options) {
        this(Options.validate(OWNER, OPTIONS, merged(OWNER, topic, bootstrapServers, options)));
    }

    /** From options already validated against {@link #OPTIONS} (the provider's path). */
    KafkaSource(Options options) {
        this.topics = ClientSettings.list(options.getString("topic"));
        if (topics.isEmpty()) {
            throw new ConfigurationException(OWNER + ": option 'topic' names no topic");
        }
        String servers = options.getString("bootstrap.servers");
        if (ClientSettings.list(servers).isEmpty()) {
            throw new ConfigurationException(OWNER + ": option 'bootstrap.servers' names no server");
        }
        this.groupId = options.getString("group.id");
        this.start = ClientSettings.lower(options.getString("start"));
        if (!start.equals("earliest") && !start.equals("latest")) {
            throw new ConfigurationException(OWNER + ": option 'start' must be earliest or latest, was '"
                    + options.getString("start") + "'");
        }
        this.decoder = new KafkaRecordDecoder(parseFields(options.getString("metadata")));
        this.pollTimeout = positive(options, "poll.timeout");
        this.commitTimeout = positive(options, "commit.timeout");
        this.connectTimeout = positive(options, "connect.timeout");
        this.retryBackoff = positive(options, "retry.backoff");
        this.client = ClientSettings.from(options, servers, MANAGED, OWNER);
        // check the pass-through values now, so a typo fails at configuration time, not at attach
        Map<String, Object> check = consumerProperties(groupId != null ? groupId : "minibatch-check");
        check.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        check.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        try {
            ConsumerConfig.configDef().parse(check);
        } catch (KafkaException e) {
            throw client.configurationError(OWNER + " for topic '" + String.join(",", topics) + "'", e);
        }
    }

    static Map<String, Object> merged(String owner, String topic, String bootstrapServers, Map<String, ?> options) {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        Map<String, Object> all = new HashMap<>(options == null ? Map.of() : options);
        for (String key : List.of("topic", "bootstrap.servers")) {
            if (all.containsKey(key)) {
                throw new ConfigurationException(owner + ": '" + key + "' is a constructor argument; remove it from the options");
            }
        }
        all.put("topic", topic);
        all.put("bootstrap.servers", bootstrapServers);
        return all;
    }

    static Duration positive(Options options, String key) {
        Duration d = options.getDuration(key);
        if (d.isZero() || d.isNegative()) {
            throw new ConfigurationException(options.owner() + ": option '" + key + "' must be positive, was '"
                    + options.getString(key) + "'");
        }
        return d;
    }

    private static Set<KafkaRecordDecoder.Field> parseFields(String text) {
        String t = ClientSettings.lower(text);
        switch (t) {
            case "false", "no", "off", "none", "0":
                return EnumSet.noneOf(KafkaRecordDecoder.Field.class);
            case "true", "yes", "on", "all", "1":
                return EnumSet.allOf(KafkaRecordDecoder.Field.class);
            default:
                break;
        }
        EnumSet<KafkaRecordDecoder.Field> out = EnumSet.noneOf(KafkaRecordDecoder.Field.class);
        for (String name : ClientSettings.list(t)) {
            try {
                out.add(KafkaRecordDecoder.Field.valueOf(name.toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw new ConfigurationException(OWNER + ": option 'metadata' has unknown field '" + name
                        + "'; use true, false, or a list of key, topic, partition, offset, timestamp, headers");
            }
        }
        return out;
    }

    /** The topics read. */
    public List<String> topics() {
        return topics;
    }

    /** The bootstrap servers. */
    public String bootstrapServers() {
        return client.servers();
    }

    /** The consumer group used when feeding {@code streamName}. */
    public String groupId(String streamName) {
        return groupId != null ? groupId : "minibatch-" + streamName;
    }

    /**
     * Consumes until {@link #cancel()} (or interruption), appending to {@code stream}. Fails at once
     * with {@link KafkaUnavailableException} if no broker answers within {@code connect.timeout}.
     */
    @Override
    public void stream(StreamWriter stream) throws Exception {
        Objects.requireNonNull(stream, "stream");
        if (!running.compareAndSet(false, true)) {
            throw new IllegalStateException(this + " is already streaming; use one KafkaSource per attach");
        }
        try {
            if (cancelled) {
                return;
            }
            if (!client.checkReachable(OWNER + " for stream '" + stream.name() + "'", topics, connectTimeout,
                    () -> cancelled)) {
                return;
            }
            // the consumer loads classes lazily (e.g. at a SASL login) through the context loader
            ClassLoader previous = Thread.currentThread().getContextClassLoader();
            Thread.currentThread().setContextClassLoader(KafkaSource.class.getClassLoader());
            try {
                consume(stream);
            } finally {
                Thread.currentThread().setContextClassLoader(previous);
            }
        } finally {
            running.set(false);
        }
    }

    private Map<String, Object> consumerProperties(String group) {
        Map<String, Object> props = new LinkedHashMap<>(client.passThrough());
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, client.servers());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, start);
        return props;
    }

    private void consume(StreamWriter stream) throws InterruptedException {
        String group = groupId(stream.name());
        KafkaConsumer<byte[], byte[]> created;
        try {
            created = KafkaClassLoading.withModuleClassLoader(
                    () -> new KafkaConsumer<>(consumerProperties(group), new ByteArrayDeserializer(), new ByteArrayDeserializer()));
        } catch (KafkaException e) {
            throw client.configurationError(OWNER, e);
        }
        Map<TopicPartition, OffsetAndMetadata> uncommitted = new HashMap<>();
        KafkaConsumer<byte[], byte[]> c = created;
        try {
            consumer = c;
            if (cancelled) {
                return;
            }
            c.subscribe(topics, new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                    // everything polled before was appended; save its offsets before another member takes over
                    commitQuietly(c, uncommitted);
                }

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    LOG.debug("{} for stream '{}': assigned {}", OWNER, stream.name(), partitions);
                }

                @Override
                public void onPartitionsLost(Collection<TopicPartition> partitions) {
                    // the group moved on without us: these offsets may no longer be committed
                    partitions.forEach(uncommitted::remove);
                }
            });
            LOG.info("{}: reading {} from {} into stream '{}' as group '{}'", OWNER, topics, client.servers(),
                    stream.name(), group);
            while (!cancelled) {
                ConsumerRecords<byte[], byte[]> records;
                try {
                    records = c.poll(pollTimeout);
                } catch (WakeupException e) {
                    continue; // cancel() woke us; the loop condition decides
                }
                if (!records.isEmpty()) {
                    if (!deliver(stream, records)) {
                        return; // cancelled before the batch was stored: its offsets stay uncommitted
                    }
                    uncommitted.putAll(records.nextOffsets());
                }
                if (!uncommitted.isEmpty()) {
                    commit(c, uncommitted);
                }
            }
            commitQuietly(c, uncommitted); // what an earlier failed commit left
        } catch (InterruptException e) {
            // Attachment.stop interrupts a source that did not return in time
            Thread.currentThread().interrupt();
        } catch (AuthenticationException | AuthorizationException e) {
            throw new KafkaConnectorException(OWNER + " for stream '" + stream.name() + "': Kafka at "
                    + client.servers() + " refused access: " + client.describe(e), client.chainable(e));
        } catch (KafkaException e) {
            throw new KafkaConnectorException(OWNER + " for stream '" + stream.name() + "' reading " + topics
                    + " at " + client.servers() + " failed: " + client.describe(e), client.chainable(e));
        } finally {
            consumer = null;
            closeQuietly(c);
        }
    }

    /** Closes the consumer (leaving the group) within a bounded time, even if the broker is away. */
    private void closeQuietly(KafkaConsumer<byte[], byte[]> c) {
        boolean interrupted = Thread.interrupted(); // an interrupted close would skip leaving the group
        try {
            c.close(CloseOptions.timeout(CLOSE_TIMEOUT));
        } catch (KafkaException e) {
            LOG.warn("{}: closing the consumer failed: {}", OWNER, client.describe(e));
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Commits the offsets; keeps them for the next try if Kafka cannot take them now. */
    private void commit(KafkaConsumer<byte[], byte[]> c, Map<TopicPartition, OffsetAndMetadata> uncommitted) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>(uncommitted);
        try {
            c.commitSync(offsets, commitTimeout);
            uncommitted.keySet().removeAll(offsets.keySet());
        } catch (WakeupException e) {
            // cancel() during the commit: commit once more, the records are in the stream already
            commitQuietly(c, uncommitted);
        } catch (RebalanceInProgressException e) {
            LOG.debug("{}: the group is rebalancing; committing offsets with the next poll", OWNER);
        } catch (CommitFailedException e) {
            LOG.warn("{}: committing offsets failed because the group rebalanced; records after the last commit "
                    + "of partitions {} may reach the stream again", OWNER, offsets.keySet());
            uncommitted.keySet().removeAll(offsets.keySet());
        } catch (RetriableException e) {
            LOG.warn("{}: committing offsets at {} failed ({}); trying again with the next poll", OWNER,
                    client.servers(), client.describe(e));
        }
    }

    private void commitQuietly(KafkaConsumer<byte[], byte[]> c, Map<TopicPartition, OffsetAndMetadata> uncommitted) {
        if (uncommitted.isEmpty()) {
            return;
        }
        try {
            try {
                c.commitSync(new HashMap<>(uncommitted), commitTimeout);
            } catch (WakeupException e) {
                c.commitSync(new HashMap<>(uncommitted), commitTimeout); // the wakeup of cancel() is spent now
            }
            uncommitted.clear();
        } catch (KafkaException e) {
            LOG.warn("{}: committing offsets at {} failed ({}); their records may reach the stream again", OWNER,
                    client.servers(), client.describe(e));
        }
    }


    /**
     * Appends the values and dead-letters the invalid records, retrying store failures with a
     * backoff until it succeeds or the source is cancelled. Never hands a value to the stream twice:
     * a batching stream handle keeps values it could not write and only needs flushing again.
     *
     * @return false if cancelled before everything was stored
     */
    private boolean deliver(StreamWriter stream, ConsumerRecords<byte[], byte[]> records) throws InterruptedException {
        KafkaRecordDecoder.Decoded batch = decoder.decode(records);
        List<JsonNode> values = batch.values();
        List<KafkaRecordDecoder.DeadLetter> dead = new ArrayList<>(batch.dead());
        boolean batching = stream.options().batchSize() > 1;
        int handed = 0; // values [0, handed) were given to the stream
        boolean singly = false;
        int deadDone = 0;
        Duration backoff = retryBackoff;
        while (true) {
            try {
                if (handed < values.size() && !singly) {
                    try {
                        stream.appendAll(values);
                        handed = values.size();
                    } catch (InvalidMessageException e) {
                        singly = true; // one value is unacceptable (e.g. too large): take them one by one
                    } catch (StoreException e) {
                        if (batching) {
                            handed = values.size();
                        }
                        throw e;
                    }
                }
                while (handed < values.size()) {
                    try {
                        stream.append(values.get(handed));
                    } catch (InvalidMessageException e) {
                        ConsumerRecord<byte[], byte[]> r = batch.sources().get(handed);
                        dead.add(KafkaRecordDecoder.deadLetter(r, false, "Kafka record " + KafkaRecordDecoder.where(r) + " rejected by stream '"
                                + stream.name() + "': " + e.getMessage()));
                    } catch (StoreException e) {
                        if (batching) {
                            handed++;
                        }
                        throw e;
                    }
                    handed++;
                }
                stream.flush(); // durable now, also for a batching handle
                for (; deadDone < dead.size(); deadDone++) {
                    deadLetter(stream, dead.get(deadDone));
                }
                return true;
            } catch (StoreException e) {
                LOG.warn("{}: storing {} records from {} in stream '{}' failed ({}); trying again in {}", OWNER,
                        records.count(), topics, stream.name(), e.getMessage(), ClientSettings.format(backoff));
                if (cancelSignal.await(backoff.toMillis(), TimeUnit.MILLISECONDS) || cancelled) {
                    return false;
                }
                backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
            }
        }
    }

    private static void deadLetter(StreamWriter stream, KafkaRecordDecoder.DeadLetter d) {
        try {
            stream.deadLetter(d.value(), d.error());
            return;
        } catch (InvalidMessageException tooLarge) {
            // the raw bytes make it too large: keep the coordinates, the size and the error
            ObjectNode slim = d.value().deepCopy();
            JsonNode raw = slim.remove("value_base64");
            if (raw != null) {
                slim.put("value_size", raw.isNull() ? 0 : Base64.getDecoder().decode(raw.asText()).length);
            }
            String key = slim.path("key").asText(null);
            if (key != null && key.length() > MAX_DEAD_KEY_CHARS) {
                slim.put("key", key.substring(0, MAX_DEAD_KEY_CHARS) + "…");
            }
            try {
                stream.deadLetter(slim, d.error() + " (raw value omitted: " + tooLarge.getMessage() + ")");
                return;
            } catch (InvalidMessageException stillTooLarge) {
                // only with a message size limit below a few hundred bytes; fall through
            }
        }
        // skipping it beats failing on the same record after every restart
        LOG.error("{}: could not dead-letter {} in stream '{}' (the message size limit is too small); skipped: {}",
                OWNER, d.value().path("topic").asText() + "-" + d.value().path("partition").asText() + "@"
                        + d.value().path("offset").asText(), stream.name(), d.error());
    }

    /** The JSON value of a record, or null for a tombstone (see {@link KafkaRecordDecoder#decodeValue}). */
    static JsonNode decodeValue(byte[] bytes) throws IOException {
        return KafkaRecordDecoder.decodeValue(bytes);
    }

    /** Stops {@link #stream(StreamWriter)}: wakes the consumer, which commits what was appended and closes. */
    @Override
    public void cancel() {
        cancelled = true;
        cancelSignal.countDown();
        KafkaConsumer<byte[], byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
    }

    @Override
    public String toString() {
        return "KafkaSource[" + String.join(",", topics) + " @ " + client.servers()
                + (groupId != null ? ", group " + groupId : "") + "]";
    }
}
