package dev.minibatch.kafka.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.minibatch.model.ConfigurationException;
import dev.minibatch.model.TableEntry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;

/**
 * Tables on {@code kafka://}: each table is a compacted changelog topic ({@code prefix + "__table." +
 * name}) with as many partitions as the stream that writes it, a key in the partition Kafka's default
 * partitioner gives it, the same partition as the stream's records with that key. So the member of an
 * ordered group that owns a stream partition owns that partition of its tables' state: it alone
 * writes it, and a key's updates follow the order of its records.
 *
 * <p>A record is one key's entry: key = the table key (UTF-8), value = the value's JSON (null: removed,
 * a tombstone), timestamp = the commit's time, headers {@value #VERSION} (the entry's version) and
 * {@value #UPDATES} (updates ever applied to the partition, so a table's update count survives
 * compaction: a partition's newest record always does). Thread-safe.
 */
final class TableChangelogs {

    static final String INFIX = "__table.";
    static final String VERSION = "mb-version";
    static final String UPDATES = "mb-updates";
    /** Room for a value at {@code Minibatch}'s default limit (1 MiB) plus its key and headers. */
    private static final String MAX_MESSAGE_BYTES = Integer.toString(2 * 1024 * 1024);
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Duration DESCRIBE_WAIT = Duration.ofSeconds(10);
    /** How long restoring or catching up with a changelog may take before it fails. */
    static final Duration READ_TIMEOUT = Duration.ofMinutes(5);

    private final KafkaStoreSettings settings;
    private final KafkaCatalog catalog;
    private final Admin admin;
    /** Table → its changelog topic, once checked. */
    private final Map<String, String> topics = new ConcurrentHashMap<>();
    /** Changelog topic → its partition count, once known. */
    private final Map<String, Integer> partitions = new ConcurrentHashMap<>();

    TableChangelogs(KafkaStoreSettings settings, KafkaCatalog catalog, Admin admin) {
        this.settings = settings;
        this.catalog = catalog;
        this.admin = admin;
    }

    /** The changelog topic of {@code table}; a clear error if Kafka cannot name a topic so. */
    String topic(String table) {
        String known = table == null ? null : topics.get(table);
        return known != null ? known : topics.computeIfAbsent(table, this::checkedTopic); // asked per update in a commit
    }

    private String checkedTopic(String table) {
        if (table == null || table.isEmpty() || !KafkaCatalog.LEGAL.matcher(table).matches()) {
            throw new IllegalArgumentException("table name '" + table + "' cannot be part of a Kafka topic name: on"
                    + " kafka:// use only letters, digits, '.', '_' and '-'");
        }
        String topic = settings.prefix() + INFIX + table;
        if (topic.length() > KafkaCatalog.MAX_TOPIC) {
            throw new IllegalArgumentException("table name '" + table + "' is too long for kafka://: its changelog topic"
                    + " would have " + topic.length() + " characters; Kafka allows " + KafkaCatalog.MAX_TOPIC);
        }
        return topic;
    }

    /** The tables of this store's prefix, by name. */
    List<String> tables() {
        String stem = settings.prefix() + INFIX;
        List<String> out = new ArrayList<>();
        for (String topic : catalog.topicNames()) {
            if (topic.startsWith(stem) && topic.length() > stem.length()) {
                out.add(topic.substring(stem.length()));
            }
        }
        out.sort(null);
        return out;
    }

    /**
     * The changelog topic of {@code table}, created (compacted) with {@code streamPartitions}
     * partitions if missing; a clear error if it exists with another partition count, since a key's
     * partition would then differ from its records'.
     */
    String ensure(String table, String stream, int streamPartitions) {
        String topic = topic(table);
        Integer known = partitions.get(topic);
        if (known == null) {
            catalog.createTopic(topic, streamPartitions, Map.of("cleanup.policy", "compact",
                    "max.message.bytes", MAX_MESSAGE_BYTES));
            // described with the wait whether or not the topic is listed yet: a broker may list it later
            // than it describes it (partitions(table) waits only for a listed topic)
            known = describe(topic, DESCRIBE_WAIT).orElseThrow(() -> new IllegalStateException("the changelog topic '"
                    + topic + "' of table '" + table + "' was created but no broker describes it within " + DESCRIBE_WAIT));
            partitions.put(topic, known);
        }
        if (known != streamPartitions) {
            throw new ConfigurationException("table '" + table + "' on kafka:// has " + known + " partitions (topic '"
                    + topic + "') and stream '" + stream + "' " + streamPartitions + ": a table is written by streams"
                    + " with as many partitions as it has (a key's state lives in its records' partition)");
        }
        return topic;
    }

