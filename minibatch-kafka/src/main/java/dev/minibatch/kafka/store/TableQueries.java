package dev.minibatch.kafka.store;

import dev.minibatch.model.TableEntry;
import dev.minibatch.model.TableInfo;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * Table queries on {@code kafka://} ({@code mb.table(name)}, the CLI, {@code GET /tables}), answered
 * from the tables' changelog topics, from any process: per table, a consumer of all its partitions
 * keeps an image (every key's latest committed entry), and each query first reads the changelog to
 * its end as it is when the query starts. So a query sees every window committed before it began, in
 * whichever process (read committed), at the cost of one round trip to the brokers plus whatever was
 * written since the last query; the image costs memory like the table (a process that never queries
 * a table holds nothing of it).
 *
 * <p>{@link #clear} writes a tombstone for every key in one transaction; {@link #drop} deletes the
 * changelog topic. Both are for tables no consumer is writing: a running table consumer keeps the
 * state it restored until its partitions move (then it restores the cleared table).
 *
 * <p><b>Threading.</b> Thread-safe: queries of one table run one at a time.
 */
final class TableQueries implements AutoCloseable {

    /** One table's image and the consumer that keeps it. */
    private static final class Image {
        final KafkaConsumer<byte[], byte[]> consumer;
        final List<TopicPartition> partitions;
        final NavigableMap<String, TableEntry> entries = new TreeMap<>();
        final Map<Integer, Long> updates = new HashMap<>();
        Instant lastUpdate;

        Image(KafkaConsumer<byte[], byte[]> consumer, List<TopicPartition> partitions) {
            this.consumer = consumer;
            this.partitions = partitions;
        }
    }

    private final KafkaClients clients;
    private final TableChangelogs changelogs;
    private final Admin admin;
    private final KafkaStoreSettings settings;
    private final Map<String, Image> images = new ConcurrentHashMap<>();
    private volatile boolean closed;

    TableQueries(KafkaStoreSettings settings, KafkaClients clients, TableChangelogs changelogs, Admin admin) {
        this.settings = settings;
        this.clients = clients;
        this.changelogs = changelogs;
        this.admin = admin;
    }

    Optional<TableEntry> entry(String table, String key) {
        return read(table, image -> Optional.ofNullable(image.entries.get(key)), Optional.empty());
    }

    List<TableEntry> entries(String table, String afterKey, int limit) {
        return read(table, image -> {
            List<TableEntry> page = new ArrayList<>(Math.min(limit, image.entries.size()));
            for (TableEntry e : (afterKey == null ? image.entries : image.entries.tailMap(afterKey, false)).values()) {
                if (page.size() >= limit) {
                    break;
                }
                page.add(e);
            }
            return page;
        }, List.of());
    }

    Optional<TableInfo> info(String table) {
        return read(table, image -> Optional.of(new TableInfo(table, image.entries.size(),
                image.updates.values().stream().mapToLong(Long::longValue).sum(), image.lastUpdate)), Optional.empty());
    }

    List<TableInfo> list() {
        List<TableInfo> out = new ArrayList<>();
        for (String table : changelogs.tables()) {
            info(table).ifPresent(out::add);
        }
        return out;
    }

    /** Writes a tombstone for every key, in one transaction; how many keys there were. */
    long clear(String table, Consumer<List<ProducerRecord<byte[], byte[]>>> transaction) {
        return read(table, image -> {
            List<ProducerRecord<byte[], byte[]>> tombstones = new ArrayList<>(image.entries.size());
            Instant now = Instant.now();
            String topic = changelogs.topic(table);
            for (String key : image.entries.keySet()) {
                int p = TableChangelogs.partitionOf(key, image.partitions.size());
                tombstones.add(TableChangelogs.record(topic, p, key, null, 0, image.updates.getOrDefault(p, 0L), now));
            }
            if (!tombstones.isEmpty()) {
                transaction.accept(tombstones);
            }
            long n = image.entries.size();
            image.entries.clear(); // the tombstones read back at the next query change nothing more
            return n;
        }, 0L);
    }

    /** Deletes the table's changelog topic; false if there was none. */
    boolean drop(String table) {
        String topic = changelogs.topic(table);
        Image image = images.remove(table);
        if (image != null) {
            synchronized (image) {
                image.consumer.close();
            }
        }
        changelogs.forget(table);
        try {
            admin.deleteTopics(List.of(topic)).all().get();
            return true;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                return false;
            }
            throw KafkaStore.failure("deleting the changelog topic '" + topic + "' of table '" + table + "'", settings, e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw KafkaStore.interrupted("deleting a table");
        }
    }

    /** Runs {@code query} on the table's image, caught up to the changelog's end; {@code none} if there is no table. */
    private <T> T read(String table, java.util.function.Function<Image, T> query, T none) {
        if (closed) {
            throw new IllegalStateException("the kafka:// store " + settings.url() + " is closed");
        }
        Image known = images.get(table);
        if (known == null) {
            Optional<Integer> partitions = changelogs.partitions(table);
            if (partitions.isEmpty()) {
                return none;
            }
            known = images.computeIfAbsent(table, t -> open(t, partitions.get()));
        }
        Image image = known;
        synchronized (image) {
            TableChangelogs.readToEnd(image.consumer, image.partitions, r -> apply(image, r), "reading table '" + table + "'");
            return query.apply(image);
        }
    }

    private Image open(String table, int partitions) {
        String topic = changelogs.topic(table);
        List<TopicPartition> tps = new ArrayList<>(partitions);
        for (int p = 0; p < partitions; p++) {
            tps.add(new TopicPartition(topic, p));
        }
        KafkaConsumer<byte[], byte[]> consumer = clients.reader();
        consumer.assign(tps);
        consumer.seekToBeginning(tps);
        return new Image(consumer, tps);
    }

    private static void apply(Image image, org.apache.kafka.clients.consumer.ConsumerRecord<byte[], byte[]> r) {
        TableEntry e = TableChangelogs.entry(r);
        if (e == null) {
            image.entries.remove(TableChangelogs.key(r));
        } else {
            image.entries.put(e.key(), e);
        }
        image.updates.merge(r.partition(), TableChangelogs.header(r, TableChangelogs.UPDATES), Math::max);
        Instant at = Instant.ofEpochMilli(r.timestamp());
        if (image.lastUpdate == null || at.isAfter(image.lastUpdate)) {
            image.lastUpdate = at;
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Image image : images.values()) {
            synchronized (image) {
                image.consumer.close(java.time.Duration.ofSeconds(5));
            }
        }
        images.clear();
    }
}
