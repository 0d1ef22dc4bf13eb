package dev.minibatch.bench;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.ToLongFunction;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * For {@link KafkaStreamsWordCount}: a {@code read_committed} consumer of a table's changelog topic,
 * on a thread of its own: keeps the
 * latest count per key and their sum, when the first record came, when the sum reached a target,
 * and when each {@code probe<N>} key first appeared.
 */
final class ChangelogReader implements AutoCloseable {
    private final String servers;
    private final Admin admin;
    final String topic;
    final ToLongFunction<byte[]> decode;
    final Map<String, Long> latest = new ConcurrentHashMap<>();
    final Map<String, Long> probesSeen = new ConcurrentHashMap<>();
    final Thread thread;
    volatile long sum;
    volatile long records;
    volatile long firstNanos;
    volatile long targetNanos;
    volatile long target = Long.MAX_VALUE;
    volatile boolean stop;
    volatile Throwable failure;

    ChangelogReader(String topic, ToLongFunction<byte[]> decode, String servers, Admin admin) {
        this.servers = servers;
        this.admin = admin;
        this.topic = topic;
        this.decode = decode;
        thread = new Thread(this::run, "changelog-reader-" + topic);
        thread.setDaemon(true);
        thread.start();
    }

    void target(long words) {
        target = words;
        if (sum == words && targetNanos == 0) {
            targetNanos = System.nanoTime();
        }
    }

    private void run() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, servers);
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 20); // the latency probes' resolution, for both alike
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(c, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = List.of();
            while (!stop && partitions.isEmpty()) { // the app creates the topic
                if (admin.listTopics().names().get(10, TimeUnit.SECONDS).contains(topic)) {
                    List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(10));
                    partitions = infos == null ? List.of()
                            : infos.stream().map(i -> new TopicPartition(i.topic(), i.partition())).toList();
                }
                if (partitions.isEmpty()) {
                    Thread.sleep(50);
                }
            }
            if (stop) {
                return;
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            while (!stop) {
                var batch = consumer.poll(Duration.ofMillis(100));
                long now = System.nanoTime();
                for (ConsumerRecord<byte[], byte[]> r : batch) {
                    if (firstNanos == 0) {
                        firstNanos = now;
                    }
                    records++;
                    String key = new String(r.key(), StandardCharsets.UTF_8);
                    Long old = r.value() == null ? latest.remove(key) : latest.put(key, decode.applyAsLong(r.value()));
                    long value = r.value() == null ? 0 : latest.get(key);
                    sum += value - (old == null ? 0 : old);
                    if (key.startsWith(KafkaStreamsWordCount.PROBE)) {
                        probesSeen.putIfAbsent(key, now);
                    }
                }
                if (sum == target && targetNanos == 0) {
                    targetNanos = now;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable e) {
            failure = e;
        }
    }

    String progress() {
        return String.format(Locale.ROOT, "changelog %s: %,d records, %,d keys, sum %,d", topic, records, latest.size(), sum);
    }

    @Override
    public void close() throws InterruptedException {
        stop = true;
        thread.join(TimeUnit.SECONDS.toMillis(30));
    }
}
