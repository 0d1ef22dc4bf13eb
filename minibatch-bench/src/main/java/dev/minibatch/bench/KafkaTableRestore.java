package dev.minibatch.bench;

import com.fasterxml.jackson.databind.node.IntNode;
import dev.minibatch.Minibatch;
import dev.minibatch.kafka.KafkaCluster;
import dev.minibatch.model.ConsumerHandle;
import dev.minibatch.model.Message;
import dev.minibatch.spi.store.NewMessage;
import dev.minibatch.table.TableUpdates;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;

/**
 * How long a table on {@code kafka://} takes to come back: a table of {@code --keys} keys (default
 * 1,000,000; value a small JSON number) written by minibatch itself into its compacted changelog
 * topic on a three-node {@link KafkaCluster} (6 partitions, replication 3), then, in each of
 * {@code --repeats} rounds:
 *
 * <ul>
 *   <li><b>query image</b>: a fresh client's first {@code table.size()}, which reads the whole
 *       changelog (every partition, read committed) into the client's image;</li>
 *   <li><b>owner restore</b>: a fresh client's table consumer, already in its group, gets one record on
 *       each of the 6 partitions; the time from those appends until their 6 windows are committed is
 *       the restore of all 6 partitions' state (one after the other, as each partition's first window
 *       asks for it) plus 6 small windows.</li>
 * </ul>
 *
 * <pre>
 * java -Xmx4g -cp "minibatch-bench/target/classes:$(cat minibatch-bench/target/classpath.txt)" dev.minibatch.bench.KafkaTableRestore
 *      [--keys 1000000] [--repeats 3]
 * </pre>
 */
public final class KafkaTableRestore {

    private static final int PARTITIONS = 6;

    private KafkaTableRestore() {
    }

    public static void main(String[] args) throws Exception {
        int keys = 1_000_000;
        int repeats = 3;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--keys" -> keys = Integer.parseInt(args[++i]);
                case "--repeats" -> repeats = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]
                        + "; usage: KafkaTableRestore [--keys N] [--repeats N]");
            }
        }
        Path dir = Files.createTempDirectory("minibatch-table-restore");
        try (KafkaCluster cluster = KafkaCluster.start(dir.resolve("cluster"))) {
            String url = "kafka://" + cluster.bootstrapServers() + "/?prefix=restore.&partitions=" + PARTITIONS
                    + "&replication=3&minInsync=2";
            long fill = System.nanoTime();
            try (Minibatch mb = Minibatch.builder().url(url).shutdownHook(false).build()) {
                List<NewMessage> batch = new ArrayList<>();
                for (int i = 0; i < keys; i++) {
                    batch.add(NewMessage.ofTree(Instant.now(), IntNode.valueOf(i), 0, null).withKey(key(i)));
                    if (batch.size() == 10_000 || i == keys - 1) {
                        mb.store().append("keys", batch);
                        batch = new ArrayList<>();
                    }
                }
                ConsumerHandle writer = mb.streaming("keys").ordered().size(10_000).updateTables(window -> {
                    TableUpdates updates = TableUpdates.of();
                    for (Message m : window.messages()) {
                        updates.put("big", m.key(), m.data());
                    }
                    return updates;
                }).start();
                int total = keys;
                await("the table written", Duration.ofMinutes(30), () -> writer.stats().messages() >= total);
                writer.stop();
            }
            System.out.printf(Locale.ROOT, "table of %,d keys written in %.1f s%n", keys, seconds(fill));
            List<Double> images = new ArrayList<>();
            List<Double> restores = new ArrayList<>();
            for (int r = 1; r <= repeats; r++) {
                try (Minibatch fresh = Minibatch.builder().url(url).shutdownHook(false).build()) {
                    long t = System.nanoTime();
                    long size = fresh.table("big").size();
                    images.add(seconds(t));
                    if (size != keys) {
                        throw new IllegalStateException("the table has " + size + " keys, not " + keys);
                    }
                }
                try (Minibatch owner = Minibatch.builder().url(url).shutdownHook(false).build();
                     Minibatch producer = Minibatch.builder().url(url).shutdownHook(false).build()) {
                    ConsumerHandle h = owner.streaming("probe" + r).keyBy().size(1)
                            .reduce("big", Integer.class, Integer::sum).start();
                    Thread.sleep(10_000); // joined its group and got the partitions (a heartbeat or so)
                    long t = System.nanoTime();
                    for (int p = 0; p < PARTITIONS; p++) {
                        producer.stream("probe" + r).append(keyOf(p, keys), 1);
                    }
                    await("the probes counted", Duration.ofMinutes(10), () -> h.stats().windows() >= PARTITIONS);
                    restores.add(seconds(t));
                    h.stop();
                }
                System.out.printf(Locale.ROOT, "round %d: query image %.2f s, owner restore + 6 windows %.2f s%n", r,
                        images.get(images.size() - 1), restores.get(restores.size() - 1));
            }
            System.out.printf(Locale.ROOT, "%n| %,d-key table, 6 partitions, replication 3 | median | range |%n|---|---|---|%n", keys);
            System.out.printf(Locale.ROOT, "| query image (fresh client, first size()) | %.2f s | %s |%n", median(images), range(images));
            System.out.printf(Locale.ROOT, "| owner restore of all partitions + first windows | %.2f s | %s |%n", median(restores),
                    range(restores));
        } finally {
            WordCountSupport.deleteRecursively(dir); // the cluster's data
        }
    }

    private static String key(int i) {
        return String.format(Locale.ROOT, "k%07d", i);
    }

    /** A key of the table in partition {@code p} (the probes must update existing keys in every partition). */
    private static String keyOf(int p, int keys) {
        for (int i = 0; i < keys; i++) {
            if (BuiltInPartitioner.partitionForKey(key(i).getBytes(StandardCharsets.UTF_8), PARTITIONS) == p) {
                return key(i);
            }
        }
        throw new IllegalStateException("no key in partition " + p);
    }

    private static void await(String what, Duration timeout, java.util.function.BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("timed out waiting for " + what);
            }
            Thread.sleep(100);
        }
    }

    private static double seconds(long since) {
        return KafkaStoreBenchmarks.seconds(since);
    }

    private static double median(List<Double> values) {
        return KafkaStoreBenchmarks.median(values.stream().mapToDouble(Double::doubleValue).toArray());
    }

    private static String range(List<Double> values) {
        return String.format(Locale.ROOT, "%.2f–%.2f s", values.stream().mapToDouble(d -> d).min().orElse(0),
                values.stream().mapToDouble(d -> d).max().orElse(0));
    }
}
