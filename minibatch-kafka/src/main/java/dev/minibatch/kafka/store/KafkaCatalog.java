package dev.minibatch.kafka.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.minibatch.model.StreamInfo;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * Streams as topics: names ({@code prefix + stream}, checked against Kafka's rules), creation on
 * first use with the configured partitions, replication and {@code min.insync.replicas}, listing,
 * and each stream's metadata (creation time, Python's nominal interval) in the compacted topic
 * {@value #METADATA_TOPIC}, keyed by topic. Thread-safe.
 */
final class KafkaCatalog {

    /** What Kafka allows in a topic name. */
    static final Pattern LEGAL = Pattern.compile("[A-Za-z0-9._\\-]+");

    /** Kafka's limit on a topic name's length. */
    static final int MAX_TOPIC = 249;

    static final String METADATA_TOPIC = "__minibatch_streams";

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final KafkaStoreSettings settings;
    private final Admin admin;
    private final KafkaProducer<byte[], byte[]> producer;
    private final KafkaClients clients;
    private final Set<String> knownTopics = ConcurrentHashMap.newKeySet();
    private final Map<String, StreamInfo> metadata = new ConcurrentHashMap<>();
    private final Map<String, Instant> lastRead = new ConcurrentHashMap<>();
    private volatile boolean metadataTopicReady;

    KafkaCatalog(KafkaStoreSettings settings, KafkaClients clients, Admin admin, KafkaProducer<byte[], byte[]> producer) {
        this.settings = settings;
        this.clients = clients;
        this.admin = admin;
        this.producer = producer;
    }

    /** The topic of {@code stream}; a clear error if Kafka cannot name a topic so. */
    String topic(String stream) {
        dev.minibatch.internal.Names.checkStreamName(stream);
        String topic = settings.prefix() + stream;
        if (!LEGAL.matcher(stream).matches()) {
            throw new IllegalArgumentException("stream name '" + stream + "' cannot be a Kafka topic name: on kafka:// use"
                    + " only letters, digits, '.', '_' and '-'");
        }
        if (topic.length() > MAX_TOPIC) {
            throw new IllegalArgumentException("stream name '" + stream + "' is too long for kafka://: its topic '"
                    + topic.substring(0, 40) + "…' would have " + topic.length() + " characters; Kafka allows " + MAX_TOPIC);
        }
        if (stream.startsWith("__")) { // the store's own topics: tables' changelogs are prefix + "__table." + name
            throw new IllegalArgumentException("stream name '" + stream + "' cannot be used on kafka://: names starting"
                    + " with '__' are reserved for the store's own topics");
        }
        if (topic.equals(".") || topic.equals("..")) {
            throw new IllegalArgumentException("stream name '" + stream + "' cannot be a Kafka topic name");
        }
        return topic;
    }

    /** The stream a topic holds, or null if the topic is not one of this store's (other prefix, internal). */
    String stream(String topic) {
        if (!topic.startsWith(settings.prefix()) || topic.startsWith("__")) {
            return null;
        }
        String name = topic.substring(settings.prefix().length());
        return name.isEmpty() || name.startsWith("__") ? null : name;
    }

    /** Creates the stream's topic if missing; returns its metadata. */
    StreamInfo ensure(String stream, Duration interval, Instant now) {
        String topic = topic(stream);
        lastRead.putIfAbsent(stream, now); // this process's window grid starts when it first opens the stream
        if (!knownTopics.contains(topic)) {
            boolean created = createTopic(topic, settings.partitions(), Map.of());
            knownTopics.add(topic);
            if (created) {
                writeMetadata(stream, topic, now, interval);
            }
        }
        return info(stream).orElseGet(() -> new StreamInfo(stream, "open", now, interval, lastRead.get(stream), null));
    }

    /** Whether the topic exists (asking the cluster once, then remembering). */
    boolean exists(String stream) {
        String topic = topic(stream);
        if (knownTopics.contains(topic)) {
            return true;
        }
        if (topicNames().contains(topic)) {
            knownTopics.add(topic);
            return true;
        }
        return false;
    }

    Optional<StreamInfo> find(String stream) {
        if (!exists(stream)) {
            return Optional.empty();
        }
        return Optional.of(info(stream).orElseGet(() -> new StreamInfo(stream, "open", null, null, lastRead.get(stream), null)));
    }

    List<StreamInfo> list() {
        List<StreamInfo> out = new ArrayList<>();
        for (String topic : topicNames().stream().sorted().toList()) {
            String stream = stream(topic);
            if (stream != null && LEGAL.matcher(stream).matches()) {
                out.add(find(stream).orElseThrow());
            }
        }
        return out;
    }

    /** This process's time-window start for the stream: on a shared stream each process windows its own share. */
    boolean compareAndSetLastRead(String stream, Instant expected, Instant next) {
        if (expected == null) {
            return lastRead.putIfAbsent(stream, next) == null;
        }
        return lastRead.replace(stream, expected, next);
    }

    Instant lastRead(String key) {
        return lastRead.get(key);
    }

    Set<String> topicNames() {
        try {
            return admin.listTopics().names().get();
        } catch (ExecutionException e) {
            throw KafkaStore.failure("listing topics", settings, e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw KafkaStore.interrupted("listing topics");
        }
    }

    /** Creates a topic; false if it existed. */
    boolean createTopic(String topic, int partitions, Map<String, String> extraConfigs) {
        NewTopic spec = new NewTopic(topic, Optional.of(partitions),
                settings.replication() > 0 ? Optional.of(settings.replication()) : Optional.empty());
        Map<String, String> configs = new HashMap<>(extraConfigs);
        if (settings.minInsync() > 0) {
            configs.put("min.insync.replicas", Integer.toString(settings.minInsync()));
        }
        spec.configs(configs);
        try {
            admin.createTopics(List.of(spec)).all().get();
            return true;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof TopicExistsException) {
                return false;
            }
            throw KafkaStore.failure("creating topic '" + topic + "'", settings, e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw KafkaStore.interrupted("creating topic '" + topic + "'");
        }
    }

    private void writeMetadata(String stream, String topic, Instant created, Duration interval) {
        ensureMetadataTopic();
        ObjectNode doc = MAPPER.createObjectNode();
        doc.put("stream", stream);
        doc.put("created", created.toEpochMilli());
        if (interval != null) {
            doc.put("interval", interval.toMillis());
        }
        try {
            producer.send(new ProducerRecord<>(METADATA_TOPIC, topic.getBytes(StandardCharsets.UTF_8),
                    MAPPER.writeValueAsBytes(doc))).get();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            throw KafkaStore.failure("writing the metadata of stream '" + stream + "'", settings, e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw KafkaStore.interrupted("writing stream metadata");
        }
        metadata.put(stream, new StreamInfo(stream, "open", created, interval, lastRead.get(stream), null));
    }

    private void ensureMetadataTopic() {
        if (!metadataTopicReady) {
            createTopic(METADATA_TOPIC, 1, Map.of("cleanup.policy", "compact"));
            metadataTopicReady = true;
        }
    }

    private Optional<StreamInfo> info(String stream) {
        StreamInfo known = metadata.get(stream);
        if (known == null) {
            loadMetadata(List.of(stream));
            known = metadata.get(stream);
        }
        if (known == null) {
            return Optional.empty();
        }
        return Optional.of(new StreamInfo(stream, "open", known.created(), known.interval(), lastRead.get(stream), null));
    }

    /** Reads the metadata topic to its end (it is small and compacted). */
    private synchronized void loadMetadata(Collection<String> wanted) {
        if (wanted.stream().allMatch(metadata::containsKey) || !topicNames().contains(METADATA_TOPIC)) {
            return;
        }
        TopicPartition tp = new TopicPartition(METADATA_TOPIC, 0);
        try (KafkaConsumer<byte[], byte[]> reader = clients.reader()) {
            reader.assign(List.of(tp));
            reader.seekToBeginning(List.of(tp));
            long end = reader.endOffsets(List.of(tp)).get(tp);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (reader.position(tp) < end && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : reader.poll(Duration.ofMillis(200))) {
                    if (r.value() == null) {
                        continue;
                    }
                    try {
                        JsonNode doc = MAPPER.readTree(r.value());
                        String name = doc.path("stream").asText(null);
                        if (name == null) {
                            continue;
                        }
                        Instant created = doc.has("created") ? Instant.ofEpochMilli(doc.get("created").asLong()) : null;
                        Duration interval = doc.has("interval") ? Duration.ofMillis(doc.get("interval").asLong()) : null;
                        metadata.put(name, new StreamInfo(name, "open", created, interval, null, null));
                    } catch (IOException unreadable) {
                        // not ours: another tool wrote to the topic
                    }
                }
            }
        }
    }

    /** Forgets what it knows of a topic that was deleted under it. */
    void forget(String stream) {
        knownTopics.remove(topic(stream));
    }
}
