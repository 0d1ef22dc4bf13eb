package dev.minibatch.bench;

import dev.minibatch.Minibatch;
import dev.minibatch.Stream;
import dev.minibatch.model.ConsumerHandle;
import dev.minibatch.test.JvmProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the SQLite store's checkpoints cost and leave behind (issue #26, {@code SqliteCheckpoints}):
 * <ul>
 *   <li><b>log</b>: a producer in another JVM ({@link PacedProducerMain}) appends 1,000 messages a
 *       second while a size-1-window consumer here drains them; prints the largest the {@code -wal}
 *       file grew (sampled every 100 ms). Before the checkpoint thread restarted the log it reached
 *       1.3 GB in 20 s;</li>
 *   <li><b>throughput</b>: same JVM, single appends to a fresh file (one transaction each), then a
 *       {@code CountWindow(1)} and a {@code CountWindow(100)} consumer draining them.</li>
 * </ul>
 * No limit runs beside them: compare builds by running this class on each build's class path in
 * interleaved pairs (BENCHMARKS.md, issue #26 session 10).
 *
 * <pre>
 * java -cp "minibatch-bench/target/classes:$(cat minibatch-bench/target/classpath.txt)" dev.minibatch.bench.SqliteCheckpointBench [log|throughput] [messages]
 * </pre>
 */
public final class SqliteCheckpointBench {

    private SqliteCheckpointBench() {
    }

    public static void main(String[] args) throws Exception {
        String what = args.length > 0 ? args[0] : "throughput";
        int messages = args.length > 1 ? Integer.parseInt(args[1]) : 20_000;
        Path dir = Files.createTempDirectory("minibatch-checkpoint-bench");
        if (what.equals("log")) {
            log(dir, messages);
        } else {
            System.out.printf(Locale.ROOT, "appends/s %.0f, CountWindow(1) msg/s %.0f, CountWindow(100) msg/s %.0f%n",
                    appendRate(dir.resolve("appends.db"), messages), drainRate(dir.resolve("size1.db"), messages, 1),
                    drainRate(dir.resolve("size100.db"), messages, 100));
        }
    }

    private static void log(Path dir, int messages) throws Exception {
        Path file = dir.resolve("log.db");
        Path wal = dir.resolve("log.db-wal");
        String url = "sqlite:" + file;
        AtomicLong seen = new AtomicLong();
        long largest = 0;
        try (Minibatch mb = Minibatch.builder().url(url).shutdownHook(false).build()) {
            ConsumerHandle consumer = mb.streaming("log").size(1).start(window -> seen.incrementAndGet());
            try (JvmProcess producer = JvmProcess.start(PacedProducerMain.class,
                    List.of("minibatch", url, "log", String.valueOf(messages), "1000"), dir.resolve("producer.log"))) {
                long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
                while (seen.get() < messages) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("only " + seen.get() + " of " + messages + " windows arrived; "
                                + producer.tail(20));
                    }
                    largest = Math.max(largest, Files.exists(wal) ? Files.size(wal) : 0);
                    Thread.sleep(100);
                }
                producer.waitFor(Duration.ofMinutes(1));
            }
            consumer.stop();
        }
        System.out.printf(Locale.ROOT, "%,d messages at 1,000/s from another JVM, size-1 windows here: the log grew to"
                + " %,d bytes at most%n", messages, largest);
    }

    private static double appendRate(Path file, int messages) throws Exception {
        try (Minibatch mb = Minibatch.builder().url("sqlite:" + file).shutdownHook(false).build()) {
            Stream stream = mb.stream("s");
            long start = System.nanoTime();
            for (int i = 0; i < messages; i++) {
                stream.append(Map.of("i", i, "pad", "abcdefghijklmnopqrstuvwxyz"));
            }
            return messages / ((System.nanoTime() - start) / 1e9);
        }
    }

    private static double drainRate(Path file, int messages, int size) throws Exception {
        try (Minibatch mb = Minibatch.builder().url("sqlite:" + file).shutdownHook(false).build()) {
            Stream stream = mb.stream("s");
            for (int i = 0; i < messages; i++) {
                stream.append(Map.of("i", i, "pad", "abcdefghijklmnopqrstuvwxyz"));
            }
            AtomicLong got = new AtomicLong();
            long start = System.nanoTime();
            ConsumerHandle consumer = mb.streaming("s").size(size).start(window -> got.addAndGet(window.data().size()));
            while (got.get() < messages) {
                Thread.sleep(2);
            }
            double rate = messages / ((System.nanoTime() - start) / 1e9);
            consumer.stop();
            return rate;
        }
    }
}
