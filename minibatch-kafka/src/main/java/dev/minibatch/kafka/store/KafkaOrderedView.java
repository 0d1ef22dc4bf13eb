package dev.minibatch.kafka.store;

import dev.minibatch.model.Message;
import dev.minibatch.model.MessageState;
import dev.minibatch.model.StreamInfo;
import dev.minibatch.model.StreamStats;
import dev.minibatch.spi.store.AppendWakeups;
import dev.minibatch.spi.store.Claim;
import dev.minibatch.spi.store.ConsumerFeatures;
import dev.minibatch.spi.store.KeyedStore;
import dev.minibatch.spi.store.Lease;
import dev.minibatch.spi.store.NewMessage;
import dev.minibatch.spi.store.Selection;
import dev.minibatch.spi.store.StreamStore;
import dev.minibatch.spi.store.TransactionalAppend;
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
 * offset order ({@link OrderedFetcher}, {@link OrderedBuffer}). A read sees what this process holds
 * of its partitions (what its consumers can claim); counts ({@code stats}) are the group's, from its
 * committed offsets. Keys are honoured in claims and
 * counted per key ({@link KeyedStore}): a key's records are in one partition, in order. Appends,
 * metadata, expiry and clearing are the store's; closing the view does nothing. Thread-safe.
 */
final class KafkaOrderedView implements StreamStore, AppendWakeups, ConsumerFeatures, KeyedStore, TransactionalAppend {

    private final KafkaStore store;
    private final OrderedGroups groups;
    /** The user's group name, or null for the stream's default group. */
    private final String group;

    KafkaOrderedView(KafkaStore store, OrderedGroups groups, String group) {
        this.store = store;
        this.groups = groups;
        this.group = group;
    }

    private OrderedBuffer buffer(String stream) {
        return groups.fetcher(stream, group).buffer();
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
        OrderedFetcher f = groups.existing(stream, group);
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

    @Override
    public List<KeyCount> pendingByKey(String stream, Selection selection, Instant now) {
        return buffer(stream).pendingByKey(selection, now);
    }

    @Override
    public boolean renew(String stream, String token, Instant expiresAt) {
        OrderedFetcher f = groups.existing(stream, group);
        return f != null && f.buffer().renew(token, expiresAt);
    }

    @Override
    public int commit(String stream, String token, boolean keep) {
        OrderedFetcher f = groups.existing(stream, group);
        return f == null ? 0 : f.buffer().commit(token);
    }

    /** How long a stage's commit waits for an earlier window of its partitions to commit first. */
    private static final Duration PREDECESSOR_WAIT = Duration.ofSeconds(30);

    /**
     * A stage's window: its outputs and its partitions' offsets in one Kafka transaction, fenced by
     * the group membership (a member that lost the partitions cannot commit), then the records are
     * done here. Offsets only ever cover committed windows: a window waits for an earlier one of its
     * partitions (with {@code workers} above 1) to commit first.
     */
    @Override
    public int commitAndAppend(String stream, String token, boolean keep, int expected, Map<String, List<NewMessage>> appends,
                               Instant now) {
        OrderedFetcher f = groups.existing(stream, group);
        if (f == null) {
            return 0;
        }
        long deadline = System.nanoTime() + PREDECESSOR_WAIT.toNanos();
        Map<Integer, Long> offsets;
        while ((offsets = f.buffer().offsetsIfCommitted(token, expected)) == null) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("stream '" + stream + "': an earlier window of the same partitions did not"
                        + " commit within " + PREDECESSOR_WAIT + "; this one is retried");
            }
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw KafkaStore.interrupted("waiting for an earlier window");
            }
        }
        if (offsets.isEmpty()) {
            return 0; // the lease or the partitions were lost: another member commits these records
        }
        ConsumerGroupMetadata membership = f.groupMetadata();
        if (membership == null) {
            throw new IllegalStateException("stream '" + stream + "': the ordered consumer has not joined its group yet");
        }
        Map<TopicPartition, OffsetAndMetadata> consumed = new HashMap<>();
        offsets.forEach((p, offset) -> consumed.put(new TopicPartition(f.topic(), p), new OffsetAndMetadata(offset)));
        store.appendWithOffsets(appends, consumed, membership);
        return f.buffer().commit(token);
    }

    @Override
    public int release(String stream, String token, Instant availableAt, String error) {
        OrderedFetcher f = groups.existing(stream, group);
        return f == null ? 0 : f.buffer().release(token, availableAt, error);
    }

    @Override
    public int deadLetter(String stream, String token, String deadStream, String error, Instant now) {
        OrderedFetcher f = groups.existing(stream, group);
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
        OrderedFetcher f = groups.existing(stream, group);
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
        // a consumer subscribes for its lifetime: the last one of this process to go takes the fetcher along
        OrderedFetcher f = groups.subscribe(stream, group);
        Subscription notices = store.listen(f.group(), onAppend, () -> groups.existing(stream, group) == f);
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
                    groups.unsubscribe(f);
                }
            }
        };
    }

    @Override
    public Optional<String> unsupported(Feature feature) {
        return switch (feature) {
            case KEYED_WINDOWS, STAGES -> Optional.empty();
            case TABLES -> store.unsupported(feature);
        };
    }

    @Override
    public void close() {
        // the store owns the clients and fetchers
    }
}
