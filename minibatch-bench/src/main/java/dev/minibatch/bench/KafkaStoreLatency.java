package dev.minibatch.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.minibatch.Minibatch;
import dev.minibatch.Stream;
import dev.minibatch.bench.mongo.BenchServer;
import dev.minibatch.model.ConsumerHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The latency part of {@link KafkaStoreBenchmarks}: append → window at a fixed rate, size-1 windows,
 * on kafka:// beside a raw produce → poll loop on the same cluster, and on {@code sqlite:} and the
 * MongoDB emulator for context, in interleaved repetitions.
 */
final class KafkaStoreLatency {

    private final KafkaStoreBenchmarks b;

    KafkaStoreLatency(KafkaStoreBenchmarks bench) {
        this.b = bench;
    }

    void run() throws Exception {
        int warmup = Math.min(200, b.latencyMessages / 5);
        System.out.printf(Locale.ROOT, "latency: append -> window, size-1 windows at %d msg/s, %,d msgs per run (first %d left out)%n",
                KafkaStoreBenchmarks.LATENCY_RATE, b.latencyMessages, warmup);
        List<String> scenarios = List.of("raw", "kafka", "sqlite", "mongodb");
        Map<String, List<double[]>> runs = new LinkedHashMap<>();
        scenarios.forEach(s -> runs.put(s, new ArrayList<>()));
        try (BenchServer emulator = BenchServer.emulator(false)) {
            for (int p = 0; p < b.pairs; p++) {
                StringBuilder out = new StringBuilder(String.format(Locale.ROOT, "  pair %d:", p + 1));
                for (String s : scenarios) {
                    double[] r = switch (s) {
                        case "raw" -> rawLatency(warmup);
                        case "kafka" -> minibatchLatency(b.url, "latency-" + b.names.incrementAndGet(), warmup);
                        case "sqlite" -> minibatchLatency("sqlite:" + Files.createTempDirectory(b.dir, "sqlite").resolve("lat.db"),
                                "lat", warmup);
                        default -> minibatchLatency(emulator.base() + "/lat" + b.names.incrementAndGet(), "lat", warmup);
                    };
                    runs.get(s).add(r);
                    out.append(String.format(Locale.ROOT, " %s p50 %.2f p99 %.2f ms |", s, r[0] / 1000, r[1] / 1000));
                }
                System.out.println(out);
            }
        }
        for (int i = 0; i < KafkaStoreBenchmarks.PERCENTILES.length; i++) {
            int pi = i;
            double[] limit = runs.get("raw").stream().mapToDouble(r -> r[pi] / 1000).toArray();
            String pct = "p" + (int) KafkaStoreBenchmarks.PERCENTILES[i];
            b.row("latency", pct + " append→window, kafka://", runs.get("kafka").stream().mapToDouble(r -> r[pi] / 1000).toArray(),
                    "ms", pct + " raw produce→poll (idempotent producer → KafkaShareConsumer)", limit, null);
            b.row("latency", pct + " append→window, sqlite: (context)",
                    runs.get("sqlite").stream().mapToDouble(r -> r[pi] / 1000).toArray(), "ms", null, null, null);
            b.row("latency", pct + " append→window, MongoDB emulator (context)",
                    runs.get("mongodb").stream().mapToDouble(r -> r[pi] / 1000).toArray(), "ms", null, null, null);
        }
    }

    /** The payload of latency runs: a benchmark reading plus the sender's clock. */
    private static Map<String, Object> timed(int i) {
        Map<String, Object> m = Payloads.reading(i);
        m.put("sentNanos", System.nanoTime());
        return m;
    }

