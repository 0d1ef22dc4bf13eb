package dev.minibatch.bench;

import static dev.minibatch.bench.KafkaStoreBenchmarks.BATCH;
import static dev.minibatch.bench.KafkaStoreBenchmarks.PARTITIONS;
import static dev.minibatch.bench.KafkaStoreBenchmarks.seconds;

import dev.minibatch.Minibatch;
import dev.minibatch.Stream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The append part of {@link KafkaStoreBenchmarks}: {@code appendAll} of 1,000 messages against a raw
 * idempotent producer (send 1,000, flush), a raw producer doing what the store does for an append
 * that fits one record batch, and a raw transactional producer (what larger or keyed appends cost),
 * interleaved per repetition.
 */
final class KafkaStoreAppends {

    private final KafkaStoreBenchmarks bench;

    KafkaStoreAppends(KafkaStoreBenchmarks bench) {
        this.bench = bench;
    }

    void run() throws Exception {
        System.out.printf(Locale.ROOT, "append: %,d msgs per run in batches of %d%n", bench.appendCount, BATCH);
        String rawTopic = "raw.append-" + bench.names.incrementAndGet();
        String txTopic = "raw.append-tx-" + bench.names.incrementAndGet();
        bench.cluster.createTopic(rawTopic, PARTITIONS);
        bench.cluster.createTopic(txTopic, PARTITIONS);
        List<List<byte[]>> rawBatches = new ArrayList<>();
        List<List<Map<String, Object>>> batches = new ArrayList<>();
        for (int i = 0; i < bench.appendCount; i += BATCH) {
            List<byte[]> raw = new ArrayList<>(BATCH);
            for (int j = i; j < i + BATCH; j++) {
                raw.add(Payloads.readingJson(j).getBytes(StandardCharsets.UTF_8));
            }
            rawBatches.add(raw);
            batches.add(Payloads.readings(i, BATCH));
        }
        String oneBatchTopic = "raw.append-batch-" + bench.names.incrementAndGet();
        bench.cluster.createTopic(oneBatchTopic, PARTITIONS);
        Map<String, Object> oneBatchConfig = new LinkedHashMap<>(bench.producerConfig());
        oneBatchConfig.put(ProducerConfig.BATCH_SIZE_CONFIG, 1024 * 1024);
        oneBatchConfig.put(ProducerConfig.LINGER_MS_CONFIG, 60_000);
        Map<String, Object> txConfig = new LinkedHashMap<>(bench.producerConfig());
        txConfig.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "bench-raw-tx-" + ProcessHandle.current().pid());
        try (KafkaProducer<byte[], byte[]> producer = bench.idempotentProducer();
             KafkaProducer<byte[], byte[]> tx = new KafkaProducer<>(txConfig, new ByteArraySerializer(), new ByteArraySerializer());
             KafkaProducer<byte[], byte[]> oneBatch = new KafkaProducer<>(oneBatchConfig, new ByteArraySerializer(),
                     new ByteArraySerializer());
             Minibatch mb = Minibatch.builder().url(bench.url).shutdownHook(false).build()) {
            tx.initTransactions();
            Stream stream = mb.stream("append-" + bench.names.incrementAndGet());
            int warmBatches = Math.max(1, rawBatches.size() / 3);
            rawAppend(producer, rawTopic, rawBatches.subList(0, warmBatches), false); // JIT warm-up
            minibatchAppend(stream, batches.subList(0, warmBatches));
            rawAppend(tx, txTopic, rawBatches.subList(0, warmBatches), true);
            rawOneBatchAppend(oneBatch, oneBatchTopic, rawBatches.subList(0, warmBatches));
            double[] raw = new double[bench.pairs];
            double[] ours = new double[bench.pairs];
            double[] transactional = new double[bench.pairs];
            double[] rawOneBatch = new double[bench.pairs];
            for (int p = 0; p < bench.pairs; p++) {
                raw[p] = rawAppend(producer, rawTopic, rawBatches, false);
                ours[p] = minibatchAppend(stream, batches);
                transactional[p] = rawAppend(tx, txTopic, rawBatches, true);
                rawOneBatch[p] = rawOneBatchAppend(oneBatch, oneBatchTopic, rawBatches);
                System.out.printf(Locale.ROOT, "  pair %d: raw idempotent %,.0f msg/s | appendAll %,.0f msg/s = %.2f | raw"
                        + " transactional %,.0f msg/s = %.2f | raw one batch %,.0f msg/s = %.2f%n", p + 1, raw[p], ours[p],
                        ours[p] / raw[p], transactional[p], transactional[p] / raw[p], rawOneBatch[p], rawOneBatch[p] / raw[p]);
            }
            bench.row("append", "appendAll, batches of " + BATCH + " (one record batch each), kafka://", ours, "msg/s",
                    "raw idempotent producer, send 1000 + flush", raw, 0.90);
            bench.row("append", "appendAll, batches of " + BATCH + ", against the raw producer doing the same", ours, "msg/s",
                    "raw producer, 1000 to one partition, batch.size 1 MiB, flush", rawOneBatch, null);
            bench.row("append", "raw transactional producer, begin + send 1000 + commit", transactional, "msg/s",
                    "raw idempotent producer, send 1000 + flush", raw, null);
        }
    }

    /** What the store does for an appendAll that fits one record batch: all to one partition (in turn), then flush. */
    private double rawOneBatchAppend(KafkaProducer<byte[], byte[]> producer, String topic, List<List<byte[]>> batches) {
        long start = System.nanoTime();
        int n = 0;
        int partition = 0;
        for (List<byte[]> batch : batches) {
            int p = partition++ % PARTITIONS;
            for (byte[] value : batch) {
                producer.send(new ProducerRecord<>(topic, p, System.currentTimeMillis(), null, value));
            }
            producer.flush();
            n += batch.size();
        }
        return n / seconds(start);
    }

    private double rawAppend(KafkaProducer<byte[], byte[]> producer, String topic, List<List<byte[]>> batches,
                             boolean transactional) {
        long start = System.nanoTime();
        int n = 0;
        for (List<byte[]> batch : batches) {
            if (transactional) {
                producer.beginTransaction();
            }
            for (byte[] value : batch) {
                producer.send(new ProducerRecord<>(topic, null, System.currentTimeMillis(), null, value));
            }
            if (transactional) {
                producer.commitTransaction();
            } else {
                producer.flush();
            }
            n += batch.size();
        }
        return n / seconds(start);
    }

    private static double minibatchAppend(Stream stream, List<List<Map<String, Object>>> batches) {
        long start = System.nanoTime();
        int n = 0;
        for (List<Map<String, Object>> batch : batches) {
            stream.appendAll(batch);
            n += batch.size();
        }
        return n / seconds(start);
    }
}
