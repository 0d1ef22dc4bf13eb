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
import java.util.function.LongSupplier;

/**
 * The pipeline figures of {@link EndToEnd} (group {@code pipeline}), each a ratio from interleaved
 * repeated pairs (median and range over the pairs, so load on a shared machine hits both sides):
 * keyed {@code CountWindow(100)} over 1,000 keys against the same consumer unkeyed, on memory and
 * SQLite; a {@code map} stage (input → output stream, one transaction per window) against
 * {@code appendAll} of the same messages on SQLite.
 *
 * <p>Standalone: {@code java -cp … dev.minibatch.bench.PipelineBenchmarks [scale] [pairs] [memory,sqlite,stage]}.
 */
final class PipelineBenchmarks {

    static final int KEYS = 1000;

    private final Path dir;
    private final double scale;
    private final int pairs;
    private final Consumer<Result> record;
    private List<String> only = List.of("memory", "sqlite", "stage");

    PipelineBenchmarks(Path dir, double scale, int pairs, Consumer<Result> record) {
        this.dir = dir;
        this.scale = scale;
        this.pairs = pairs;
        this.record = record;
    }

    public static void main(String[] args) throws Exception {
        double scale = args.length > 0 ? Double.parseDouble(args[0]) : 1.0;
        int pairs = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        List<String> only = args.length > 2 ? List.of(args[2].split(",")) : List.of("memory", "sqlite", "stage");
        Path dir = Files.createTempDirectory("minibatch-pipeline-bench");
        List<Result> results = new ArrayList<>();
        PipelineBenchmarks bench = new PipelineBenchmarks(dir, scale, pairs, r -> {
            results.add(r);
            System.out.printf(Locale.ROOT, "  %-8s %-70s %-7s %,14.3f %s%n", r.group(), r.name(), r.store(), r.value(), r.unit());
        });
        bench.only = only;
        bench.run();
        System.out.println(EndToEnd.Report.table(results));
    }

    /** A multiple of KEYS * 100 (each key fills whole windows), at least one window per key. */
    private int n(int full) {
        int unit = KEYS * 100;
        return Math.max(unit, (int) (full * scale) / unit * unit);
    }

    void run() throws Exception {
        System.out.println("pipeline: keyed CountWindow(100) over " + KEYS + " keys vs unkeyed; map stage vs appendAll");
        if (only.contains("memory")) {
            keyedVsUnkeyed("memory", n(200_000));
        }
        if (only.contains("sqlite")) {
            keyedVsUnkeyed("sqlite", n(100_000));
        }
        if (only.contains("stage")) {
            stageVsAppendAll(n(100_000));
        }
    }

    private Minibatch open(String store, String name) throws IOException {
        String url = store.equals("memory") ? "memory:" : "sqlite:" + Files.createTempDirectory(dir, name).resolve(name + ".db");
        return Minibatch.builder().url(url).shutdownHook(false).build();
    }

    /**
     * Preloads count readings — keyed (key = id mod KEYS) for the keyed side, unkeyed for the
     * baseline — then times a CountWindow(100) consumer draining them.
     */
    private double consume(String store, int count, boolean keyed) throws Exception {
        try (Minibatch mb = open(store, keyed ? "keyed" : "unkeyed")) {
            // the baseline is a stream without keys, as users have today; both preload in batches of 1000
            Stream stream = keyed
                    ? mb.stream("bench", StreamOptions.defaults().keyExtractor(v -> "k" + ((Number) ((Map<?, ?>) v).get("id")).longValue() % KEYS))
                    : mb.stream("bench");
            for (int i = 0; i < count; i += 1000) {
                stream.appendAll(Payloads.readings(i, Math.min(1000, count - i)));
            }
            System.gc();
            long start = System.nanoTime();
            var streaming = mb.streaming("bench").size(100);
            ConsumerHandle consumer = (keyed ? streaming.keyBy() : streaming).start(window -> { });
            awaitAll(consumer, consumer::stats, count);
            double rate = count / seconds(start);
            consumer.stop();
            return rate;
        }
    }

