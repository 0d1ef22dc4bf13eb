package dev.minibatch.bench;

import dev.minibatch.model.ConsumerHandle;
import dev.minibatch.Minibatch;
import dev.minibatch.Stream;
import dev.minibatch.model.StreamOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The table figures (issue 16), run with the {@code pipeline} group of {@link EndToEnd}: a keyed
 * {@code CountWindow(100)} consumer with {@code aggregate} into a table (state read, folded and
 * written in the window's commit) against the same keyed consumer computing the same fold without
 * state, on memory and SQLite — ratios from interleaved repeated pairs (median and range), so load
 * on a shared machine hits both sides. Target: state adds at most 30% per window (ratio ≥ 0.70).
 *
 * <p>Standalone: {@code java -cp … dev.minibatch.bench.TableBenchmarks [scale] [pairs] [memory,sqlite]}.
 */
final class TableBenchmarks {

    static final int KEYS = 100;
    static final int WINDOW = 100;

    private final Path dir;
    private final double scale;
    private final int pairs;
    private final Consumer<Result> record;
    private List<String> only = List.of("memory", "sqlite");

    TableBenchmarks(Path dir, double scale, int pairs, Consumer<Result> record) {
        this.dir = dir;
        this.scale = scale;
        this.pairs = pairs;
        this.record = record;
    }

    public static void main(String[] args) throws Exception {
        double scale = args.length > 0 ? Double.parseDouble(args[0]) : 1.0;
        int pairs = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        Path dir = Files.createTempDirectory("minibatch-table-bench");
        List<Result> results = new ArrayList<>();
        TableBenchmarks bench = new TableBenchmarks(dir, scale, pairs, r -> {
            results.add(r);
            System.out.printf(Locale.ROOT, "  %-8s %-70s %-7s %,14.3f %s%n", r.group(), r.name(), r.store(), r.value(), r.unit());
        });
        if (args.length > 2) {
            bench.only = List.of(args[2].split(","));
        }
        bench.run();
        System.out.println(EndToEnd.Report.table(results));
    }

    /** A multiple of KEYS * WINDOW (every key fills whole windows). */
    private int n(int full) {
        int unit = KEYS * WINDOW;
        return Math.max(unit, (int) (full * scale) / unit * unit);
    }

    void run() throws Exception {
        System.out.println("tables: keyed CountWindow(" + WINDOW + ") over " + KEYS + " keys, aggregate into a table vs the same fold without state");
        if (only.contains("memory")) {
            statefulVsStateless("memory", n(200_000));
        }
        if (only.contains("sqlite")) {
            statefulVsStateless("sqlite", n(50_000));
        }
    }

    private Minibatch open(String store, String name) throws IOException {
        String url = store.equals("memory") ? "memory:" : "sqlite:" + Files.createTempDirectory(dir, name).resolve(name + ".db");
        return Minibatch.builder().url(url).shutdownHook(false).build();
    }

    /** Preloads count keyed readings, then times a keyed CountWindow consumer draining them. */
    private double consume(String store, int count, boolean withState) throws Exception {
        try (Minibatch mb = open(store, withState ? "state" : "nostate")) {
            Stream stream = mb.stream("bench",
                    StreamOptions.defaults().keyExtractor(v -> "k" + ((Number) ((Map<?, ?>) v).get("id")).longValue() % KEYS));
            for (int i = 0; i < count; i += 1000) {
                stream.appendAll(Payloads.readings(i, Math.min(1000, count - i)));
            }
            System.gc();
            long[] sink = new long[1];
            long start = System.nanoTime();
            var streaming = mb.streaming("bench").size(WINDOW).keyBy();
            ConsumerHandle consumer = withState
                    ? streaming.aggregate("sums", 0.0, (Double sum, dev.minibatch.model.Window w) -> sum + total(w)).start()
                    : streaming.start(w -> sink[0] += (long) total(w)); // the same fold, result dropped
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
            while (consumer.stats().messages() < count) {
                if (System.nanoTime() > deadline || consumer.failure() != null) {
                    throw new IllegalStateException("did not drain " + count + ": " + consumer.stats(), consumer.failure());
                }
                Thread.sleep(1);
            }
            double rate = count / ((System.nanoTime() - start) / 1e9);
            consumer.stop();
            if (withState && mb.table("sums").size() != KEYS) {
                throw new IllegalStateException("expected " + KEYS + " keys in the table, found " + mb.table("sums").size());
            }
            return rate;
        }
    }

    private static double total(dev.minibatch.model.Window w) {
        double sum = 0;
        for (var v : w.data()) {
            sum += v.get("value").asDouble();
        }
        return sum;
    }

    private void statefulVsStateless(String store, int count) throws Exception {
        int warmup = Math.max(KEYS * WINDOW, count / 4 / (KEYS * WINDOW) * (KEYS * WINDOW));
        consume(store, warmup, true);
        consume(store, warmup, false);
        double[] stateful = new double[pairs];
        double[] stateless = new double[pairs];
        for (int p = 0; p < pairs; p++) {
            if (p % 2 == 0) {
                stateless[p] = consume(store, count, false);
                stateful[p] = consume(store, count, true);
            } else {
                stateful[p] = consume(store, count, true);
                stateless[p] = consume(store, count, false);
            }
        }
        double[] ratios = new double[pairs];
        for (int i = 0; i < pairs; i++) {
            ratios[i] = stateful[i] / stateless[i];
        }
        double[] sorted = ratios.clone();
        Arrays.sort(sorted);
        // every pair, in run order, so runs can be pooled and load spikes seen
        System.out.println("    pairs (" + store + "): " + Arrays.stream(ratios)
                .mapToObj(r -> String.format(Locale.ROOT, "%.3f", r)).collect(java.util.stream.Collectors.joining(" ")));
        String name = "keyed CountWindow(" + WINDOW + "), " + KEYS + " keys, aggregate into a table, " + String.format(Locale.ROOT, "%,d", count) + " msgs";
        record.accept(new Result("tables", name, store, median(stateful), "msg/s", median(stateless),
                "same keyed windows and fold, no state", ">= 70% (state adds <= 30% per window)"));
        record.accept(new Result("tables", name + ": ratio, median of " + pairs + " interleaved pairs (range "
                + String.format(Locale.ROOT, "%.2f–%.2f", sorted[0], sorted[sorted.length - 1]) + ")", store,
                median(ratios), "ratio", null, null, ">= 0.70"));
    }

    private static double median(double[] values) {
        double[] s = values.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
