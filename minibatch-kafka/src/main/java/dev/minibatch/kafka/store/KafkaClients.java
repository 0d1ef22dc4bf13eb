package dev.minibatch.kafka.store;

import dev.minibatch.kafka.KafkaClassLoading;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Makes the store's Kafka clients from its settings: each gets the pass-through properties its kind
 * knows (so none logs "unused" warnings) and the settings the store's promises need, which the
 * user cannot override ({@link KafkaStoreSettings} rejects them). Creation failures become clear
 * configuration errors. Stateless apart from a per-store client-id stem.
 */
final class KafkaClients {

    private final KafkaStoreSettings settings;
    private final String clientId = "minibatch-" + UUID.randomUUID().toString().substring(0, 8);

    KafkaClients(KafkaStoreSettings settings) {
        this.settings = settings;
    }

    Admin admin() {
        Map<String, Object> p = known(AdminClientConfig.configNames());
        p.put(AdminClientConfig.CLIENT_ID_CONFIG, clientId + "-admin");
        int ms = (int) Math.min(Integer.MAX_VALUE, Math.max(1000, settings.connectTimeout().toMillis()));
        p.putIfAbsent(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, Math.max(ms, 30_000));
        return create(() -> Admin.create(p));
    }

    /** The idempotent producer: {@code acks=all}, retries within {@code delivery.timeout.ms}. */
    KafkaProducer<byte[], byte[]> producer() {
        Map<String, Object> p = producerBase("-producer");
        return create(() -> new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer()));
    }

    /** The largest record batch the batch producer builds (the broker's default {@code max.message.bytes} is about 1 MiB). */
    static final int BATCH_BYTES = 1024 * 1024;

    /**
     * The producer of appends written as one record batch (see {@link KafkaAppender}): idempotent,
     * {@code acks=all}, batches as large as {@link #BATCH_BYTES}, and a linger no append waits for
     * (each flushes), so that nothing but a flush closes a batch.
     */
    KafkaProducer<byte[], byte[]> batchProducer() {
        Map<String, Object> p = producerBase("-batch");
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, BATCH_BYTES);
        int linger = 60_000;
        p.put(ProducerConfig.LINGER_MS_CONFIG, linger);
        // Kafka requires delivery.timeout.ms >= linger.ms + request.timeout.ms
        int requestTimeout = intSetting(p, ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 30_000);
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Math.max(intSetting(p, ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG,
                120_000), linger + requestTimeout));
        return create(() -> new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer()));
    }

    /** A transactional producer for all-or-nothing appends, with a transactional id of its own. */
    KafkaProducer<byte[], byte[]> transactionalProducer() {
        Map<String, Object> p = producerBase("-tx");
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, clientId + "-tx-" + UUID.randomUUID());
        // a process killed inside a transaction leaves it open, and read-committed consumers of its
        // partitions wait for it until it times out: 10 s instead of Kafka's 60 s
        p.putIfAbsent(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 10_000);
        KafkaProducer<byte[], byte[]> producer = create(() -> new KafkaProducer<>(p, new ByteArraySerializer(),
                new ByteArraySerializer()));
        try {
            producer.initTransactions();
        } catch (RuntimeException e) {
            producer.close(java.time.Duration.ZERO);
            throw e;
        }
        return producer;
    }

    private Map<String, Object> producerBase(String suffix) {
        Map<String, Object> p = known(ProducerConfig.configNames());
        p.put(ProducerConfig.CLIENT_ID_CONFIG, clientId + suffix);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, 1);
        // the topic's max.message.bytes is the limit that counts; KafkaAppender checks it before sending
        p.putIfAbsent(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 16 * 1024 * 1024);
        return p;
    }

    /**
     * A share consumer of {@code group}, acknowledging explicitly, handing out batches of up to
     * {@code batch} records unless the URL sets {@code kafka.max.poll.records}. With
     * {@code fillBatches}, a poll hands out up to a batch ({@code share.acquire.mode=record_limit})
     * instead of about one producer batch per partition (Kafka's default, {@code batch_optimized}):
     * for count windows larger than a default poll, which should fill from one lane's batch. Not
     * for small windows: measured here, it raised append→window latency of size-1 windows from
     * ~6 ms to ~230 ms. {@code kafka.share.acquire.mode} in the URL wins either way.
     */
    KafkaShareConsumer<byte[], byte[]> shareConsumer(String group, int lane, int batch, boolean fillBatches) {
        Map<String, Object> p = known(ConsumerConfig.configNames());
        p.putIfAbsent(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, batch);
        if (fillBatches) {
            p.putIfAbsent(ConsumerConfig.SHARE_ACQUIRE_MODE_CONFIG, "record_limit");
        }
        // a window that leaves its lane holding records is committed synchronously, and that commit waited
        // behind the lane's fetch already at the broker for up to fetch.max.wait.ms (500 ms by default):
        // a 2,000-record batch in one lane drained at 2 windows a second (KafkaStoreConsumersTest, 20
        // records/s); at 100 ms an idle lane asks 10 times a second instead of twice
        p.putIfAbsent(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 100);
        p.remove(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG); // not a share-consumer setting: the group has its own
        p.remove(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId + "-share-" + lane);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        p.put(ConsumerConfig.SHARE_ACKNOWLEDGEMENT_MODE_CONFIG, "explicit");
        return create(() -> new KafkaShareConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer()));
    }

    private static int intSetting(Map<String, Object> p, String name, int otherwise) {
        Object v = p.get(name);
        try {
            return v == null ? otherwise : Integer.parseInt(v.toString().trim());
        } catch (NumberFormatException e) {
            return otherwise; // the client's own validation names the bad value
        }
    }

    /** Whether the URL fixes the share consumers' batch size ({@code kafka.max.poll.records}). */
    boolean batchSizeFixed() {
        return settings.client().passThrough().containsKey(ConsumerConfig.MAX_POLL_RECORDS_CONFIG);
    }

    /**
     * A consumer of {@code group} with partitions assigned by the group coordinator (Kafka's
     * {@code consumer} group protocol unless the URL sets {@code kafka.group.protocol}), reading
     * committed records from the earliest offset when the group has none, committing offsets only
     * when told to.
     */
    KafkaConsumer<byte[], byte[]> orderedConsumer(String group, int member) {
        Map<String, Object> p = known(ConsumerConfig.configNames());
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId + "-ordered-" + member);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.putIfAbsent(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.putIfAbsent(ConsumerConfig.GROUP_PROTOCOL_CONFIG, "consumer");
        return create(() -> new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer()));
    }

    /** A plain consumer that reads committed records by assignment, never committing. */
    KafkaConsumer<byte[], byte[]> reader() {
        Map<String, Object> p = known(ConsumerConfig.configNames());
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId + "-reader");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.remove(ConsumerConfig.GROUP_ID_CONFIG);
        return create(() -> new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer()));
    }

    /** The stem of this store's client ids: share consumers are {@code stem-share-N}. */
    String clientId() {
        return clientId;
    }

    private Map<String, Object> known(Set<String> names) {
        Map<String, Object> p = new LinkedHashMap<>();
        settings.client().passThrough().forEach((k, v) -> {
            if (names.contains(k)) {
                p.put(k, v);
            }
        });
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, settings.client().servers());
        return p;
    }

    private <T> T create(java.util.function.Supplier<T> factory) {
        try {
            return KafkaClassLoading.withModuleClassLoader(factory);
        } catch (org.apache.kafka.common.KafkaException e) {
            throw settings.client().configurationError(KafkaStoreSettings.OWNER, e);
        }
    }
}