    /** How many partitions the table's changelog has, or empty if the table does not exist. */
    Optional<Integer> partitions(String table) {
        String topic = topic(table);
        Integer known = partitions.get(topic);
        if (known != null) {
            return Optional.of(known);
        }
        Optional<Integer> count = describe(topic, catalog.topicNames().contains(topic) ? DESCRIBE_WAIT : Duration.ZERO);
        count.ifPresent(n -> partitions.put(topic, n));
        return count;
    }

    /** Partition count of a topic; a topic just created may be unknown to the broker asked for a moment. */
    Optional<Integer> describe(String topic, Duration wait) {
        long deadline = System.nanoTime() + wait.toNanos();
        while (true) {
            try {
                TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
                return Optional.of(d.partitions().size());
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                    throw KafkaStore.failure("describing topic '" + topic + "'", settings, e.getCause());
                }
                if (System.nanoTime() > deadline) {
                    return Optional.empty();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw KafkaStore.interrupted("describing topic '" + topic + "'");
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw KafkaStore.interrupted("describing topic '" + topic + "'");
            }
        }
    }

    /** Forgets a dropped table's topic. */
    void forget(String table) {
        partitions.remove(topic(table));
    }

    /** The partition of {@code key} in a topic of {@code count} partitions: Kafka's default partitioner's. */
    static int partitionOf(String key, int count) {
        return BuiltInPartitioner.partitionForKey(key.getBytes(StandardCharsets.UTF_8), count);
    }

    /** The record of {@code key}'s new entry ({@code entry} null: removed), the partition's {@code updates} so far. */
    static ProducerRecord<byte[], byte[]> record(String topic, int partition, String key, TableEntry entry, long version,
                                                 long updates, Instant now) {
        byte[] value;
        try {
            value = entry == null ? null : MAPPER.writeValueAsBytes(entry.value());
        } catch (IOException e) {
            throw new IllegalStateException("encoding the value of key '" + key + "'", e);
        }
        List<Header> headers = List.of(new RecordHeader(VERSION, longBytes(version)), new RecordHeader(UPDATES, longBytes(updates)));
        return new ProducerRecord<>(topic, partition, now.toEpochMilli(), key.getBytes(StandardCharsets.UTF_8), value, headers);
    }

    /** The entry a changelog record holds, or null for a tombstone. */
    static TableEntry entry(ConsumerRecord<byte[], byte[]> r) {
        if (r.value() == null) {
            return null;
        }
        try {
            JsonNode value = MAPPER.readTree(r.value());
            return new TableEntry(new String(r.key(), StandardCharsets.UTF_8), value, header(r, VERSION),
                    Instant.ofEpochMilli(r.timestamp()));
        } catch (IOException e) {
            throw new IllegalStateException("changelog record " + r.topic() + "-" + r.partition() + "@" + r.offset()
                    + " is not a table entry: " + e.getMessage(), e);
        }
    }

    /** The key a changelog record is about. */
    static String key(ConsumerRecord<byte[], byte[]> r) {
        return new String(r.key(), StandardCharsets.UTF_8);
    }

    /** A long header of a changelog record (0 when absent). */
    static long header(ConsumerRecord<byte[], byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null || h.value() == null || h.value().length != Long.BYTES ? 0 : ByteBuffer.wrap(h.value()).getLong();
    }

    /**
     * Reads {@code partitions} from the consumer's positions to their ends as they were when the read
     * began (read committed: up to the last stable offset), handing each record to {@code each}.
     */
    static void readToEnd(KafkaConsumer<byte[], byte[]> consumer, Collection<TopicPartition> partitions,
                          java.util.function.Consumer<ConsumerRecord<byte[], byte[]>> each, String what) {
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
        long deadline = System.nanoTime() + READ_TIMEOUT.toNanos();
        while (behind(consumer, end)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(what + ": the changelog was not read to its end within " + READ_TIMEOUT
                        + " (positions " + positions(consumer, end.keySet()) + ", ends " + end + ")");
            }
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                each.accept(r);
            }
        }
    }

    private static boolean behind(KafkaConsumer<byte[], byte[]> consumer, Map<TopicPartition, Long> end) {
        for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
            if (consumer.position(e.getKey()) < e.getValue()) {
                return true;
            }
        }
        return false;
    }

    private static Map<TopicPartition, Long> positions(KafkaConsumer<byte[], byte[]> consumer, Collection<TopicPartition> tps) {
        Map<TopicPartition, Long> out = new java.util.TreeMap<>(java.util.Comparator.comparing(TopicPartition::partition));
        tps.forEach(tp -> out.put(tp, consumer.position(tp)));
        return out;
    }

    private static byte[] longBytes(long v) {
        return ByteBuffer.allocate(Long.BYTES).putLong(v).array();
    }
}
