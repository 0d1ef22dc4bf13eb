package dev.minibatch.kafka.store;

import dev.minibatch.model.StreamStats;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;

/**
 * The ordered consumer groups of a {@link KafkaStore} in this process: one {@link OrderedFetcher}
 * per stream and group, started at its first use and closed when the last consumer of this process
 * that subscribed to it stops (so its partitions go to the group's other members), or with the
 * store; and what an ordered
 * view reads from the cluster about its group (pending records from the group's committed offsets,
 * counts). Thread-safe.
 */
final class OrderedGroups implements AutoCloseable {

    /** Counting a backlog this large or smaller reads it; a larger one is estimated from offsets. */
    private static final long EXACT_COUNT_LIMIT = 10_000;

    private final KafkaStore store;
    private final KafkaClients clients;
    private final KafkaGroupAdmin admin;
    private final LogReader reader;
    private final TableChangelogs changelogs;
    private final Map<String, OrderedFetcher> fetchers = new ConcurrentHashMap<>();
    /** Consumers of this process subscribed to each group's fetcher (guarded by {@code fetchers}). */
    private final Map<String, Integer> subscribers = new HashMap<>();
    private volatile boolean closed;

    OrderedGroups(KafkaStore store, KafkaClients clients, KafkaGroupAdmin admin, LogReader reader, TableChangelogs changelogs) {
        this.store = store;
        this.changelogs = changelogs;
        this.clients = clients;
        this.admin = admin;
        this.reader = reader;
    }

    /** The consumer group of a stream's ordered consumers: its share group's name with {@code @ordered}. */
    String groupId(String stream, String group) {
        return store.groupId(stream, group) + "@ordered";
    }

    OrderedFetcher existing(String stream, String group) {
        return fetchers.get(groupId(stream, group));
    }

    /** The fetcher of a stream's ordered group, started (the stream created if missing) on first use. */
    OrderedFetcher fetcher(String stream, String group) {
        if (closed) {
            throw new IllegalStateException("the kafka:// store " + store.url() + " is closed");
        }
        String id = groupId(stream, group);
        OrderedFetcher f = fetchers.get(id);
        if (f != null) {
            return f;
        }
        synchronized (fetchers) {
            f = fetchers.get(id);
            if (f == null) {
                store.openStream(stream, null, Instant.now());
                String topic = store.topic(stream);
                f = new OrderedFetcher(stream, topic, id, clients, () -> store.notifyArrival(id), changelogs);
                fetchers.put(id, f);
            }
            return f;
        }
    }

    /**
     * A consumer of this process starts using the group's fetcher (starting it if needed); it calls
     * {@link #unsubscribe} when it stops.
     */
    OrderedFetcher subscribe(String stream, String group) {
        synchronized (fetchers) {
            OrderedFetcher f = fetcher(stream, group);
            subscribers.merge(f.group(), 1, Integer::sum);
            return f;
        }
    }

    /**
     * A consumer stopped (its windows are finished). When it was the last of this process, the fetcher
     * closes: its consumer leaves the group, so the partitions it held go to the group's other members
     * instead of waiting with this process.
     */
    void unsubscribe(OrderedFetcher f) {
        OrderedFetcher closing = null;
        synchronized (fetchers) {
            int left = subscribers.merge(f.group(), -1, Integer::sum);
            if (left <= 0) {
                subscribers.remove(f.group());
                if (fetchers.remove(f.group(), f)) {
                    closing = f;
                }
            }
        }
        if (closing != null) {
            closing.close(); // outside the lock: the hand-over commits and leaves the group
        }
    }

    /** Where the group's pending records start, per partition: its committed offsets, else the earliest. */
    private Map<TopicPartition, Long> from(String stream, String group) {
        return admin.committedOffsets(groupId(stream, group), store.topic(stream));
    }

    StreamStats stats(String stream, String group, OrderedBuffer buffer) {
        Map<TopicPartition, Long> from = from(stream, group);
        Map<TopicPartition, Long> earliest = admin.offsets(from.keySet(), OffsetSpec.earliest());
        Map<TopicPartition, Long> end = admin.offsets(from.keySet(), OffsetSpec.latest());
        long estimate = 0;
        for (Map.Entry<TopicPartition, Long> e : from.entrySet()) {
            long start = Math.max(e.getValue(), earliest.get(e.getKey()));
            e.setValue(start);
            estimate += Math.max(0, end.get(e.getKey()) - start);
        }
        long claimed = buffer == null ? 0 : buffer.claimedCount();
        long pending = Math.max(0, estimate - claimed);
        if (estimate <= EXACT_COUNT_LIMIT) { // transaction markers take offsets but are not records
            pending = reader.count(from, end, buffer == null ? id -> false : buffer::notPending);
        }
        return new StreamStats(pending, claimed, 0, store.lastAppend(from.keySet()));
    }

    @Override
    public void close() {
        closed = true;
        fetchers.values().forEach(OrderedFetcher::close);
        fetchers.clear();
    }
}
