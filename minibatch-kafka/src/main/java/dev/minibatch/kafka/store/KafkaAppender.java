package dev.minibatch.kafka.store;

import dev.minibatch.spi.store.NewMessage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * Appends: one message through the shared idempotent producer ({@code acks=all}), returning when
 * the record is replicated; several all or nothing, in one of two ways:
 * <ul>
 *   <li>messages without keys that fit one record batch (well under the topic's
 *       {@code max.message.bytes}) go to one partition as <em>one record batch</em>, through an
 *       idempotent producer of their own that only this path uses, one append at a time, with a
 *       linger no append waits for (it flushes). Kafka appends and replicates a record batch as a
 *       unit, so the batch is all or nothing without a transaction's coordinator round trips and
 *       markers (a transaction cost ~4× a flush of 1,000 records in the bench);</li>
 *   <li>larger appends, or messages with keys (which go to their key's partition), in one Kafka
 *       transaction (the store's share groups and readers read committed).</li>
 * </ul>
 * Each record's size is checked against its topic's {@code max.message.bytes} before anything is
 * sent, so an oversized message fails alone and clearly. Thread-safe: batches are serialized on the
 * batch producer, transactions on a transactional producer per lane (the store's appends; each
 * ordered consumer group's windows), each made on first use.
 */
final class KafkaAppender implements AutoCloseable {

    private static final int BROKER_DEFAULT_MAX_MESSAGE_BYTES = 1_048_588;
    /** Record-batch framing, and what a record adds to its key, value and headers inside a batch (at most). */
    private static final int BATCH_OVERHEAD = 61;
    private static final int RECORD_IN_BATCH_OVERHEAD = 24;

    private final KafkaStoreSettings settings;
    private final KafkaClients clients;
    private final KafkaCatalog catalog;
    private final KafkaProducer<byte[], byte[]> producer;
    private final Admin admin;
    private final Map<String, Integer> maxMessageBytes = new ConcurrentHashMap<>();
    /**
     * Transactional producers by lane: the store's own appends use lane {@code ""}, each member of an
     * ordered consumer group its own (its {@link OrderedFetcher#member()}), so a stage's transactions
     * and a table consumer's in one process, or two consumers' of one group, do not wait for each
     * other (Kafka Streams has a producer per stream thread). A member's lane closes with it.
     */
    private final Map<String, TxLane> lanes = new ConcurrentHashMap<>();

    /** One transactional producer, made on first use; its transactions run one at a time. */
    private static final class TxLane {
        KafkaProducer<byte[], byte[]> tx;

        void discard() {
            if (tx != null) {
                tx.close(Duration.ZERO);
                tx = null;
            }
        }
    }
    private final Object batchLock = new Object();
    private KafkaProducer<byte[], byte[]> batches;
    private final java.util.concurrent.atomic.AtomicInteger nextPartition = new java.util.concurrent.atomic.AtomicInteger();
    private volatile boolean closed;

    KafkaAppender(KafkaStoreSettings settings, KafkaClients clients, KafkaCatalog catalog,
                  KafkaProducer<byte[], byte[]> producer, Admin admin) {
        this.settings = settings;
        this.clients = clients;
        this.catalog = catalog;
        this.producer = producer;
        this.admin = admin;
    }

    void append(String stream, List<NewMessage> messages) {
        if (messages.isEmpty()) {
            return;
        }
        String topic = catalog.topic(stream);
        catalog.ensure(stream, null, messages.get(0).created());
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>(messages.size());
        int limit = maxMessageBytes(topic);
        for (int i = 0; i < messages.size(); i++) {
            ProducerRecord<byte[], byte[]> r = RecordCodec.encode(topic, messages.get(i));
            int size = RecordCodec.size(r);
            if (size > limit) {
                throw new IllegalArgumentException("message " + (i + 1) + " of " + messages.size() + " for stream '" + stream
                        + "' is about " + size + " bytes; topic '" + topic + "' takes at most " + limit
                        + " (its max.message.bytes); nothing of this append was written");
            }
            records.add(r);
        }
        if (records.size() == 1) {
            send(stream, records.get(0));
        } else if (fitsOneBatch(records, limit)) {
            sendAsOneBatch(stream, topic, records);
        } else {
            sendInTransaction(stream, records);
        }
    }

    /** Whether the records, all without keys, fit one record batch with room to spare (10%: compression, estimates). */
    private static boolean fitsOneBatch(List<ProducerRecord<byte[], byte[]>> records, int maxMessageBytes) {
        long bytes = BATCH_OVERHEAD;
        for (ProducerRecord<byte[], byte[]> r : records) {
            if (r.key() != null) {
                return false;
            }
            bytes += RecordCodec.size(r) + RECORD_IN_BATCH_OVERHEAD;
        }
        return bytes <= Math.min(KafkaClients.BATCH_BYTES, maxMessageBytes) * 9L / 10;
    }

    private void sendAsOneBatch(String stream, String topic, List<ProducerRecord<byte[], byte[]>> records) {
        synchronized (batchLock) {
            if (closed) {
                throw new IllegalStateException("the kafka:// store is closed");
            }
            if (batches == null) {
                batches = clients.batchProducer();
            }
            // unlike a transaction, a batch whose send fails or times out may still have been written
            // (all of it, never part): the caller's error then means "appended or not", as for append()
            int partition;
            try {
                partition = Math.floorMod(nextPartition.getAndIncrement(), batches.partitionsFor(topic).size());
            } catch (KafkaException e) {
                throw appendFailed(stream, e); // nothing sent yet
            }
            List<Future<RecordMetadata>> sent = new ArrayList<>(records.size());
            try {
                for (ProducerRecord<byte[], byte[]> r : records) {
                    sent.add(batches.send(new ProducerRecord<>(topic, partition, r.timestamp(), null, r.value(), r.headers())));
                }
            } catch (RuntimeException e) {
                throw dropUnsent(stream, e);
            }
            for (Future<RecordMetadata> f : sent) {
                if (f.isDone()) { // before the flush only a refused record is done (the linger holds the rest)
                    throw dropUnsent(stream, new KafkaException("the producer refused a record of the batch: "
                            + refusal(f)));
                }
            }
            try {
                batches.flush();
                for (Future<RecordMetadata> f : sent) {
                    f.get();
                }
            } catch (ExecutionException e) {
                throw appendFailed(stream, e.getCause());
            } catch (KafkaException e) {
                throw appendFailed(stream, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw KafkaStore.interrupted("appending to stream '" + stream + "'");
            }
        }
    }

    /**
     * A batch that failed before its flush: the records already handed to the producer would go out
     * with the next flush, making this append partial, so the producer is closed without sending
     * them (nothing of the batch was sent: the linger holds it). Caller holds {@code batchLock}.
     */
    private RuntimeException dropUnsent(String stream, RuntimeException cause) {
        batches.close(Duration.ZERO);
        batches = null;
        return cause instanceof KafkaException k ? appendFailed(stream, k) : cause;
    }

    private static String refusal(Future<RecordMetadata> done) {
        try {
            done.get();
            return "(no error)";
        } catch (ExecutionException e) {
            return String.valueOf(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "(interrupted)";
        }
    }

    private void send(String stream, ProducerRecord<byte[], byte[]> record) {
        try {
            producer.send(record).get();
        } catch (ExecutionException e) {
            throw appendFailed(stream, e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw KafkaStore.interrupted("appending to stream '" + stream + "'");
        }
    }

    /** Sends encoded records in one transaction (also a table's tombstones when it is cleared). */
    void sendInTransaction(String stream, List<ProducerRecord<byte[], byte[]>> records) {
        inTransaction("", stream, records, null, null);
    }

    /**
     * Sends the records, and with {@code offsets} a consumer group's offsets, in one transaction on
     * the store's transactional producer; throws, with nothing committed, when it fails.
     */
    private void inTransaction(String lane, String streams, List<ProducerRecord<byte[], byte[]>> records,
                               Map<TopicPartition, OffsetAndMetadata> offsets, ConsumerGroupMetadata group) {
        TxLane l = lanes.computeIfAbsent(lane, k -> new TxLane());
        synchronized (l) {
            if (closed) {
                throw new IllegalStateException("the kafka:// store is closed");
            }
            if (l.tx == null) {
                l.tx = clients.transactionalProducer();
            }
            KafkaProducer<byte[], byte[]> tx = l.tx;
            try {
                tx.beginTransaction();
                for (ProducerRecord<byte[], byte[]> r : records) {
                    tx.send(r);
                }
                if (offsets != null) {
                    tx.sendOffsetsToTransaction(offsets, group);
                }
                tx.commitTransaction(); // flushes; throws if any send failed
            } catch (ProducerFencedException | OutOfOrderSequenceException | AuthorizationException fatal) {
                l.discard();
                throw appendFailed(streams, fatal);
            } catch (KafkaException e) {
                try {
                    tx.abortTransaction();
                } catch (KafkaException abortFailed) {
                    l.discard();
                }
                throw appendFailed(streams, e);
            }
        }
    }

    /**
     * Appends {@code appends} (stream → messages) and {@code records} (already encoded: tables'
     * changelog records), and commits a consumer group's {@code offsets}, in one Kafka transaction: the
     * outputs and state changes of a window become visible to read-committed consumers exactly when
     * its inputs count as consumed. {@code group} fences a member that lost its partitions (its
     * transaction fails). Throws, with nothing committed, when the transaction fails.
     */
    void appendWithOffsets(String lane, Map<String, List<NewMessage>> appends, List<ProducerRecord<byte[], byte[]>> records,
                           Map<TopicPartition, OffsetAndMetadata> offsets, ConsumerGroupMetadata group) {
        List<ProducerRecord<byte[], byte[]>> all = new ArrayList<>();
        String streams = String.join(", ", appends.keySet());
        appends.forEach((stream, messages) -> {
            if (!messages.isEmpty()) {
                String topic = catalog.topic(stream);
                catalog.ensure(stream, null, messages.get(0).created());
                int limit = maxMessageBytes(topic);
                for (NewMessage m : messages) {
                    ProducerRecord<byte[], byte[]> r = RecordCodec.encode(topic, m);
                    if (RecordCodec.size(r) > limit) {
                        throw new IllegalArgumentException("a message for stream '" + stream + "' is about "
                                + RecordCodec.size(r) + " bytes; topic '" + topic + "' takes at most " + limit);
                    }
                    all.add(r);
                }
            }
        });
        all.addAll(records);
        inTransaction(lane, streams.isEmpty() ? "tables" : streams, all, offsets, group);
    }

    private RuntimeException appendFailed(String stream, Throwable cause) {
        if (cause instanceof RecordTooLargeException) {
            return new IllegalArgumentException("appending to stream '" + stream + "' on " + settings.url()
                    + ": a message is larger than the topic or broker accepts: " + settings.client().describe(cause));
        }
        return KafkaStore.failure("appending to stream '" + stream + "'", settings, cause);
    }

    /**
     * The topic's {@code max.message.bytes} (asked once per topic). Right after the topic is created
     * a broker may not know it yet: asked again for a few seconds, then the broker default is used
     * for this append (not remembered).
     */
    int maxMessageBytes(String topic) {
        Integer known = maxMessageBytes.get(topic);
        if (known != null) {
            return known;
        }
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (true) {
            try {
                Config config = admin.describeConfigs(List.of(resource)).all().get().get(resource);
                ConfigEntry entry = config == null ? null : config.get("max.message.bytes");
                int limit = entry == null || entry.value() == null ? BROKER_DEFAULT_MAX_MESSAGE_BYTES : Integer.parseInt(entry.value());
                maxMessageBytes.put(topic, limit);
                return limit;
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                    throw KafkaStore.failure("reading the configuration of topic '" + topic + "'", settings, e.getCause());
                }
                if (System.nanoTime() > deadline) {
                    return BROKER_DEFAULT_MAX_MESSAGE_BYTES;
                }
                sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw KafkaStore.interrupted("reading topic configuration");
            }
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw KafkaStore.interrupted("reading topic configuration");
        }
    }

    /** Closes the transactional producer of {@code lane} (a member that left its group), if it has one. */
    void closeLane(String lane) {
        TxLane l = lanes.remove(lane);
        if (l != null) {
            synchronized (l) {
                if (l.tx != null) {
                    l.tx.close(Duration.ofSeconds(5));
                    l.tx = null;
                }
            }
        }
    }

    @Override
    public void close() {
        synchronized (batchLock) {
            closed = true;
            if (batches != null) {
                batches.close(Duration.ofSeconds(5));
                batches = null;
            }
        }
        closed = true;
        for (TxLane l : lanes.values()) {
            synchronized (l) {
                if (l.tx != null) {
                    l.tx.close(Duration.ofSeconds(5));
                    l.tx = null;
                }
            }
        }
    }
}
