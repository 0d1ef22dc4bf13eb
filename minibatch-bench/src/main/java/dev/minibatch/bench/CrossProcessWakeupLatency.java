package dev.minibatch.bench;

import static dev.minibatch.bench.WakeupLatency.PERCENTILES;
import static dev.minibatch.bench.WakeupLatency.format;
import static dev.minibatch.bench.WakeupLatency.histogram;
import static dev.minibatch.bench.WakeupLatency.percentiles;
import static dev.minibatch.bench.WakeupLatency.summary;
import static dev.minibatch.bench.WakeupLatency.trim;

import dev.minibatch.Minibatch;
import dev.minibatch.model.ConsumerHandle;
import dev.minibatch.plugin.Providers;
import dev.minibatch.spi.store.AppendWakeups;
import dev.minibatch.spi.store.StreamStore;
import dev.minibatch.store.sqlite.SqliteStore;
import dev.minibatch.test.JvmProcess;
import dev.minibatch.test.LookCountingStore;
import java.lang.management.ManagementFactory;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.sqlite.SQLiteConfig;

/**
 * Append → window latency with cross-process append notices on SQLite (issue #26, part 2): size-1
 * windows at 1,000 msg/s (and a lower rate), the producer in another JVM ({@link PacedProducerMain}),
 * the consumer here, with the store's watch and with it switched off ({@code crossProcessWakeups=false}:
 * polling at 10 ms, main's behaviour before part 2), beside the limit measured in the same run — a raw sqlite-jdbc insert in another JVM seen by
 * a raw reader here through the same mechanism the store uses: a {@link WatchService} watch of the
 * file's {@code -wal}, {@code PRAGMA data_version}, then a {@code SELECT} of the new rows. Runs
 * alternate (limit, watch, polling, limit, watch, polling …); each percentile is the median over the
 * runs with its range. Then the idle cost: 10 idle SQLite consumers at the default 10 ms interval, looks at the
 * store and the watch's own queries per second and the JVM's CPU, with the store's notices hidden
 * (as before part 2: polling at the interval) and shown.
 *
 * <pre>
 * java -cp "minibatch-bench/target/classes:$(cat minibatch-bench/target/classpath.txt)" dev.minibatch.bench.CrossProcessWakeupLatency [runs] [secondsPerRun] [idleSeconds] [rates, e.g. 1000,200]
 * </pre>
 */
public final class CrossProcessWakeupLatency {

    /** As the store's watch: checks again after a log write whose commit was not yet visible. */
    private static final long[] RECHECK_MICROS = {100, 300, 1_000, 3_000, 10_000};

    private final Path dir;
    private final int rate;
    private final int messages;
    /** The first messages of each run are left out: JIT warm-up, consumers settling. */
    private final int warmup;

    private CrossProcessWakeupLatency(Path dir, int rate, int seconds) {
        this.dir = dir;
        this.rate = rate;
        this.messages = rate * seconds;
        this.warmup = Math.min(500, messages / 5);
    }

