package dev.minibatch.kafka.store;

import dev.minibatch.model.Message;
import dev.minibatch.model.MessageState;
import dev.minibatch.model.StreamInfo;
import dev.minibatch.model.StreamStats;
import dev.minibatch.spi.store.AppendWakeups;
import dev.minibatch.spi.store.ConsumerFeatures;
import dev.minibatch.spi.store.ConsumerGroups;
import dev.minibatch.spi.store.Claim;
import dev.minibatch.spi.store.Lease;
import dev.minibatch.spi.store.NewMessage;
import dev.minibatch.spi.store.OrderedConsumption;
import dev.minibatch.spi.store.Selection;
import dev.minibatch.spi.store.StreamStore;
import dev.minibatch.spi.store.TableStore;
import dev.minibatch.model.TableEntry;
import dev.minibatch.model.TableInfo;
import dev.minibatch.spi.store.CommitEffects;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;

/**
 * Streams on a Kafka cluster ({@code kafka://host:9092,host2:9092/?prefix=mb.&partitions=6&replication=3}):
 * each stream is a topic, created on first use; its consumers form one share group (named after the
 * topic), which the store configures before the first consumer joins to start at the earliest
 * offset, read committed appends, and allow up to {@value #DELIVERY_LIMIT} deliveries per record.
 *
 * <p>What holds on a log, and what does not: a claim takes records this process's share consumers
 * hold (its share of the stream), so with several consumer processes each window holds records of
 * one process's share, and order across the stream is not promised. {@code attempts} is Kafka's
 * delivery count less one (so it also counts deliveries that ended in a crash, a lapsed lock or a
 * record given back). Committed records are acknowledged, not kept: {@code keep} and the
 * {@code DONE} state do not exist here; {@code read} sees pending records only. Time windows read
 * record timestamps; shared consumers close them by the clock, each process on its own window grid
 * ({@code lastRead}); ordered ones by a watermark of record timestamps ({@link PartitionClocks}).
 *
 * <p>Consumers that need order ({@code streaming(s).ordered()}, keyed windows) see the store through
 * {@link #ordered(String)}: a Kafka consumer group with partitions assigned ({@link KafkaOrderedView}).
 *
 * <p><b>Threading.</b> Thread-safe; one {@link ShareFetcher} thread per consumed stream and share group,
 * one {@link OrderedFetcher} thread per ordered consumer (each is a member of its group).
 */
