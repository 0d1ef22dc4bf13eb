package dev.minibatch.kafka.store;

import com.fasterxml.jackson.databind.JsonNode;
import dev.minibatch.model.StateFunctionException;
import dev.minibatch.model.TableEntry;
import dev.minibatch.model.TableValueException;
import dev.minibatch.spi.store.CommitEffects;
import dev.minibatch.spi.store.NewMessage;
import dev.minibatch.spi.store.StateUpdate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The table state an ordered consumer group's member owns in this process: for each table and each
 * stream partition assigned here, every key's entry, restored from the table's changelog partition
 * when a window first updates it after the partition was assigned (Kafka Streams restores its
 * RocksDB stores the same way; here the local store is memory), changed by each window's commit once
 * its transaction committed, and dropped when the partition goes (it is restored again if it comes
 * back: another member may have written it meanwhile).
 *
 * <p>A window updates only keys of its own partitions (a key's partition is its records'; see
 * {@link TableChangelogs}), so the member owning a partition is its state's only writer, and the
 * group's fencing (a member that lost the partition cannot commit) keeps it so across rebalances.
 *
 * <p><b>Threading.</b> Thread-safe; the member's transactions run one at a time (under the fetcher's
 * transaction lock), so nothing changes the owned state between a {@link #prepare} and its
 * {@link Prepared#apply}.
 * {@link #close()} closes the restore consumer.
 */
final class OwnedTables implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(OwnedTables.class);

    private record Slot(String table, int partition) {
    }

    /** One table partition's entries, valid for one assignment of the partition. */
    private static final class State {
        final long ownership;
        final Map<String, TableEntry> entries = new HashMap<>();
        long updates;

        State(long ownership) {
            this.ownership = ownership;
        }
    }

    private final String stream;
    private final String topic;
    private final KafkaClients clients;
    private final TableChangelogs changelogs;
    private final OrderedBuffer buffer;
    private final Map<Slot, State> states = new HashMap<>();
    private KafkaConsumer<byte[], byte[]> restorer;
    private int streamPartitions;
    private boolean closed;

    OwnedTables(String stream, String topic, KafkaClients clients, TableChangelogs changelogs, OrderedBuffer buffer) {
        this.stream = stream;
        this.topic = topic;
        this.clients = clients;
        this.changelogs = changelogs;
        this.buffer = buffer;
    }

    /**
     * Windows' table effects computed against the owned state, to commit in one transaction:
     * {@link #records} (the changelog's) and {@link #appends} (the windows' own, and their changelog
     * streams' messages); {@link #failures} holds, per window, what its state functions threw (that
     * window is left out). {@link #apply} makes them the owned state once the transaction committed.
     */
    final class Prepared {
        final List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        final Map<String, List<NewMessage>> appends = new LinkedHashMap<>();
        final RuntimeException[] failures;
        private final Map<Slot, Map<String, TableEntry>> changed = new LinkedHashMap<>();
        private final Map<Slot, Integer> counts = new HashMap<>();

        private Prepared(int windows) {
            failures = new RuntimeException[windows];
        }

        /** After the transaction committed: the windows' entries become the owned state. */
        void apply() {
            synchronized (OwnedTables.this) {
                changed.forEach((slot, entries) -> {
                    State state = states.get(slot);
                    if (state == null) {
                        return; // the partition went meanwhile: its next owner restores it
                    }
                    state.updates += counts.get(slot);
                    entries.forEach((key, entry) -> {
                        if (entry == null) {
                            state.entries.remove(key);
                        } else {
                            state.entries.put(key, entry);
                        }
                    });
                });
            }
        }
    }

    /**
     * Computes windows' table effects against the owned state, changing nothing: window {@code i}
     * writes keys of {@code partitions.get(i)} only, and its functions see the values the windows
     * before it left; {@code effects.get(i)} null means none. A window whose function throws (or which
     * writes a key of another partition: a {@link StateFunctionException}) is reported in
     * {@link Prepared#failures} and left out, the others kept.
     */
    synchronized Prepared prepare(List<Set<Integer>> partitions, List<CommitEffects> effects) {
        if (closed) {
            throw new IllegalStateException("the kafka:// store is closed");
        }
        states.entrySet().removeIf(e -> e.getValue().ownership != buffer.ownership(e.getKey().partition()));
        Prepared prepared = new Prepared(effects.size());
        Map<Slot, Map<String, JsonNode>> next = new LinkedHashMap<>(); // the batch's values so far
        Map<Slot, Map<String, Integer>> touched = new HashMap<>();     // windows that changed each key
        Instant now = null;
        for (int i = 0; i < effects.size(); i++) {
            CommitEffects e = effects.get(i);
            if (e == null) {
                continue;
            }
            Map<Slot, Map<String, JsonNode>> mine = new LinkedHashMap<>();
            Map<Slot, Integer> counts = new HashMap<>();
            try {
                for (StateUpdate u : e.updates()) {
                    Slot slot = slotOf(u, partitions.get(i));
                    Map<String, JsonNode> values = mine.computeIfAbsent(slot, s -> new LinkedHashMap<>());
                    values.put(u.key(), u.function().apply(current(slot, u.key(), values, next)));
                    counts.merge(slot, 1, Integer::sum);
                }
            } catch (RuntimeException failed) {
                prepared.failures[i] = failed;
                continue;
            }
            now = e.now();
            e.appends().forEach((stream, messages) -> prepared.appends.computeIfAbsent(stream, s -> new ArrayList<>()).addAll(messages));
            mine.forEach((slot, values) -> {
                next.computeIfAbsent(slot, s -> new LinkedHashMap<>()).putAll(values);
                Map<String, Integer> keys = touched.computeIfAbsent(slot, s -> new HashMap<>());
                values.keySet().forEach(k -> keys.merge(k, 1, Integer::sum));
                String log = e.changelogs().get(slot.table());
                if (log != null) {
                    values.forEach((key, value) -> prepared.appends.computeIfAbsent(log, s -> new ArrayList<>())
                            .add(CommitEffects.changelogMessage(slot.table(), key, value, e.now())));
                }
            });
            counts.forEach((slot, n) -> prepared.counts.merge(slot, n, Integer::sum));
        }
        Instant at = now;
        next.forEach((slot, values) -> {
            State state = states.get(slot);
            long updates = state.updates + prepared.counts.get(slot);
            Map<String, TableEntry> entries = prepared.changed.computeIfAbsent(slot, s -> new HashMap<>());
            values.forEach((key, value) -> {
                TableEntry old = state.entries.get(key);
                long version = (old == null ? 0 : old.version()) + touched.get(slot).get(key);
                TableEntry entry = value == null ? null : new TableEntry(key, value, version, at);
                entries.put(key, entry);
                prepared.records.add(TableChangelogs.record(changelogs.topic(slot.table()), slot.partition(), key, entry,
                        version, updates, at));
            });
        });
        return prepared;
    }

    /** A key's value as a window's function sees it: the window's own so far, else the batch's, else the owned state's. */
    private JsonNode current(Slot slot, String key, Map<String, JsonNode> window, Map<Slot, Map<String, JsonNode>> batch) {
        if (window.containsKey(key)) {
            return window.get(key);
        }
        Map<String, JsonNode> earlier = batch.get(slot);
        if (earlier != null && earlier.containsKey(key)) {
            return earlier.get(key);
        }
        TableEntry e = state(slot).entries.get(key);
        return e == null ? null : e.value();
    }

    /** The table partition an update writes; a window may only write keys of its own partitions. */
    private Slot slotOf(StateUpdate u, Set<Integer> partitions) {
        if (streamPartitions == 0) {
            streamPartitions = changelogs.describe(topic, java.time.Duration.ofSeconds(10)).orElseThrow(
                    () -> new IllegalStateException("stream '" + stream + "': its topic '" + topic + "' is not described"));
        }
        changelogs.ensure(u.table(), stream, streamPartitions);
        int p = TableChangelogs.partitionOf(u.key(), streamPartitions);
        if (!partitions.contains(p)) {
            throw new StateFunctionException(u.table(), u.key(), new TableValueException(u.table(), u.key(),
                    "on kafka:// a table key lives in the stream partition its records' key goes to (" + p + " of "
                            + streamPartitions + "), and this window holds records of partitions " + partitions
                            + " only: update a table under the key of the records you update it from (keyBy() windows do),"
                            + " or append them keyed by it first (a stage's keyBy)", null));
        }
        return new Slot(u.table(), p);
    }

    /** The slot's state, restored from its changelog partition if this assignment has not done so yet. */
    private State state(Slot slot) {
        State state = states.get(slot);
        if (state != null) {
            return state;
        }
        long ownership = buffer.ownership(slot.partition());
        State restored = new State(ownership);
        TopicPartition tp = new TopicPartition(changelogs.topic(slot.table()), slot.partition());
        long began = System.nanoTime();
        KafkaConsumer<byte[], byte[]> consumer = restorer();
        consumer.assign(List.of(tp));
        consumer.seekToBeginning(List.of(tp));
        TableChangelogs.readToEnd(consumer, List.of(tp), r -> {
            TableEntry e = TableChangelogs.entry(r);
            if (e == null) {
                restored.entries.remove(TableChangelogs.key(r));
            } else {
                restored.entries.put(e.key(), e);
            }
            restored.updates = Math.max(restored.updates, TableChangelogs.header(r, TableChangelogs.UPDATES));
        }, "restoring table '" + slot.table() + "', partition " + slot.partition());
        consumer.assign(List.of());
        LOG.info("kafka:// table '{}', partition {}: restored {} keys from its changelog in {} ms", slot.table(),
                slot.partition(), restored.entries.size(), (System.nanoTime() - began) / 1_000_000);
        states.put(slot, restored);
        return restored;
    }

    private KafkaConsumer<byte[], byte[]> restorer() {
        if (restorer == null) {
            restorer = clients.reader();
        }
        return restorer;
    }

    @Override
    public synchronized void close() {
        closed = true;
        states.clear();
        if (restorer != null) {
            restorer.close(java.time.Duration.ofSeconds(5));
            restorer = null;
        }
    }
}