    public static void main(String[] args) throws Exception {
        int pairs = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        int idleSeconds = args.length > 2 ? Integer.parseInt(args[2]) : 60;
        String rates = args.length > 3 ? args[3] : "1000,200";
        Path dir = Files.createTempDirectory("minibatch-xproc-bench");
        List<String> rows = new ArrayList<>();
        for (String r : rates.split(",")) {
            CrossProcessWakeupLatency bench = new CrossProcessWakeupLatency(dir, Integer.parseInt(r), seconds);
            System.out.printf(Locale.ROOT, "append -> window, size-1 windows at %,d msg/s, producer in another JVM,"
                    + " %d messages per run (first %d left out), %d triples (limit, watch, polling)%n",
                    bench.rate, bench.messages, bench.warmup, pairs);
            List<double[]> limits = new ArrayList<>();
            List<double[]> watched = new ArrayList<>();
            List<double[]> polled = new ArrayList<>();
            for (int run = 0; run < pairs; run++) {
                limits.add(bench.rawLimit(run));
                watched.add(bench.figure(run, ""));
                polled.add(bench.figure(run, "?crossProcessWakeups=false"));
                System.out.printf(Locale.ROOT, "  run %d: limit %s | watch %s | polling %s%n", run + 1,
                        format(limits.get(run)), format(watched.get(run)), format(polled.get(run)));
            }
            for (int p = 0; p < PERCENTILES.length; p++) {
                rows.add(String.format(Locale.ROOT, "| %,d msg/s | p%s | %s | %s | %s |", bench.rate, trim(PERCENTILES[p]),
                        summary(watched, p), summary(polled, p), summary(limits, p)));
            }
        }
        System.out.println();
        System.out.println("| rate | percentile | with the watch, µs median (range) | polling at 10 ms (crossProcessWakeups=false,"
                + " as main), µs | limit: raw insert seen by a raw reader, µs |");
        System.out.println("|---|---|---:|---:|---:|");
        rows.forEach(System.out::println);
        System.out.println();
        CrossProcessWakeupLatency idle = new CrossProcessWakeupLatency(dir, 1, 1);
        System.out.printf(Locale.ROOT, "idle cost: 10 idle SQLite consumers, default 10 ms poll interval, %d s each%n", idleSeconds);
        System.out.println("| | looks at the store / s | watch queries / s | JVM CPU, % of one core |");
        System.out.println("|---|---:|---:|---:|");
        System.out.println(idle.idle(false, idleSeconds).row("without append notices (as before #26: polling at the interval)"));
        System.out.println(idle.idle(true, idleSeconds).row("with the store's notices (in-JVM and the watch of the log)"));
    }

    // ---- the limit: a raw insert in another JVM seen by a raw reader here -----------------------

