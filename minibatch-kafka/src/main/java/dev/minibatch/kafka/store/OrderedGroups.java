package dev.minibatch.kafka.store;

import dev.minibatch.model.StreamStats;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;

/**
 * The ordered consumer groups of a {@link KafkaStore} in this process. Every consumer of a group is
 * a member of its own ({@link OrderedFetcher}: a Kafka consumer, a buffer, a transaction lane), as
 * each {@code KafkaConsumer} is in spring-kafka's containers and each stream thread in Kafka
 * Streams: two consumers of a stream started in one process share its partitions, and their
 * transactions run side by side. A member starts when its consumer subscribes (or at a first use
 * before that, which the subscription then takes over) and closes when that consumer stops, so its
 * partitions go to the group's other members; all close with the store. Also what an ordered view
 * reads from the cluster about its group (pending records from the group's committed offsets,
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
    /** Each group's members in this process, oldest first (guarded by itself). */
    private final Map<String, List<OrderedFetcher>> members = new HashMap<>();
    /** Members a consumer subscribed to (guarded by {@code members}); the others were started by a first use. */
    private final Set<OrderedFetcher> subscribed = new HashSet<>();
    private final AtomicInteger memberNumbers = new AtomicInteger();
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

    /** The group's oldest member in this process, or null (for views that are no consumer's: reads, counts). */
    OrderedFetcher existing(String stream, String group) {
        synchronized (members) {
            List<OrderedFetcher> list = members.get(groupId(stream, group));
            return list == null || list.isEmpty() ? null : list.get(0);
        }
    }

    /** The group's oldest member in this process, started (the stream created if missing) if there is none. */
    OrderedFetcher fetcher(String stream, String group) {
        synchronized (members) {
            OrderedFetcher f = existing(stream, group);
            return f != null ? f : start(stream, group);
        }
    }

    /**
     * A consumer of this process joins the group as a member of its own: one started by a first use
     * and not yet taken, else a new one. It calls {@link #leave} when it stops.
     */
    OrderedFetcher join(String stream, String group) {
        synchronized (members) {
            for (OrderedFetcher f : members.getOrDefault(groupId(stream, group), List.of())) {
                if (subscribed.add(f)) {
                    return f;
                }
            }
            OrderedFetcher f = start(stream, group);
            subscribed.add(f);
            return f;
        }
    }

    /** Caller holds {@code members}. */
    private OrderedFetcher start(String stream, String group) {
        if (closed) {
            throw new IllegalStateException("the kafka:// store " + store.url() + " is closed");
        }
        String id = groupId(stream, group);
        store.openStream(stream, null, Instant.now());
        String topic = store.topic(stream);
        int number = memberNumbers.incrementAndGet();
        String member = OrderedFetcher.memberName(id, number);
        OrderedFetcher f = new OrderedFetcher(stream, topic, id, number, clients, () -> store.notifyArrival(member), changelogs);
        members.computeIfAbsent(id, k -> new ArrayList<>()).add(f);
        return f;
    }

    /**
     * A consumer stopped (its windows are finished): its member closes and leaves the group, so the
     * partitions it held go to the group's other members instead of waiting with this process.
     */
    void leave(OrderedFetcher f) {
        synchronized (members) {
            subscribed.remove(f);
            List<OrderedFetcher> list = members.get(f.group());
            if (list != null && list.remove(f) && list.isEmpty()) {
                members.remove(f.group());
            }
        }
        f.close(); // outside the lock: the hand-over commits and leaves the group
        store.closeLane(f.member());
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
        List<OrderedFetcher> all = new ArrayList<>();
        synchronized (members) {
            closed = true;
            members.values().forEach(all::addAll);
            members.clear();
            subscribed.clear();
        }
        all.forEach(OrderedFetcher::close);
    }
}
