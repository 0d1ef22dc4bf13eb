package dev.minibatch.kafka.store;

import dev.minibatch.model.Message;
import dev.minibatch.model.MessageState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The partition-ordered consumption of one stream by one member of a consumer group (one consumer
 * of this process; see {@link OrderedGroups}): a thread that owns a Kafka consumer of the group (partitions assigned by the group coordinator; Kafka's
 * consumer is single-threaded), puts what it fetches into the {@link OrderedBuffer} that claims take
 * from, and commits each partition's offset up to the first record whose window is not committed
 * yet, so a crash or a hand-over never skips a record (windows are at-least-once: one committed just
 * before a crash may be delivered again).
 *
 * <p><b>Hand-over.</b> When the group takes partitions away (another process joined, this one is
 * leaving), the windows in flight on them get up to {@link #HAND_OVER_WAIT} to commit, then the
 * offsets of what was committed are committed synchronously before the partitions go, so the next
 * owner starts right after them and nothing committed here is delivered again. A window still in
 * flight after the wait is abandoned: its commit counts none of its records (a lost lease), and the
 * next owner delivers them again. Partitions lost without a hand-over (this consumer was fenced,
 * e.g. after a long stall) are dropped without committing.
 *
 * <p><b>Threading.</b> The buffer is safe from any thread; everything touching the consumer runs on
 * this fetcher's daemon thread. {@link #close()} commits what is due, closes the consumer (which
 * leaves the group, handing its partitions over at once) and joins the thread.
 */