    /** Idempotent producer {@code send().get()} per message → a share consumer's poll (explicit ACCEPT, commitSync per poll). */
    private double[] rawLatency(int warmup) throws Exception {
        String topic = "raw.latency-" + b.names.incrementAndGet();
        b.cluster.createTopic(topic, KafkaStoreBenchmarks.PARTITIONS);
        String group = "raw-latency-" + topic;
        b.earliest(group);
        Histogram histogram = KafkaStoreBenchmarks.histogram();
        AtomicBoolean joined = new AtomicBoolean();
        AtomicInteger seen = new AtomicInteger();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong failures = new AtomicLong();
        Thread poller = new Thread(() -> {
            try (KafkaShareConsumer<byte[], byte[]> consumer = new KafkaShareConsumer<>(b.shareProps(group),
                    new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                consumer.subscribe(List.of(topic));
                while (!stop.get()) {
                    ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(100));
                    long now = System.nanoTime();
                    for (ConsumerRecord<byte[], byte[]> r : records) {
                        String json = new String(r.value(), StandardCharsets.UTF_8);
                        int at = json.indexOf("\"sentNanos\":");
                        if (at < 0) {
                            joined.set(true); // a probe
                        } else if (seen.getAndIncrement() >= warmup) {
                            long sent = Long.parseLong(json.substring(at + 12, json.indexOf('}', at)).trim());
                            histogram.recordValue(KafkaStoreBenchmarks.micros(now - sent));
                        }
                        consumer.acknowledge(r, AcknowledgeType.ACCEPT);
                    }
                    if (!records.isEmpty()) {
                        consumer.commitSync();
                    }
                }
            } catch (RuntimeException e) {
                failures.incrementAndGet();
                e.printStackTrace();
            }
        }, "raw-latency-poller");
        poller.start();
        try (KafkaProducer<byte[], byte[]> producer = b.idempotentProducer()) {
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
            while (!joined.get()) { // probes until the consumer has joined: the join is not latency
                producer.send(new ProducerRecord<>(topic, "{\"probe\":true}".getBytes(StandardCharsets.UTF_8))).get();
                KafkaStoreBenchmarks.check(deadline, failures.get() == 0, "raw latency consumer did not join");
                Thread.sleep(100);
            }
            paced(i -> {
                String json = Payloads.readingJson(i);
                json = json.substring(0, json.length() - 1) + ",\"sentNanos\":" + System.nanoTime() + "}";
                producer.send(new ProducerRecord<>(topic, json.getBytes(StandardCharsets.UTF_8))).get();
            });
            deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
            while (seen.get() < b.latencyMessages) {
                KafkaStoreBenchmarks.check(deadline, failures.get() == 0, "raw latency consumer saw " + seen.get() + " of " + b.latencyMessages);
                Thread.sleep(5);
            }
        } finally {
            stop.set(true);
            poller.join(TimeUnit.SECONDS.toMillis(60));
        }
        return KafkaStoreBenchmarks.percentiles(histogram);
    }

    /** Size-1 windows on {@code b.url}; one {@code append} per message at the paced rate. */
    private double[] minibatchLatency(String storeUrl, String stream, int warmup) throws Exception {
        Histogram histogram = KafkaStoreBenchmarks.histogram();
        AtomicBoolean joined = new AtomicBoolean();
        AtomicInteger seen = new AtomicInteger();
        try (Minibatch mb = Minibatch.builder().url(storeUrl).shutdownHook(false).build()) {
            Stream s = mb.stream(stream);
            ConsumerHandle consumer = mb.streaming(stream).size(1).start(window -> {
                long now = System.nanoTime();
                JsonNode v = window.data().get(0);
                if (!v.has("sentNanos")) {
                    joined.set(true);
                } else if (seen.getAndIncrement() >= warmup) {
                    histogram.recordValue(KafkaStoreBenchmarks.micros(now - v.get("sentNanos").asLong()));
                }
            });
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
            while (!joined.get()) { // probes until the first window: the consumer's start is not latency
                s.append(Map.of("probe", true));
                KafkaStoreBenchmarks.check(deadline, consumer.failure() == null, storeUrl + ": no window after 2 min");
                Thread.sleep(100);
            }
            long sending = System.nanoTime();
            paced(i -> s.append(timed(i)));
            double sendSeconds = KafkaStoreBenchmarks.seconds(sending);
            deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
            while (seen.get() < b.latencyMessages) {
                KafkaStoreBenchmarks.check(deadline, consumer.failure() == null, storeUrl + ": " + seen.get() + " of " + b.latencyMessages
                        + " windows: " + consumer.stats());
                Thread.sleep(5);
            }
            double allSeconds = KafkaStoreBenchmarks.seconds(sending);
            consumer.stop();
            if (storeUrl.startsWith("kafka:")) {
                System.out.printf(Locale.ROOT, "    kafka:// size-1 run: appends took %.1f s, windows done %.1f s after the first"
                        + " append%n", sendSeconds, allSeconds);
            }
        }
        return KafkaStoreBenchmarks.percentiles(histogram);
    }

    private interface Send {
        void send(int i) throws Exception;
    }

    /** {@link #b.latencyMessages} sends at {@link #KafkaStoreBenchmarks.LATENCY_RATE} a second on a fixed schedule. */
    private void paced(Send send) throws Exception {
        long period = TimeUnit.SECONDS.toNanos(1) / KafkaStoreBenchmarks.LATENCY_RATE;
        long next = System.nanoTime();
        for (int i = 0; i < b.latencyMessages; i++) {
            long wait;
            while ((wait = next - System.nanoTime()) > 0) {
                LockSupport.parkNanos(wait);
            }
            send.send(i);
            next += period;
        }
    }
}