public final class KafkaStore implements StreamStore, AppendWakeups, ConsumerFeatures, ConsumerGroups, OrderedConsumption,
        TableStore {

    static final int DELIVERY_LIMIT = 10;

    private final KafkaStoreSettings settings;
    private final KafkaClients clients;
    private final Admin admin;
    private final KafkaProducer<byte[], byte[]> producer;
    private final KafkaCatalog catalog;
    private final KafkaAppender appender;
    private final LogReader reader;
    private final Map<String, ShareFetcher> fetchers = new ConcurrentHashMap<>();
    private final ArrivalNotices arrivals = new ArrivalNotices();
    private final KafkaGroupAdmin groups;
    private final OrderedGroups ordered;
    private final TableChangelogs changelogs;
    private final TableQueries tables;
    private volatile boolean closed;

    KafkaStore(KafkaStoreSettings settings) {
        this.settings = settings;
        this.clients = new KafkaClients(settings);
        settings.client().checkReachable(KafkaStoreSettings.OWNER + " " + settings.url(), List.of(),
                settings.connectTimeout(), () -> false);
        this.admin = clients.admin();
        KafkaProducer<byte[], byte[]> p = null;
        try {
            p = clients.producer();
        } catch (RuntimeException e) {
            admin.close(Duration.ZERO);
            throw e;
        }
        this.producer = p;
        this.catalog = new KafkaCatalog(settings, clients, admin, producer);
        this.appender = new KafkaAppender(settings, clients, catalog, producer, admin);
        this.reader = new LogReader(clients);
        this.groups = new KafkaGroupAdmin(settings, admin);
        this.changelogs = new TableChangelogs(settings, catalog, admin);
        this.tables = new TableQueries(settings, clients, changelogs, admin);
        this.ordered = new OrderedGroups(this, clients, groups, reader, changelogs);
    }

    @Override
    public String url() {
        return settings.url();
    }

    @Override
    public StreamInfo openStream(String name, Duration interval, Instant now) {
        return catalog.ensure(name, interval, now);
    }

    @Override
    public Optional<StreamInfo> findStream(String name) {
        return catalog.find(name);
    }

    @Override
    public List<StreamInfo> listStreams() {
        return catalog.list();
    }

    @Override
    public void append(String stream, List<NewMessage> messages) {
        appender.append(stream, messages);
    }

    @Override
    public List<Message> read(String stream, Selection selection, List<MessageState> states) {
        return read(stream, null, selection, states);
    }

    List<Message> read(String stream, String group, Selection selection, List<MessageState> states) {
        boolean pending = states == null || states.contains(MessageState.PENDING);
        boolean claimed = states != null && states.contains(MessageState.CLAIMED);
        // DONE does not exist on a log: a commit acknowledges, and acknowledged records are gone
        if (!(pending || claimed) || !catalog.exists(stream)) {
            return List.of();
        }
        ShareFetcher f = fetchers.get(groupId(stream, group));
        List<Message> out = new ArrayList<>();
        if (pending) {
            String topic = catalog.topic(stream);
            Map<TopicPartition, Long> start = groups.startOffsets(groupId(stream, group), topic);
            Map<TopicPartition, Long> from = KafkaGroupAdmin.from(start, groups.offsets(start.keySet(), OffsetSpec.earliest()));
            // a partition whose lag is 0 holds nothing pending, even where Kafka's start offset has not caught up yet
            groups.lagByPartition(groupId(stream, group), topic).forEach((tp, lag) -> {
                if (lag == 0) {
                    from.remove(tp);
                }
            });
            if (!from.isEmpty()) {
                out.addAll(reader.read(stream, topic, from, selection, f == null ? id -> false : f.pool()::notPending));
            }
        }
        if (claimed && f != null) {
            out.addAll(f.pool().claimed(selection));
            out.sort(java.util.Comparator.comparing(Message::created).thenComparing(KafkaStore::partitionOf)
                    .thenComparing(KafkaStore::offsetOf));
            int limit = selection.limit() == 0 ? Integer.MAX_VALUE : selection.limit();
            if (out.size() > limit) {
                out.subList(limit, out.size()).clear();
            }
        }
        return out;
    }

    private static int partitionOf(Message m) {
        return Integer.parseInt(m.id().substring(0, m.id().indexOf('@')));
    }

    private static long offsetOf(Message m) {
        return Long.parseLong(m.id().substring(m.id().indexOf('@') + 1));
    }

    @Override
    public Claim claim(String stream, Selection selection, Lease lease) {
        return claim(stream, null, selection, lease);
    }

    Claim claim(String stream, String group, Selection selection, Lease lease) {
        ShareFetcher f = fetcher(stream, group);
        Claim claim = f.pool().claim(selection, lease);
        if (claim.isEmpty() && f.awaitFirstDeliveryIfPending(groups, catalog.topic(stream), settings.connectTimeout())) {
            claim = f.pool().claim(selection, lease);
        }
        return claim;
    }

    @Override
    public boolean renew(String stream, String token, Instant expiresAt) {
        return renew(stream, null, token, expiresAt);
    }

    boolean renew(String stream, String group, String token, Instant expiresAt) {
        ShareFetcher f = fetchers.get(groupId(stream, group));
        return f != null && f.pool().renew(token, expiresAt);
    }

    @Override
    public int commit(String stream, String token, boolean keep) {
        return commit(stream, null, token);
    }

    int commit(String stream, String group, String token) {
        ShareFetcher f = fetchers.get(groupId(stream, group));
        if (f == null) {
            return 0;
        }
        List<HeldRecord> records = f.pool().take(token);
        return f.await(f.settle(records, AcknowledgeType.ACCEPT, System.nanoTime()), "committing a window");
    }

    @Override
    public int release(String stream, String token, Instant availableAt, String error) {
        return release(stream, null, token, availableAt);
    }

    int release(String stream, String group, String token, Instant availableAt) {
        ShareFetcher f = fetchers.get(groupId(stream, group));
        if (f == null) {
            return 0;
        }
        SharePool pool = f.pool();
        long notBefore = pool.nanosFor(token, availableAt);
        List<HeldRecord> records = pool.take(token);
        f.settle(records, AcknowledgeType.RELEASE, notBefore);
        return records.size();
    }

    @Override
    public int deadLetter(String stream, String token, String deadStream, String error, Instant now) {
        return deadLetter(stream, null, token, deadStream, error);
    }

    int deadLetter(String stream, String group, String token, String deadStream, String error) {
        ShareFetcher f = fetchers.get(groupId(stream, group));
        if (f == null) {
            return 0;
        }
        List<HeldRecord> records = f.pool().take(token);
        if (records.isEmpty()) {
            return 0;
        }
        List<NewMessage> dead = new ArrayList<>(records.size());
        for (HeldRecord h : records) {
            dead.add(deadLetterOf(h.message, error));
        }
        try {
            appender.append(deadStream, dead);
        } catch (RuntimeException e) {
            f.settle(records, AcknowledgeType.RELEASE, System.nanoTime());
            throw e;
        }
        // written to the dead-letter stream first: a crash here delivers them again, never loses them
        return f.await(f.settle(records, AcknowledgeType.ACCEPT, System.nanoTime()), "dead-lettering a window");
    }

    /** Appends and a consumer group's offsets in one transaction (see {@link KafkaAppender#appendWithOffsets}). */
    void appendWithOffsets(String lane, Map<String, List<NewMessage>> appends,
                           List<org.apache.kafka.clients.producer.ProducerRecord<byte[], byte[]>> records,
                           Map<TopicPartition, org.apache.kafka.clients.consumer.OffsetAndMetadata> offsets,
                           org.apache.kafka.clients.consumer.ConsumerGroupMetadata group) {
        appender.appendWithOffsets(lane, appends, records, offsets, group);
    }

    /** A member of an ordered group left: its transactional producer goes too. */
    void closeLane(String lane) {
        appender.closeLane(lane);
    }

    /** The dead letter of a message a window failed with {@code error}: its data, key and time, one more attempt. */
    static NewMessage deadLetterOf(Message m, String error) {
        NewMessage n = NewMessage.ofTree(m.created(), m.data(), m.attempts() + 1, error);
        return m.key() == null ? n : n.withKey(m.key());
    }

    @Override
    public boolean compareAndSetLastRead(String stream, Instant expected, Instant next, Instant now) {
        return catalog.compareAndSetLastRead(stream, expected, next);
    }

    /** A named group's time-window grid is its own: keyed by its share group. */
    boolean compareAndSetLastRead(String stream, String group, Instant expected, Instant next) {
        return catalog.compareAndSetLastRead(group == null ? stream : groupId(stream, group), expected, next);
    }

    Optional<StreamInfo> findStream(String name, String group) {
        return group == null ? catalog.find(name) : findStreamWithGrid(name, groupId(name, group));
    }

    /** The stream with the time-window grid ({@code lastRead}) kept under {@code grid}, a group's. */
    Optional<StreamInfo> findStreamWithGrid(String name, String grid) {
        Optional<StreamInfo> info = catalog.find(name);
        if (info.isEmpty()) {
            return info;
        }
        StreamInfo i = info.get();
        return Optional.of(new StreamInfo(i.name(), i.status(), i.created(), i.interval(), catalog.lastRead(grid), i.maxAge()));
    }

    boolean compareAndSetGrid(String grid, Instant expected, Instant next) {
        return catalog.compareAndSetLastRead(grid, expected, next);
    }

    /** Counting a backlog this large or smaller reads it; a larger one is estimated from offsets. */
    private static final long EXACT_COUNT_LIMIT = 10_000;

    @Override
    public StreamStats stats(String stream) {
        return stats(stream, null);
    }

    StreamStats stats(String stream, String group) {
        if (!catalog.exists(stream)) {
            return StreamStats.EMPTY;
        }
        String topic = catalog.topic(stream);
        ShareFetcher f = fetchers.get(groupId(stream, group));
        long claimed = f == null ? 0 : f.pool().claimedCount();
        Map<TopicPartition, Long> lag = groups.lagByPartition(groupId(stream, group), topic);
        Map<TopicPartition, Long> start = groups.startOffsets(groupId(stream, group), topic);
        Map<TopicPartition, Long> end = groups.offsets(start.keySet(), OffsetSpec.latest());
        Map<TopicPartition, Long> from = KafkaGroupAdmin.from(start, groups.offsets(start.keySet(), OffsetSpec.earliest()));
        // per partition: Kafka's share-group lag where it reports one; else (a partition the group never
        // delivered from) the records from its start. Both can run high (lag for a while after records are
        // deleted; a read by records other processes acknowledged past the start offset), so for a small
        // backlog the smaller of the estimate and a read counts.
        long estimate = 0;
        for (TopicPartition tp : from.keySet()) {
            estimate += lag.containsKey(tp) ? lag.get(tp) : Math.max(0, end.get(tp) - from.get(tp));
        }
        long pending = Math.max(0, estimate - claimed);
        if (estimate <= EXACT_COUNT_LIMIT) {
            Map<TopicPartition, Long> unreported = new HashMap<>(from);
            unreported.keySet().removeAll(lag.keySet());
            long reported = lag.values().stream().mapToLong(Long::longValue).sum();
            java.util.function.Predicate<String> skip = f == null ? id -> false : f.pool()::notPending;
            long byLag = Math.max(0, reported - claimed) + reader.count(unreported, end, skip);
            pending = Math.min(byLag, reader.count(from, end, skip));
        }
        return new StreamStats(pending, claimed, 0, lastAppend(start.keySet()));
    }

    /**
     * The newest record time in the stream, from the last records of each partition (not Kafka's
     * max-timestamp index: transaction markers carry the broker's time).
     */
    Instant lastAppend(Set<TopicPartition> partitions) {
        Map<TopicPartition, Long> end = groups.offsets(partitions, OffsetSpec.latest());
        Map<TopicPartition, Long> earliest = groups.offsets(partitions, OffsetSpec.earliest());
        long max = reader.lastTimestamp(earliest, end);
        return max < 0 ? null : Instant.ofEpochMilli(max);
    }

    @Override
    public int expire(String stream, Instant cutoff) {
        if (!catalog.exists(stream)) {
            return 0;
        }
        String topic = catalog.topic(stream);
        Set<TopicPartition> partitions = groups.partitions(topic);
        Map<TopicPartition, Long> before = groups.offsets(partitions, OffsetSpec.forTimestamp(cutoff.toEpochMilli()));
        Map<TopicPartition, Long> end = groups.offsets(partitions, OffsetSpec.latest());
        Map<TopicPartition, Long> cut = new HashMap<>();
        for (TopicPartition tp : partitions) {
            Long offset = before.get(tp);
            cut.put(tp, offset == null || offset < 0 ? end.get(tp) : offset);
        }
        return deleteBefore(stream, cut);
    }

    @Override
    public int clear(String stream) {
        if (!catalog.exists(stream)) {
            return 0;
        }
        String topic = catalog.topic(stream);
        return deleteBefore(stream, groups.offsets(groups.partitions(topic), OffsetSpec.latest()));
    }

    /**
     * Deletes each partition's records before the cut (Kafka deletes prefixes of a log), counting
     * them first, and drops the free records this process held below it.
     */
    private int deleteBefore(String stream, Map<TopicPartition, Long> cut) {
        Map<TopicPartition, Long> earliest = groups.offsets(cut.keySet(), OffsetSpec.earliest());
        Map<TopicPartition, RecordsToDelete> delete = new HashMap<>();
        Map<Integer, Long> cutByPartition = new HashMap<>();
        for (Map.Entry<TopicPartition, Long> e : cut.entrySet()) {
            if (e.getValue() > earliest.get(e.getKey())) {
                delete.put(e.getKey(), RecordsToDelete.beforeOffset(e.getValue()));
                cutByPartition.put(e.getKey().partition(), e.getValue());
            }
        }
        long count = delete.isEmpty() ? 0 : reader.count(earliest, cut, id -> false);
        if (!delete.isEmpty()) {
            try {
                admin.deleteRecords(delete).all().get();
                String topic = catalog.topic(stream);
                for (ShareFetcher f : fetchers.values()) {
                    if (f.topic().equals(topic)) { // every group's holdings of the stream
                        List<HeldRecord> gone = f.pool().takeFreeBelow(cutByPartition);
                        f.settle(gone, AcknowledgeType.ACCEPT, System.nanoTime());
                    }
                }
            } catch (ExecutionException e) {
                throw failure("deleting records", settings, e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw interrupted("deleting records");
            }
        }
        return (int) Math.min(Integer.MAX_VALUE, count);
    }

    @Override
    public Subscription subscribeAppends(String stream, Runnable onAppend) {
        return subscribeAppends(stream, null, onAppend);
    }

    Subscription subscribeAppends(String stream, String group, Runnable onAppend) {
        String id = groupId(stream, group);
        ShareFetcher f = fetcher(stream, group);
        return listen(id, onAppend, () -> fetchers.get(id) == f);
    }

    /** Tells {@code onAppend} of records arriving for the consumers of group {@code id} while {@code live} holds. */
    Subscription listen(String id, Runnable onAppend, java.util.function.BooleanSupplier live) {
        return arrivals.listen(id, onAppend, () -> !closed && live.getAsBoolean());
    }

    ShareFetcher fetcher(String stream) {
        return fetcher(stream, null);
    }

    /** The fetcher of a stream's group (null: its default group), started (and the group prepared) on first use. */
    ShareFetcher fetcher(String stream, String group) {
        if (closed) {
            throw new IllegalStateException("the kafka:// store " + settings.url() + " is closed");
        }
        String id = groupId(stream, group);
        ShareFetcher f = fetchers.get(id);
        if (f != null) {
            return f;
        }
        synchronized (fetchers) {
            f = fetchers.get(id);
            if (f == null) {
                String topic = catalog.topic(stream);
                catalog.ensure(stream, null, Instant.now());
                groups.prepareGroup(id);
                f = new ShareFetcher(stream, topic, id, clients, settings.lanes(), () -> notifyArrival(id),
                        new TailMover(stream, topic, id, settings, clients, groups, producer));
                fetchers.put(id, f);
            }
            return f;
        }
    }

    String topic(String stream) {
        return catalog.topic(stream);
    }

    /** The share group of a stream's consumers: its topic's name, or with a named group, {@code topic#group}. */
    String groupId(String stream, String group) {
        String topic = catalog.topic(stream);
        return group == null ? topic : topic + "#" + group;
    }

    @Override
    public StreamStore forGroup(String group) {
        return new KafkaGroupView(this, checkGroupName(group));
    }

    @Override
    public StreamStore ordered(String group) {
        return new KafkaOrderedView(this, ordered, group == null ? null : checkGroupName(group));
    }

    private static String checkGroupName(String group) {
        if (group == null || group.isBlank() || !group.strip().equals(group)) {
            throw new IllegalArgumentException("consumer group name '" + group + "' must not be blank or padded");
        }
        if (group.contains("@")) { // ordered groups are named topic[#group]@ordered
            throw new IllegalArgumentException("consumer group name '" + group + "' must not contain '@'");
        }
        return group;
    }

    @Override
    public Optional<String> unsupported(Feature feature) {
        return Optional.of(switch (feature) {
            // served by ordered consumers (ordered(group)), which keyed and table consumers choose by themselves
            case KEYED_WINDOWS -> "keyed windows need partition-ordered consumption: streaming(s).ordered()";
            case TABLES -> "tables on kafka:// need partition-ordered consumption (a table consumer chooses it by itself):"
                    + " each member owns its partitions' state";
            case STAGES -> "exactly-once stages need partition-ordered consumption: a stage chooses it by itself"
                    + " (KafkaOrderedView commits its windows in Kafka transactions)";
        });
    }

    /** Moves the free records this process holds to the end of their partitions; for tests. */
    int moveFree(String stream) {
        return moveFree(stream, null);
    }

    /** The same for a named group's consumers (null: the default group); for tests. */
    int moveFree(String stream, String group) {
        ShareFetcher f = fetchers.get(groupId(stream, group));
        return f == null ? 0 : f.moveFree();
    }

    /** The ordered consumers' buffer of the stream, described; for tests' failure messages. */
    String orderedState(String stream) {
        OrderedFetcher f = ordered.existing(stream, null);
        return f == null ? "no ordered consumer" : f.buffer() + "; " + f.clocks();
    }

    /** Records this process holds of the stream (free and claimed); for tests. */
    int heldCount(String stream) {
        ShareFetcher f = fetchers.get(groupId(stream, null));
        return f == null ? 0 : f.pool().heldCount();
    }

    void notifyArrival(String id) {
        arrivals.arrived(id);
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        fetchers.values().forEach(ShareFetcher::close);
        fetchers.clear();
        ordered.close();
        tables.close();
        appender.close();
        producer.close(Duration.ofSeconds(5));
        admin.close(Duration.ofSeconds(5));
    }

    // ---- tables: queries read the changelog topics (TableQueries); windows write them (OwnedTables) ----

    @Override
    public Optional<TableEntry> tableEntry(String table, String key) {
        return tables.entry(table, key);
    }

    @Override
    public List<TableEntry> tableEntries(String table, String afterKey, int limit) {
        return tables.entries(table, afterKey, limit);
    }

    @Override
    public Optional<TableInfo> tableInfo(String table) {
        return tables.info(table);
    }

    @Override
    public List<TableInfo> listTables() {
        return tables.list();
    }

    @Override
    public long clearTable(String table) {
        return tables.clear(table, records -> appender.sendInTransaction("table '" + table + "'", records));
    }

    @Override
    public boolean dropTable(String table) {
        return tables.drop(table);
    }

    /** Never called: table consumers see the store through {@link #ordered}, whose members own table partitions. */
    @Override
    public int commitWithState(String stream, String token, boolean keep, int expected, CommitEffects effects) {
        throw new dev.minibatch.model.ConfigurationException(unsupported(Feature.TABLES).orElseThrow());
    }

    @Override
    public String toString() {
        return "KafkaStore[" + settings.url() + "]";
    }

    static RuntimeException failure(String what, KafkaStoreSettings settings, Throwable cause) {
        return new IllegalStateException(KafkaStoreSettings.OWNER + " at " + settings.client().servers() + ": " + what
                + " failed: " + settings.client().describe(cause), settings.client().chainable(cause));
    }

    static RuntimeException interrupted(String what) {
        return new IllegalStateException("interrupted while " + what);
    }
}