    private void keyedVsUnkeyed(String store, int count) throws Exception {
        int warmup = Math.max(KEYS * 100, count / 4 / (KEYS * 100) * (KEYS * 100)); // whole windows per key, or it never drains
        consume(store, warmup, true); // JIT warm-up of both paths
        consume(store, warmup, false);
        double[] keyed = new double[pairs];
        double[] unkeyed = new double[pairs];
        for (int p = 0; p < pairs; p++) {
            // alternate which side goes first, so drift on a shared machine hits both
            if (p % 2 == 0) {
                unkeyed[p] = consume(store, count, false);
                keyed[p] = consume(store, count, true);
            } else {
                keyed[p] = consume(store, count, true);
                unkeyed[p] = consume(store, count, false);
            }
        }
        report("keyed CountWindow(100), " + KEYS + " keys", store, keyed, unkeyed, "unkeyed CountWindow(100)", ">= 50% of unkeyed");
    }

    private double appendAll(int count) throws Exception {
        try (Minibatch mb = open("sqlite", "append")) {
            return EndToEnd.appendBatched(mb.stream("out"), count, 1000);
        }
    }

    private double stage(int count) throws Exception {
        try (Minibatch mb = open("sqlite", "stage")) {
            Stream in = mb.stream("in");
            for (int i = 0; i < count; i += 1000) {
                in.appendAll(Payloads.readings(i, Math.min(1000, count - i)));
            }
            System.gc();
            long start = System.nanoTime();
            ConsumerHandle stage = mb.stage("in").map(v -> Map.of("id", v.get("id").asLong(), "f", v.get("value").asDouble() * 1.8 + 32))
                    .to("out").batch(1000).start();
            awaitAll(stage, stage::stats, count);
            double rate = count / seconds(start);
            stage.stop();
            return rate;
        }
    }

    private void stageVsAppendAll(int count) throws Exception {
        stage(Math.max(1000, count / 4));
        appendAll(Math.max(1000, count / 4));
        double[] staged = new double[pairs];
        double[] appended = new double[pairs];
        for (int p = 0; p < pairs; p++) {
            if (p % 2 == 0) {
                appended[p] = appendAll(count);
                staged[p] = stage(count);
            } else {
                staged[p] = stage(count);
                appended[p] = appendAll(count);
            }
        }
        report("map stage in → out, batch 1000 (claim + transactional commit/append)", "sqlite", staged, appended,
                "appendAll, batches of 1000", ">= 50% of appendAll");
    }

    private void report(String name, String store, double[] ours, double[] baseline, String baselineName, String target) {
        double[] ratios = new double[ours.length];
        for (int i = 0; i < ours.length; i++) {
            ratios[i] = ours[i] / baseline[i];
        }
        double medianOurs = median(ours);
        double medianBase = median(baseline);
        double[] sorted = ratios.clone();
        Arrays.sort(sorted);
        // every pair, in run order, so runs can be pooled and load spikes seen
        System.out.println("    pairs (" + store + ", " + name + "): " + Arrays.stream(ratios)
                .mapToObj(r -> String.format(Locale.ROOT, "%.3f", r)).collect(java.util.stream.Collectors.joining(" ")));
        record.accept(new Result("pipeline", name, store, medianOurs, "msg/s", medianBase, baselineName, target));
        record.accept(new Result("pipeline", name + ": ratio, median of " + ours.length + " interleaved pairs (range "
                + String.format(Locale.ROOT, "%.2f–%.2f", sorted[0], sorted[sorted.length - 1]) + ")", store,
                median(ratios), "ratio", null, null, target));
    }

    private static double median(double[] values) {
        double[] s = values.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static void awaitAll(ConsumerHandle handle, java.util.function.Supplier<dev.minibatch.model.ConsumerStats> stats,
                                 long count) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
        LongSupplier done = () -> stats.get().messages();
        while (done.getAsLong() < count) {
            if (System.nanoTime() > deadline || handle.failure() != null) {
                throw new IllegalStateException("did not drain " + count + " messages: " + stats.get(), handle.failure());
            }
            Thread.sleep(1);
        }
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }
}