final class OrderedFetcher implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(OrderedFetcher.class);
    /** How long a hand-over waits for the windows in flight on the partitions it takes away. */
    static final Duration HAND_OVER_WAIT = Duration.ofSeconds(10);
    private static final Duration POLL = Duration.ofMillis(50);
    private static final Duration COMMIT_TIMEOUT = Duration.ofSeconds(30);
    /** A partition without a lag metric that gave no records this long counts as read to its end. */
    static final Duration IDLE_AFTER = Duration.ofSeconds(1);
    /** How long every partition stays full with no window claimed before the buffer grows. */
    static final Duration STALL_AFTER = Duration.ofMillis(250);

    private final String stream;
    private final String topic;
    private final String group;
    /** This member among the group's members in this process: its arrival notices and transaction lane. */
    private final String member;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final OrderedBuffer buffer = new OrderedBuffer();
    /** The assigned partitions' event time, for time windows' watermark. */
    private final PartitionClocks clocks = new PartitionClocks();
    private final Runnable onArrival;
    private final Thread thread;
    private final Set<TopicPartition> paused = new HashSet<>();
    /** The last offset sent for each partition, committed again (and waited for) when the partition goes. Fetcher thread only. */
    private final Map<Integer, Long> sent = new HashMap<>();
    private volatile boolean running = true;
    private volatile RuntimeException failure;
    /** The consumer's group membership as of its last poll, for stages' transactions (fencing a member that lost its partitions). */
    private volatile ConsumerGroupMetadata groupMetadata;
    /** The table partitions this member owns (restored on a window's first update after an assignment). */
    private final OwnedTables tables;
    /** Transactional commits of this member's windows, one at a time (see KafkaOrderedView#commitWithState). */
    private final Object transactions = new Object();
    /** Each partition's records-lag metric, and when they were last looked for. Fetcher thread only. */
    private final Map<Integer, org.apache.kafka.common.Metric> lagMetrics = new HashMap<>();
    private long lagMetricsLookedUp;
    /** When each partition last gave records (or was assigned), for partitions without a lag metric. Fetcher thread only. */
    private final Map<Integer, Long> lastRecordsAt = new HashMap<>();
    /** Since when every partition has been paused with no window claimed (0: not so). Fetcher thread only. */
    private long stalledSince;
    private boolean overflowLogged;
    /** Partitions to fetch again from their committed offsets (see {@link #resync}). */
    private final Set<Integer> resyncing = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** Set once windows commit their offsets in transactions: the fetcher then commits none of its own. */
    private volatile boolean transactional;
    /** Asynchronous offset commits sent and not yet answered. */
    private final java.util.concurrent.atomic.AtomicInteger commitsInFlight = new java.util.concurrent.atomic.AtomicInteger();

    OrderedFetcher(String stream, String topic, String group, int number, KafkaClients clients, Runnable onArrival,
                   TableChangelogs changelogs) {
        this.stream = stream;
        this.member = memberName(group, number);
        this.tables = new OwnedTables(stream, topic, clients, changelogs, buffer);
        this.topic = topic;
        this.group = group;
        this.onArrival = onArrival;
        this.consumer = clients.orderedConsumer(group, number);
        this.thread = new Thread(this::run, "minibatch-kafka-ordered " + member);
        thread.setDaemon(true);
        thread.start();
    }

    OrderedBuffer buffer() {
        checkAlive();
        return buffer;
    }

    String topic() {
        return topic;
    }

    /** The event time of this member's partitions (the watermark its time windows close by). */
    PartitionClocks clocks() {
        checkAlive();
        return clocks;
    }

    OwnedTables tables() {
        checkAlive();
        return tables;
    }

    String group() {
        return group;
    }

    /** The name of member {@code number} of {@code group} in this process. */
    static String memberName(String group, int number) {
        return group + "#" + number;
    }

    /** This member's name in this process ({@code group#n}): its arrival notices' and transactions' key. */
    String member() {
        return member;
    }

    /** Until {@link #close()}. */
    boolean isOpen() {
        return running;
    }

    /** The group membership as of the last poll (null before the first). */
    ConsumerGroupMetadata groupMetadata() {
        return groupMetadata;
    }

    /**
     * From now on windows commit their partitions' offsets in Kafka transactions (tables, stages):
     * the fetcher stops committing offsets asynchronously, and this returns once the commits it sent
     * before are answered, so none of them can land after, and undo, a transaction's offsets.
     * Partitions handed over still get their last offsets committed synchronously (the transactions'
     * own, again).
     */
    void commitInTransactions() {
        if (transactional) {
            return;
        }
        transactional = true;
        long deadline = System.nanoTime() + COMMIT_TIMEOUT.toNanos();
        while (commitsInFlight.get() > 0 && System.nanoTime() < deadline) {
            sleepBriefly();
        }
    }

    boolean committingInTransactions() {
        return transactional;
    }

    /**
     * After a window's transaction failed, perhaps having committed (a commit that timed out): the
     * partitions' records leave the buffer at once (windows holding some commit none of them; their
     * tables' state is restored again), and the fetcher fetches them again from the group's committed
     * offsets, skipping what those say was done ahead.
     */
    void resync(Collection<Integer> partitions) {
        buffer.handOver(partitions);
        resyncing.addAll(partitions);
    }

    /** Runs on the fetcher thread: partitions {@link #resync} dropped are assigned again and fetched from the committed offsets. */
    private void resyncPartitions() {
        Set<TopicPartition> due = new HashSet<>();
        for (Integer p : List.copyOf(resyncing)) {
            resyncing.remove(p);
            TopicPartition tp = new TopicPartition(topic, p);
            if (consumer.assignment().contains(tp)) {
                due.add(tp);
            }
        }
        if (due.isEmpty()) {
            return;
        }
        Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(due, COMMIT_TIMEOUT);
        for (TopicPartition tp : due) {
            OffsetAndMetadata at = committed.get(tp);
            buffer.assigned(tp.partition(), at);
            if (at == null) {
                consumer.seekToBeginning(List.of(tp));
            } else {
                consumer.seek(tp, at.offset());
            }
        }
        LOG.warn("kafka:// ordered group {}: a transaction failed; {} fetched again from their committed offsets", group, due);
    }

    /** Held while a window's transaction is computed, committed and marked done. */
    Object transactionLock() {
        return transactions;
    }

    private void checkAlive() {
        RuntimeException f = failure;
        if (f != null) {
            throw f;
        }
        if (!running) {
            throw new IllegalStateException("the kafka:// store is closed");
        }
    }

    private void run() {
        try {
            consumer.subscribe(List.of(topic), new HandOver());
            while (running) {
                if (!resyncing.isEmpty()) {
                    resyncPartitions();
                }
                long polledAt = System.currentTimeMillis();
                // with partitions paused, Kafka 4.x's consumer spins in poll while their fetched data is
                // buffered (KAFKA-21084): look once, and wait here instead
                ConsumerRecords<byte[], byte[]> records = consumer.poll(paused.isEmpty() ? POLL : Duration.ZERO);
                if (records.isEmpty() && !paused.isEmpty()) {
                    sleepFor(POLL.toMillis());
                }
                if (!records.isEmpty()) {
                    for (TopicPartition tp : records.partitions()) {
                        List<ConsumerRecord<byte[], byte[]>> fetched = records.records(tp);
                        List<OrderedRecord> batch = new ArrayList<>(fetched.size());
                        long newest = Long.MIN_VALUE;
                        long bytes = 0;
                        for (ConsumerRecord<byte[], byte[]> r : fetched) {
                            Message m = RecordCodec.decode(stream, r, MessageState.PENDING, 0);
                            batch.add(new OrderedRecord(r.partition(), r.offset(), m));
                            newest = Math.max(newest, r.timestamp());
                            bytes += RecordCodec.size(r);
                        }
                        buffer.fetched(bytes, fetched.size());
                        buffer.add(tp.partition(), batch);
                        clocks.fetched(tp.partition(), newest);
                        lastRecordsAt.put(tp.partition(), polledAt);
                    }
                    onArrival.run();
                }
                groupMetadata = consumer.groupMetadata();
                pauseOrResume();
                unstall(System.currentTimeMillis());
                noteCaughtUp(polledAt);
                if (!transactional) {
                    commit(buffer.takeCommits(), false);
                }
            }
            Map<Integer, Long> due = buffer.takeCommits();
            if (!transactional) {
                commit(due, true);
            }
        } catch (RuntimeException e) {
            if (running) {
                failure = new IllegalStateException("the ordered consumer of stream '" + stream + "' (group " + group
                        + ") failed: " + e, e);
                LOG.error("kafka:// ordered consumer of stream '{}' (group {}) stopped: {}", stream, group, e.toString(), e);
            }
        } finally {
            try {
                consumer.close(Duration.ofSeconds(10));
            } catch (RuntimeException e) {
                LOG.debug("closing the ordered consumer of {}: {}", group, e.toString());
            }
        }
    }

    /**
     * Tells the partition clocks which partitions this poll (begun at {@code polledAt}) left with
     * nothing more to fetch: their {@code records-lag} metric (the lag as of the last records the
     * consumer drained; read from memory, where {@code currentLag} is a blocking round trip to the
     * consumer's background thread on the {@code consumer} group protocol) is 0; a partition with
     * no such metric yet counts once it has given nothing for {@link #IDLE_AFTER}.
     */
    private void noteCaughtUp(long polledAt) {
        boolean jumped = false;
        for (TopicPartition tp : consumer.assignment()) {
            if (paused.contains(tp)) {
                continue;
            }
            int p = tp.partition();
            org.apache.kafka.common.Metric lag = lagMetric(p, polledAt);
            if (lag != null) {
                if (lag.metricValue() instanceof Double d && d == 0.0) {
                    jumped |= clocks.caughtUp(p, polledAt);
                }
            } else {
                long since = lastRecordsAt.computeIfAbsent(p, k -> polledAt);
                if (polledAt - since >= IDLE_AFTER.toMillis()) {
                    jumped |= clocks.caughtUp(p, polledAt - IDLE_AFTER.toMillis());
                }
            }
        }
        if (jumped) {
            onArrival.run(); // time windows waiting for the watermark look again (no record arrived to wake them)
        }
    }

    /** The consumer's {@code records-lag} metric of the partition, looked up at most every 100 ms until it exists. */
    private org.apache.kafka.common.Metric lagMetric(int partition, long now) {
        org.apache.kafka.common.Metric m = lagMetrics.get(partition);
        if (m == null && now - lagMetricsLookedUp >= 100) {
            lagMetricsLookedUp = now;
            String tag = topic.replace('.', '_'); // Kafka's per-partition fetch metrics write dots so
            consumer.metrics().forEach((name, metric) -> {
                String t = name.tags().get("topic");
                String p = name.tags().get("partition");
                if ("records-lag".equals(name.name()) && "consumer-fetch-manager-metrics".equals(name.group()) && p != null
                        && (topic.equals(t) || tag.equals(t))) {
                    lagMetrics.put(Integer.parseInt(p), metric);
                }
            });
            m = lagMetrics.get(partition);
        }
        return m;
    }

    /**
     * When every partition is paused with a full buffer and no window is claimed for
     * {@link #STALL_AFTER}, time windows are waiting for records the buffer has no room for: the
     * buffer limit doubles (up to {@link BufferLimit#MAX_DOUBLINGS} times) and fetching resumes;
     * past that, the watermark follows the clock until fetching resumes ({@link PartitionClocks}).
     */
    private void unstall(long now) {
        boolean stalled = !paused.isEmpty() && paused.size() == consumer.assignment().size() && !buffer.claiming();
        if (!stalled) {
            stalledSince = 0;
            return;
        }
        if (stalledSince == 0) {
            stalledSince = now;
            return;
        }
        if (now - stalledSince < STALL_AFTER.toMillis()) {
            return;
        }
        stalledSince = 0;
        if (buffer.grow()) {
            LOG.info("kafka:// ordered group {}: every partition's buffer is full and no window can close;"
                    + " buffering up to {} records per partition", group, buffer.bufferLimit());
            for (TopicPartition tp : List.copyOf(paused)) {
                paused.remove(tp);
                consumer.resume(List.of(tp));
                clocks.paused(tp.partition(), false);
            }
        } else {
            if (!overflowLogged) {
                overflowLogged = true;
                LOG.warn("kafka:// ordered group {}: every partition's buffer ({} records) is full and no window can close;"
                        + " time windows close by the clock until the buffer drains (records behind go to later windows)",
                        group, buffer.bufferLimit());
            }
            clocks.overflowing(true);
            onArrival.run();
        }
    }

    /** Pauses partitions holding a full buffer, resumes them when their windows drained it. */
    private void pauseOrResume() {
        int limit = buffer.bufferLimit();
        for (TopicPartition tp : consumer.assignment()) {
            int open = buffer.open(tp.partition());
            if (open >= limit && paused.add(tp)) {
                consumer.pause(List.of(tp));
                clocks.paused(tp.partition(), true);
            } else if (open < limit / 2 && paused.remove(tp)) {
                consumer.resume(List.of(tp));
                clocks.paused(tp.partition(), false);
                clocks.overflowing(false);
            }
        }
        paused.retainAll(consumer.assignment());
    }

    private void commit(Map<Integer, Long> offsets, boolean sync) {
        if (offsets.isEmpty()) {
            return;
        }
        Map<TopicPartition, OffsetAndMetadata> commits = new HashMap<>();
        offsets.forEach((p, offset) -> commits.put(new TopicPartition(topic, p), new OffsetAndMetadata(offset)));
        sent.putAll(offsets);
        if (sync) {
            consumer.commitSync(commits, COMMIT_TIMEOUT);
        } else {
            commitsInFlight.incrementAndGet();
            consumer.commitAsync(commits, (done, e) -> {
                commitsInFlight.decrementAndGet();
                if (e != null) {
                    // a later commit covers it, or a crash delivers those windows again (at-least-once)
                    LOG.debug("kafka:// ordered group {}: committing offsets {} failed: {}", group, done, e.toString());
                }
            });
        }
    }

    /** Partitions come and go with the group's membership; runs on the fetcher thread, inside a poll. */
    private final class HandOver implements ConsumerRebalanceListener {

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            if (partitions.isEmpty()) {
                return;
            }
            // the offsets' metadata says which later records the last owner committed already (DoneAhead)
            Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(new HashSet<>(partitions), COMMIT_TIMEOUT);
            for (TopicPartition tp : partitions) {
                OffsetAndMetadata at = committed.get(tp);
                buffer.assigned(tp.partition(), at);
                clocks.assigned(tp.partition());
                lagMetrics.remove(tp.partition()); // Kafka removes a partition's fetch metrics when it goes
                lastRecordsAt.remove(tp.partition());
                if (at != null && at.metadata() != null && at.metadata().startsWith(DoneAhead.PREFIX)) {
                    // the group commits in transactions: an asynchronous commit without this metadata
                    // would forget what was done ahead of the offset before this member's first transaction
                    transactional = true;
                }
            }
            if (!partitions.isEmpty()) {
                LOG.debug("kafka:// ordered group {}: assigned {}", group, partitions);
            }
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            if (partitions.isEmpty()) {
                return;
            }
            List<Integer> numbers = partitions.stream().map(TopicPartition::partition).toList();
            buffer.revoking(numbers); // no new window on them: one claimed after the wait below would be repeated
            long deadline = System.nanoTime() + HAND_OVER_WAIT.toNanos();
            while (buffer.inFlight(numbers) && System.nanoTime() < deadline) {
                sleepBriefly();
            }
            if (buffer.inFlight(numbers)) {
                LOG.warn("kafka:// ordered group {}: windows on {} did not commit within {} of their hand-over;"
                        + " their records go to the next owner", group, partitions, HAND_OVER_WAIT);
            }
            // the last offsets sent asynchronously too: the next owner must not start before them
            Map<Integer, Long> offsets = new HashMap<>();
            numbers.forEach(p -> {
                Long last = sent.remove(p);
                if (last != null) {
                    offsets.put(p, last);
                }
            });
            offsets.putAll(buffer.handOver(numbers));
            if (transactional) {
                offsets.clear(); // the windows' transactions committed them, with what was done ahead of them
            }
            try {
                commit(offsets, true);
                offsets.keySet().forEach(sent::remove);
            } catch (RuntimeException e) {
                LOG.warn("kafka:// ordered group {}: committing the offsets of {} at their hand-over failed ({});"
                        + " windows committed since the last commit may be delivered again", group, partitions, e.toString());
            }
            partitions.forEach(paused::remove);
            clocks.removed(numbers);
            numbers.forEach(lagMetrics::remove);
            LOG.debug("kafka:// ordered group {}: handed over {}", group, partitions);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            List<Integer> numbers = partitions.stream().map(TopicPartition::partition).toList();
            buffer.handOver(numbers);
            numbers.forEach(sent::remove);
            partitions.forEach(paused::remove);
            clocks.removed(numbers);
            numbers.forEach(lagMetrics::remove);
            LOG.warn("kafka:// ordered group {}: lost {} without a hand-over; windows on them are delivered again", group,
                    partitions);
        }
    }

    private static void sleepFor(long millis) {
        try {
            TimeUnit.MILLISECONDS.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void sleepBriefly() {
        try {
            TimeUnit.MILLISECONDS.sleep(5);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops fetching, commits what is due and leaves the group; joins the thread. Idempotent. */
    @Override
    public void close() {
        running = false;
        // no consumer.wakeup(): a poll ends within POLL anyway, and a wake-up would also cut short a
        // rebalance callback under way (a hand-over's commit; Kafka logs "Reconciliation failed"), which
        // members of one process closing one after the other ran into
        try {
            thread.join(TimeUnit.SECONDS.toMillis(40));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        tables.close();
    }
}
