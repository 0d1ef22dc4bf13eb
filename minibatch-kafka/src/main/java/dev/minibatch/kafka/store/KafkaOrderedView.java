package dev.minibatch.kafka.store;

import dev.minibatch.model.Message;
import dev.minibatch.model.MessageState;
import dev.minibatch.model.StreamInfo;
import dev.minibatch.model.StreamStats;
import dev.minibatch.spi.store.AppendWakeups;
import dev.minibatch.spi.store.Claim;
import dev.minibatch.spi.store.ConsumerFeatures;
import dev.minibatch.spi.store.EventTime;
import dev.minibatch.spi.store.KeyedStore;
import dev.minibatch.spi.store.Lease;
import dev.minibatch.spi.store.NewMessage;
import dev.minibatch.spi.store.Selection;
import dev.minibatch.spi.store.StreamStore;
import dev.minibatch.spi.store.TransactionalTableStore;
import dev.minibatch.spi.store.BatchClaims;
import dev.minibatch.spi.store.BatchTableCommits;
import dev.minibatch.spi.store.CommitEffects;
import dev.minibatch.spi.store.CommitNotReadyException;
import dev.minibatch.model.TableEntry;
import dev.minibatch.model.TableInfo;
import java.util.Set;
import java.util.TreeSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * A {@link KafkaStore} as its ordered consumers see it ({@code streaming(s).ordered()}, or keyed
 * windows): a Kafka consumer group per stream ({@code topic@ordered}, or {@code topic#name@ordered}
 * for a named group), whose members are assigned partitions and claim each partition's records in
 * offset order ({@link OrderedFetcher}, {@link OrderedBuffer}). The consumer that subscribes through
 * a view ({@link #subscribeAppends}) joins the group as a member of its own, and the view then claims,
 * commits and reads that member's records; a view that is no consumer's reads the group's oldest
 * member in this process. Counts ({@code stats}) are the group's, from its committed offsets. Keys are honoured in claims and
 * counted per key ({@link KeyedStore}): a key's records are in one partition, in order. Stages and
 * table consumers commit in Kafka transactions with their offsets ({@link #commitEachWithState});
 * tables are the store's, queried from their changelogs. Time windows close by a watermark of record
 * timestamps over this process's partitions ({@link EventTime}, {@link PartitionClocks}). Appends, metadata, expiry and clearing are
 * the store's; closing the view does nothing. Thread-safe.
 */
final class KafkaOrderedView implements StreamStore, AppendWakeups, ConsumerFeatures, KeyedStore, TransactionalTableStore,
        BatchClaims, BatchTableCommits, EventTime {

    private final KafkaStore store;
    private final OrderedGroups groups;
    /** The user's group name, or null for the stream's default group. */
    private final String group;

    KafkaOrderedView(KafkaStore store, OrderedGroups groups, String group) {
        this.store = store;
        this.groups = groups;
        this.group = group;
    }

    /** The member of this view's consumer, by stream, once it subscribed (see {@link #subscribeAppends}). */
    private final Map<String, OrderedFetcher> mine = new java.util.concurrent.ConcurrentHashMap<>();

    /** This view's consumer's member; for a view that is no consumer's, the group's oldest here (or null). */
    private OrderedFetcher member(String stream) {
        OrderedFetcher f = mine.get(stream);
        return f != null ? f : groups.existing(stream, group);
    }

    /** As {@link #member}, starting the group's first member here if there is none yet. */
    private OrderedFetcher memberOrStart(String stream) {
        OrderedFetcher f = mine.get(stream);
        return f != null ? f : groups.fetcher(stream, group);
    }

    private OrderedBuffer buffer(String stream) {
        return memberOrStart(stream).buffer();
    }

    @Override
    public String url() {
        return store.url() + (group == null ? " (ordered)" : " (ordered, group " + group + ")");
    }

    @Override
    public StreamInfo openStream(String name, Duration interval, Instant now) {
        return store.openStream(name, interval, now);
    }

    @Override
    public Optional<StreamInfo> findStream(String name) {
        return store.findStreamWithGrid(name, groups.groupId(name, group));
    }

    @Override
    public List<StreamInfo> listStreams() {
        return store.listStreams();
    }

    @Override
    public void append(String stream, List<NewMessage> messages) {
        store.append(stream, messages);
    }

    @Override
    public List<Message> read(String stream, Selection selection, List<MessageState> states) {
        boolean pending = states == null || states.contains(MessageState.PENDING);
        boolean claimed = states != null && states.contains(MessageState.CLAIMED);
        OrderedFetcher f = member(stream);
        if (!(pending || claimed) || f == null) {
            return List.of();
        }
        List<Message> out = new ArrayList<>();
        if (pending) {
            out.addAll(f.buffer().freeMessages(selection));
        }
        if (claimed) {
            out.addAll(f.buffer().claimedMessages(selection));
            out.sort(Comparator.comparing(Message::created));
            int limit = selection.limit() == 0 ? Integer.MAX_VALUE : selection.limit();
            if (out.size() > limit) {
                out.subList(limit, out.size()).clear();
            }
        }
        return out;
    }

    @Override
    public Claim claim(String stream, Selection selection, Lease lease) {
        return buffer(stream).claim(selection, lease);
    }

    /** Starts the group's fetcher if need be: a time window's first round asks before its first claim. */
    @Override
    public Optional<Instant> watermark(String stream, Instant now) {
        return memberOrStart(stream).clocks().watermark(now);
    }

    @Override
    public List<KeyCount> pendingByKey(String stream, Selection selection, Instant now) {
        return buffer(stream).pendingByKey(selection, now);
    }

    @Override
    public boolean renew(String stream, String token, Instant expiresAt) {
        OrderedFetcher f = member(stream);
        return f != null && f.buffer().renew(token, expiresAt);
    }

    @Override
    public int commit(String stream, String token, boolean keep) {
        OrderedFetcher f = member(stream);
        if (f == null) {
            return 0;
        }
        if (f.committingInTransactions()) { // offsets go in transactions only, or an async one could undo one
            return commitTokens(stream, List.of(token), true)[0]; // one window: waits for an earlier one (see commitWithState)
        }
        return f.buffer().commit(token);
    }

    @Override
    public List<Claim> claimEach(String stream, List<Selection> selections, List<Lease> leases) {
        if (selections.size() != leases.size()) {
            throw new IllegalArgumentException(selections.size() + " selections but " + leases.size() + " leases");
        }
        OrderedBuffer buffer = buffer(stream);
        List<Claim> out = new ArrayList<>(selections.size());
        for (int i = 0; i < selections.size(); i++) {
            out.add(buffer.claim(selections.get(i), leases.get(i)));
        }
        return out;
    }

    /** Windows per transaction when every commit is held (a Kafka Streams thread commits all it did per 100 ms). */
    private static final int WINDOWS_PER_TRANSACTION = 1_000;

    /** Once windows commit in Kafka transactions (stages, tables), every commit is held for a batch: one transaction for many. */
    @Override
    public int holdCommits(String stream) {
        OrderedFetcher f = member(stream);
        return f != null && f.committingInTransactions() ? WINDOWS_PER_TRANSACTION : 0;
    }

    @Override
    public int[] commitEach(String stream, List<String> tokens, boolean keep) {
        return commitTokens(stream, tokens, false);
    }

    private int[] commitTokens(String stream, List<String> tokens, boolean wait) {
        OrderedFetcher f = member(stream);
        int[] out = new int[tokens.size()];
        if (f == null) {
            return out;
        }
        if (!f.committingInTransactions()) {
            for (int i = 0; i < out.length; i++) {
                out[i] = f.buffer().commit(tokens.get(i));
            }
            return out;
        }
        List<StatefulCommit> commits = new ArrayList<>(tokens.size());
        tokens.forEach(t -> commits.add(new StatefulCommit(t, f.buffer().held(t), null)));
        List<CommitOutcome> outcomes = commitWhenReady(stream, commits, wait);
        for (int i = 0; i < out.length; i++) {
            out[i] = outcomes.get(i).committed();
        }
        return out;
    }

    /**
     * One window of a stage or a table consumer: see {@link #commitEachWithState}; a state function's
     * failure is rethrown. Unlike a batch it waits (up to {@link #PREDECESSOR_WAIT}) when records done
     * ahead of an earlier window do not fit an offset's metadata yet: a single window's commit has no
     * batch to be held with.
     */
    @Override
    public int commitWithState(String stream, String token, boolean keep, int expected, CommitEffects effects) {
        CommitOutcome outcome = commitWhenReady(stream, List.of(new StatefulCommit(token, expected, effects)), true).get(0);
        if (outcome.failure() != null) {
            throw outcome.failure();
        }
        return outcome.committed();
    }

    /** How long a single window's commit waits when too much was done ahead of an earlier window (see DoneAhead). */
    private static final Duration PREDECESSOR_WAIT = Duration.ofSeconds(30);

    /**
     * Windows of a stage or a table consumer in one Kafka transaction: their outputs, their tables'
     * changelog records and their partitions' offsets, fenced by the group membership (a member that
     * lost the partitions cannot commit); then their records are done here and the tables' owned
     * state updated ({@link OwnedTables}). A window does not wait for earlier ones of its partitions (a
     * keyed window's records interleave with other keys'): each partition's offset is its first record
     * not done, and the offset's metadata names the records done after it ({@link DoneAhead}), which
     * the next owner skips. A member's transactions run one at a time, so each commits what is done as
     * of its own. A window no longer holding its records (lease or partitions lost) commits nothing; a
     * window whose state function throws is left out with its failure. When the records done ahead
     * would not fit the metadata, nothing is committed and {@link CommitNotReadyException} says so: the
     * earlier window is most likely queued on the calling consumer itself, so waiting here would only
     * stall it (a 600,000-word backlog did, for 30 s at a time); the consumer holds the batch and tries
     * again with more.
     */
    @Override
    public List<CommitOutcome> commitEachWithState(String stream, List<StatefulCommit> commits, boolean keep) {
        return commitWhenReady(stream, commits, false);
    }

    private List<CommitOutcome> commitWhenReady(String stream, List<StatefulCommit> commits, boolean wait) {
        OrderedFetcher f = member(stream);
        if (f == null) {
            return commits.stream().map(c -> new CommitOutcome(0, null)).toList();
        }
        f.commitInTransactions();
        long deadline = System.nanoTime() + PREDECESSOR_WAIT.toNanos();
        while (true) {
            synchronized (f.transactionLock()) {
                List<CommitOutcome> outcomes = commitInTransaction(f, stream, commits);
                if (outcomes != null) {
                    return outcomes;
                }
            }
            if (!wait) {
                throw new CommitNotReadyException("stream '" + stream + "': more records were done ahead of an earlier"
                        + " window than an offset's metadata can name; the batch waits for that window");
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("stream '" + stream + "': more records were done ahead of an earlier window"
                        + " than an offset's metadata can name, for " + PREDECESSOR_WAIT + "; these windows are retried");
            }
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw KafkaStore.interrupted("waiting for an earlier window");
            }
        }
    }

    /** Under the transaction lock: the windows' transaction, or null when the offsets' metadata would not fit yet. */
    private List<CommitOutcome> commitInTransaction(OrderedFetcher f, String stream, List<StatefulCommit> commits) {
        OrderedBuffer buffer = f.buffer();
        CommitOutcome[] outcomes = new CommitOutcome[commits.size()];
        List<Integer> live = new ArrayList<>();
        for (int i = 0; i < commits.size(); i++) {
            StatefulCommit c = commits.get(i);
            if (c.expected() > 0 && buffer.held(c.token()) == c.expected()) {
                live.add(i);
            } else {
                outcomes[i] = new CommitOutcome(0, null); // the lease or the partitions were lost: another member commits these
            }
        }
        List<Set<Integer>> partitions = new ArrayList<>(live.size());
        List<CommitEffects> effects = new ArrayList<>(live.size());
        for (int i : live) {
            partitions.add(buffer.partitionsOf(commits.get(i).token()));
            effects.add(commits.get(i).effects());
        }
        OwnedTables.Prepared prepared = f.tables().prepare(partitions, effects);
        Set<String> committing = new java.util.HashSet<>();
        for (int j = 0; j < live.size(); j++) {
            int i = live.get(j);
            if (prepared.failures[j] != null) {
                outcomes[i] = new CommitOutcome(0, prepared.failures[j]);
            } else {
                committing.add(commits.get(i).token());
            }
        }
        if (!committing.isEmpty()) {
            Map<Integer, OffsetAndMetadata> offsets = buffer.offsetsWith(committing);
            if (offsets == null) {
                return null;
            }
            ConsumerGroupMetadata membership = f.groupMetadata();
            if (membership == null) {
                throw new IllegalStateException("stream '" + stream + "': the ordered consumer has not joined its group yet");
            }
            Map<TopicPartition, OffsetAndMetadata> consumed = new HashMap<>();
            offsets.forEach((p, offset) -> consumed.put(new TopicPartition(f.topic(), p), offset));
            try {
                store.appendWithOffsets(f.member(), prepared.appends, prepared.records, consumed, membership);
            } catch (RuntimeException e) {
                // it may have committed all the same (a commit that timed out): start these partitions afresh
                // from what the group committed, so a window is neither applied twice nor lost
                f.resync(offsets.keySet());
                throw e;
            }
            prepared.apply();
        }
        for (int i : live) {
            if (outcomes[i] == null) {
                outcomes[i] = new CommitOutcome(buffer.commit(commits.get(i).token()), null);
            }
        }
        return List.of(outcomes);
    }

    // ---- table queries: the store's (from the changelogs) ----

    @Override
    public Optional<TableEntry> tableEntry(String table, String key) {
        return store.tableEntry(table, key);
    }

    @Override
    public List<TableEntry> tableEntries(String table, String afterKey, int limit) {
        return store.tableEntries(table, afterKey, limit);
    }

    @Override
    public Optional<TableInfo> tableInfo(String table) {
        return store.tableInfo(table);
    }

    @Override
    public List<TableInfo> listTables() {
        return store.listTables();
    }

    @Override
    public long clearTable(String table) {
        return store.clearTable(table);
    }

    @Override
    public boolean dropTable(String table) {
        return store.dropTable(table);
    }

    @Override
    public int release(String stream, String token, Instant availableAt, String error) {
        OrderedFetcher f = member(stream);
        return f == null ? 0 : f.buffer().release(token, availableAt, error);
    }

    @Override
    public int deadLetter(String stream, String token, String deadStream, String error, Instant now) {
        OrderedFetcher f = member(stream);
        if (f == null) {
            return 0;
        }
        List<OrderedRecord> records = f.buffer().claimed(token);
        if (records.isEmpty()) {
            return 0;
        }
        List<NewMessage> dead = new ArrayList<>(records.size());
        for (OrderedRecord r : records) {
            dead.add(KafkaStore.deadLetterOf(r.as(MessageState.PENDING), error));
        }
        if (f.committingInTransactions()) { // the dead letters and the offsets in one transaction, like any window's
            return commitWithState(stream, token, false, records.size(),
                    CommitEffects.appendsOnly(Map.of(deadStream, dead), now));
        }
        // written to the dead-letter stream first: a crash before the commit delivers them again, never loses them
        store.append(deadStream, dead);
        return f.buffer().commit(token);
    }

    @Override
    public boolean compareAndSetLastRead(String stream, Instant expected, Instant next, Instant now) {
        return store.compareAndSetGrid(groups.groupId(stream, group), expected, next);
    }

    @Override
    public StreamStats stats(String stream) {
        if (store.findStream(stream).isEmpty()) {
            return StreamStats.EMPTY;
        }
        OrderedFetcher f = member(stream);
        return groups.stats(stream, group, f == null ? null : f.buffer());
    }

    @Override
    public int expire(String stream, Instant cutoff) {
        return store.expire(stream, cutoff);
    }

    @Override
    public int clear(String stream) {
        return store.clear(stream);
    }

    @Override
    public Subscription subscribeAppends(String stream, Runnable onAppend) {
        // a consumer subscribes for its lifetime, as a member of the group of its own, which leaves with it
        OrderedFetcher f = groups.join(stream, group);
        mine.put(stream, f);
        Subscription notices = store.listen(f.member(), onAppend, f::isOpen);
        return new Subscription() {
            private final java.util.concurrent.atomic.AtomicBoolean open = new java.util.concurrent.atomic.AtomicBoolean(true);

            @Override
            public boolean active() {
                return notices.active();
            }

            @Override
            public void close() {
                if (open.compareAndSet(true, false)) {
                    notices.close();
                    mine.remove(stream, f);
                    groups.leave(f);
                }
            }
        };
    }

    @Override
    public Optional<String> unsupported(Feature feature) {
        return Optional.empty(); // keyed windows, stages and tables are what ordered consumption is for
    }

    @Override
    public void close() {
        // the store owns the clients and fetchers
    }
}
