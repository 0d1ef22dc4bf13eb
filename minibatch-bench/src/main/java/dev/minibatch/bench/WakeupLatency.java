package dev.minibatch.bench;

import dev.minibatch.Minibatch;
import dev.minibatch.Stream;
import dev.minibatch.model.ConsumerHandle;
import dev.minibatch.plugin.Providers;
import dev.minibatch.spi.store.AppendWakeups;
import dev.minibatch.spi.store.StreamStore;
import dev.minibatch.test.LookCountingStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * Append → window latency with in-process append notices (issue #26, part 1): size-1 windows at
 * 1,000 msg/s on memory and SQLite in one JVM, and through a memory pipeline of three stages,
 * each beside the limit measured in the same run — a raw hand-off of the same timestamps between
 * two threads through a {@link LinkedBlockingQueue} at the same rate. Runs alternate (limit,
 * figure, limit, figure …) so load on a shared machine hits both; each percentile is reported as
 * the median over the pairs with its range. Also the idle cost: how often 10 idle memory consumers
 * look at the store (claims, reads), with the store's notices hidden (as before) and shown.
 *
 * <pre>
 * java -cp "minibatch-bench/target/classes:$(cat minibatch-bench/target/classpath.txt)" dev.minibatch.bench.WakeupLatency [pairs] [messages]
 * </pre>
 */
public final class WakeupLatency {

    private static final long RATE_PERIOD_NANOS = TimeUnit.SECONDS.toNanos(1) / 1_000;
    static final double[] PERCENTILES = {50, 99, 99.9};

    private final Path dir;
    private final int messages;
    /** The first messages of each run are left out: JIT warm-up, consumers settling. */
    private final int warmup;

    private WakeupLatency(Path dir, int messages) {
        this.dir = dir;
        this.messages = messages;
        this.warmup = Math.min(500, messages / 5);
    }

    public static void main(String[] args) throws Exception {
        int pairs = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        int messages = args.length > 1 ? Integer.parseInt(args[1]) : 3_000;
        WakeupLatency bench = new WakeupLatency(Files.createTempDirectory("minibatch-wakeup-bench"), messages);
        System.out.printf(Locale.ROOT, "append -> window, size-1 windows at 1,000 msg/s, %d messages per run (first %d left out), %d pairs%n",
                messages, bench.warmup, pairs);
        List<String> rows = new ArrayList<>();
        for (String scenario : List.of("memory", "sqlite", "pipeline")) {
            List<double[]> limits = new ArrayList<>();
            List<double[]> figures = new ArrayList<>();
            for (int pair = 0; pair < pairs; pair++) {
                limits.add(bench.handOff());
                figures.add(bench.figure(scenario, pair));
                System.out.printf(Locale.ROOT, "  %-8s pair %d: limit %s | figure %s%n", scenario, pair + 1,
                        format(limits.get(pair)), format(figures.get(pair)));
            }
            for (int p = 0; p < PERCENTILES.length; p++) {
                rows.add(String.format(Locale.ROOT, "| %s | p%s | %s | %s |", describe(scenario), trim(PERCENTILES[p]),
                        summary(figures, p), summary(limits, p)));
            }
        }
        System.out.println();
        System.out.println("| scenario | percentile | figure µs, median (range) | limit µs, median (range) |");
        System.out.println("|---|---|---:|---:|");
        rows.forEach(System.out::println);
        System.out.println();
        System.out.println("| idle cost: 10 idle memory consumers, default 10 ms poll interval | looks at the store per second |");
        System.out.println("|---|---:|");
        System.out.printf(Locale.ROOT, "| without append notices (as before #26) | %,.1f |%n", bench.idleLooksPerSecond(false));
        System.out.printf(Locale.ROOT, "| with the memory store's notices | %,.1f |%n", bench.idleLooksPerSecond(true));
    }

    private static String describe(String scenario) {
        return switch (scenario) {
            case "memory" -> "memory, same JVM, CountWindow(1)";
            case "sqlite" -> "SQLite, same JVM, CountWindow(1)";
            default -> "memory pipeline: 3 map stages, then CountWindow(1), end to end";
        };
    }

    // ---- the limit: a raw hand-off between two threads ----------------------------------------

    private double[] handOff() throws Exception {
        BlockingQueue<Long> queue = new LinkedBlockingQueue<>();
        Histogram histogram = histogram();
        Thread taker = new Thread(() -> {
            try {
                for (int i = 0; i < messages; i++) {
                    long sent = queue.take();
                    if (i >= warmup) {
                        histogram.recordValue(micros(System.nanoTime() - sent));
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "hand-off taker");
        taker.start();
        paced(i -> queue.add(System.nanoTime()));
        taker.join();
        return percentiles(histogram);
    }

    // ---- the figures ----------------------------------------------------------------------------

    private double[] figure(String scenario, int pair) throws Exception {
        String url = scenario.equals("sqlite") ? "sqlite:" + dir.resolve("latency-" + pair + ".db") : "memory:";
        Histogram histogram = histogram();
        AtomicLong seen = new AtomicLong();
        try (Minibatch mb = Minibatch.builder().url(url).shutdownHook(false).build()) {
            List<ConsumerHandle> handles = new ArrayList<>();
            String last = "lat";
            if (scenario.equals("pipeline")) {
                for (String next : List.of("one", "two", "three")) {
                    handles.add(mb.stage(last).map(v -> v).to(next).start());
                    last = next;
                }
            }
            handles.add(mb.streaming(last).size(1).start(window -> {
                long sent = window.data().get(0).get("sentNanos").asLong();
                if (seen.getAndIncrement() >= warmup) {
                    histogram.recordValue(micros(System.nanoTime() - sent));
                }
            }));
            Stream stream = mb.stream("lat");
            Thread.sleep(200); // consumers started and idle
            paced(i -> stream.append(Map.of("i", i, "sentNanos", System.nanoTime())));
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
            while (seen.get() < messages) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(scenario + ": only " + seen.get() + " of " + messages + " windows arrived");
                }
                Thread.sleep(5);
            }
            handles.forEach(ConsumerHandle::stop);
        }
        return percentiles(histogram);
    }

    // ---- idle cost ------------------------------------------------------------------------------

    /** Looks at the store per second by 10 idle memory consumers, with the store's notices hidden or shown. */
    private double idleLooksPerSecond(boolean notices) throws Exception {
        AtomicLong looks = new AtomicLong();
        StreamStore inner = Providers.defaults().openStore("memory:");
        try (Minibatch mb = Minibatch.builder().store(counting(inner, looks, notices)).shutdownHook(false).build()) {
            List<ConsumerHandle> consumers = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                consumers.add(mb.streaming("idle" + i).size(1).start(window -> { }));
            }
            Thread.sleep(1_000);
            long from = looks.get();
            long began = System.nanoTime();
            Thread.sleep(5_000);
            double rate = (looks.get() - from) / ((System.nanoTime() - began) / 1e9);
            consumers.forEach(ConsumerHandle::stop);
            return rate;
        } finally {
            inner.close();
        }
    }

    /** The store behind a proxy counting claims and reads; without {@link AppendWakeups} unless {@code notices}. */
    private static StreamStore counting(StreamStore inner, AtomicLong looks, boolean notices) {
        return notices ? LookCountingStore.wrap(inner, looks) : LookCountingStore.wrap(inner, looks, AppendWakeups.class);
    }

    // ---- helpers ---------------------------------------------------------------------------------

    private interface Send {
        void send(int i) throws Exception;
    }

    /** Sends {@code messages} at 1,000 a second on a fixed schedule (a late send does not shift the others). */
    private void paced(Send send) throws Exception {
        long next = System.nanoTime();
        for (int i = 0; i < messages; i++) {
            long wait;
            while ((wait = next - System.nanoTime()) > 0) {
                LockSupport.parkNanos(wait);
            }
            send.send(i);
            next += RATE_PERIOD_NANOS;
        }
    }

    static Histogram histogram() {
        return new Histogram(TimeUnit.SECONDS.toMicros(60), 3);
    }

    private static long micros(long nanos) {
        return Math.max(0, nanos / 1_000);
    }

    static double[] percentiles(Histogram h) {
        double[] out = new double[PERCENTILES.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = h.getValueAtPercentile(PERCENTILES[i]);
        }
        return out;
    }

    static String summary(List<double[]> runs, int percentile) {
        double[] values = runs.stream().mapToDouble(r -> r[percentile]).sorted().toArray();
        double median = values.length % 2 == 1 ? values[values.length / 2]
                : (values[values.length / 2 - 1] + values[values.length / 2]) / 2;
        return String.format(Locale.ROOT, "%,.0f (%,.0f–%,.0f)", median, values[0], values[values.length - 1]);
    }

    static String format(double[] p) {
        return String.format(Locale.ROOT, "p50 %,.0f µs, p99 %,.0f µs, p99.9 %,.0f µs", p[0], p[1], p[2]);
    }

    static String trim(double percentile) {
        return percentile == Math.rint(percentile) ? String.valueOf((long) percentile) : String.valueOf(percentile);
    }
}