    private double[] rawLimit(int pair) throws Exception {
        Path file = dir.resolve("raw-" + rate + "-" + pair + ".db");
        String walName = file.getFileName() + "-wal";
        Histogram histogram = histogram();
        SQLiteConfig config = new SQLiteConfig();
        config.setJournalMode(SQLiteConfig.JournalMode.WAL);
        config.setSynchronous(SQLiteConfig.SynchronousMode.NORMAL);
        config.setBusyTimeout(10_000);
        try (Connection c = config.createConnection("jdbc:sqlite:" + file);
             WatchService watch = FileSystems.getDefault().newWatchService()) {
            try (Statement s = c.createStatement()) {
                s.executeUpdate("CREATE TABLE raw (id INTEGER PRIMARY KEY, sent INTEGER NOT NULL)");
            }
            dir.register(watch, StandardWatchEventKinds.ENTRY_MODIFY, StandardWatchEventKinds.ENTRY_CREATE);
            PreparedStatement version = c.prepareStatement("PRAGMA data_version");
            PreparedStatement rows = c.prepareStatement("SELECT id, sent FROM raw WHERE id > ? ORDER BY id");
            long lastVersion = longOf(version);
            long lastId = 0;
            int rechecks = 0;
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
            try (JvmProcess producer = JvmProcess.start(PacedProducerMain.class,
                    List.of("raw", file.toString(), String.valueOf(messages), String.valueOf(rate)), dir.resolve("raw-producer.log"))) {
                while (lastId < messages) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("raw: only " + lastId + " of " + messages + " rows seen; "
                                + producer.tail(20));
                    }
                    WatchKey key = rechecks == 0 ? watch.poll(100, TimeUnit.MILLISECONDS)
                            : watch.poll(RECHECK_MICROS[RECHECK_MICROS.length - rechecks], TimeUnit.MICROSECONDS);
                    boolean written = false;
                    if (key != null) {
                        for (WatchEvent<?> event : key.pollEvents()) {
                            written |= event.kind() == StandardWatchEventKinds.OVERFLOW
                                    || walName.equals(String.valueOf(event.context()));
                        }
                        key.reset();
                    }
                    if (!written && rechecks == 0) {
                        continue;
                    }
                    long v = longOf(version);
                    if (v == lastVersion) {
                        rechecks = written ? RECHECK_MICROS.length : rechecks - 1;
                        continue;
                    }
                    lastVersion = v;
                    rechecks = 0;
                    rows.setLong(1, lastId);
                    try (ResultSet rs = rows.executeQuery()) {
                        while (rs.next()) {
                            long now = PacedProducerMain.nowMicros();
                            lastId = rs.getLong(1);
                            if (lastId > warmup) {
                                histogram.recordValue(Math.max(0, now - rs.getLong(2)));
                            }
                        }
                    }
                }
                producer.waitFor(Duration.ofMinutes(1));
            }
        }
        return percentiles(histogram);
    }

    private static long longOf(PreparedStatement query) throws Exception {
        try (ResultSet rs = query.executeQuery()) {
            return rs.next() ? rs.getLong(1) : 0;
        }
    }

    // ---- the figure: minibatch, producer in another JVM ----------------------------------------

    /** Minibatch with the producer in another JVM; {@code options} on the URL (the watch switched off, or not). */
    private double[] figure(int pair, String options) throws Exception {
        String url = "sqlite:" + dir.resolve("latency-" + rate + "-" + pair + (options.isEmpty() ? "" : "-polling") + ".db")
                + options;
        Histogram histogram = histogram();
        AtomicLong seen = new AtomicLong();
        AtomicLong looks = new AtomicLong();
        SqliteStore inner = (SqliteStore) Providers.defaults().openStore(url);
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long cpu0 = os.getProcessCpuTime();
        try (Minibatch mb = Minibatch.builder().store(LookCountingStore.wrap(inner, looks)).shutdownHook(false).build()) {
            ConsumerHandle consumer = mb.streaming("lat").size(1).start(window -> {
                long now = PacedProducerMain.nowMicros();
                long sent = window.data().get(0).get("sentMicros").asLong();
                if (seen.getAndIncrement() >= warmup) {
                    histogram.recordValue(Math.max(0, now - sent));
                }
            });
            try (JvmProcess producer = JvmProcess.start(PacedProducerMain.class,
                    List.of("minibatch", url, "lat", String.valueOf(messages), String.valueOf(rate)), dir.resolve("producer.log"))) {
                long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
                while (seen.get() < messages) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("only " + seen.get() + " of " + messages + " windows arrived; "
                                + producer.tail(20));
                    }
                    Thread.sleep(5);
                }
                producer.waitFor(Duration.ofMinutes(1));
            }
            consumer.stop();
            // what the consumer's JVM spent per message: where a rate is beyond it, latency is queueing
            System.out.printf(Locale.ROOT, "    %s: %.2f looks/message, %.2f watch queries/message, %.0f µs CPU/message"
                    + " (this JVM)%n", options.isEmpty() ? "watch" : "polling", looks.get() / (double) messages,
                    inner.appendWatchQueries() / (double) messages, (os.getProcessCpuTime() - cpu0) / 1e3 / messages);
        } finally {
            inner.close();
        }
        return percentiles(histogram);
    }

    // ---- idle cost ------------------------------------------------------------------------------

    private record Idle(double looks, double queries, double cpuPercent) {
        String row(String what) {
            return String.format(Locale.ROOT, "| %s | %,.1f | %,.1f | %.1f |", what, looks, queries, cpuPercent);
        }
    }

    /** 10 idle SQLite consumers for {@code seconds}: looks/s, watch queries/s, JVM CPU. */
    private Idle idle(boolean notices, int seconds) throws Exception {
        AtomicLong looks = new AtomicLong();
        SqliteStore inner = (SqliteStore) Providers.defaults().openStore("sqlite:" + dir.resolve("idle-" + notices + ".db"));
        StreamStore store = notices ? LookCountingStore.wrap(inner, looks)
                : LookCountingStore.wrap(inner, looks, AppendWakeups.class);
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        try (Minibatch mb = Minibatch.builder().store(store).shutdownHook(false).build()) {
            List<ConsumerHandle> consumers = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                consumers.add(mb.streaming("idle" + i).size(1).start(window -> { }));
            }
            Thread.sleep(3_000);
            long looks0 = looks.get();
            long queries0 = inner.appendWatchQueries();
            long cpu0 = os.getProcessCpuTime();
            long began = System.nanoTime();
            Thread.sleep(TimeUnit.SECONDS.toMillis(seconds));
            double elapsed = (System.nanoTime() - began) / 1e9;
            Idle idle = new Idle((looks.get() - looks0) / elapsed, (inner.appendWatchQueries() - queries0) / elapsed,
                    (os.getProcessCpuTime() - cpu0) / 1e9 / elapsed * 100);
            consumers.forEach(ConsumerHandle::stop);
            return idle;
        } finally {
            inner.close();
        }
    }

}
