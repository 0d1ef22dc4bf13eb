package dev.minibatch.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** For {@link KafkaStreamsWordCount}: its report, and small helpers (statistics, files, the machine's load). */
final class WordCountSupport {

    private WordCountSupport() {
    }

    /** The Markdown report of a run of {@code w}. */
    static String report(KafkaStreamsWordCount w, Map<String, List<KafkaStreamsWordCount.Throughput>> tput,
                         Map<String, List<KafkaStreamsWordCount.Latency>> lat, double seconds) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "### Word count: Kafka Streams vs minibatch kafka:// (exactly once, 3 brokers)%n%n"));
        b.append(String.format(Locale.ROOT, "%d interleaved repetitions; throughput: %,d preloaded lines x %d words (vocabulary %,d, Zipf 1/r),"
                        + " timed from the first output to the last count; latency: %d lines/s for %d s (+%d s left out), probe every 100 ms,"
                        + " produce -> committed total on the changelog. 6 partitions, RF 3, min ISR 2. Kafka Streams: exactly_once_v2,"
                        + " 2 stream threads, commit 100 ms. minibatch: stage batch %d, workers %d, members %d (each consumer started"
                        + " that many times), keyed interval %d ms + reduce. Median (range).%n%n", w.reps, w.lines, w.wordsPerLine,
                w.vocabularySize, w.rate, w.latencySeconds, w.latencyWarmup, w.stageBatch, w.workers, w.members, w.intervalMs));
        b.append("| contender | words/s | start → first output (s) | latency p50 (ms) | latency p99 (ms) | counts correct |\n");
        b.append("|---|---|---|---|---|---|\n");
        for (String k : w.contenders) {
            List<KafkaStreamsWordCount.Throughput> t = tput.get(k);
            List<KafkaStreamsWordCount.Latency> l = lat.get(k);
            long failedRuns = t.stream().filter(x -> Double.isNaN(x.rate())).count() + l.stream().filter(x -> x.probes() == 0).count();
            long bad = t.stream().filter(x -> !x.correct()).count() + l.stream().filter(x -> !x.correct()).count() - failedRuns;
            b.append("| ").append(KafkaStreamsWordCount.name(k)).append(" | ")
                    .append(summary(t.stream().mapToDouble(KafkaStreamsWordCount.Throughput::rate).toArray(), "%,.0f")).append(" | ")
                    .append(summary(t.stream().mapToDouble(KafkaStreamsWordCount.Throughput::toFirstSeconds).toArray(), "%.1f")).append(" | ")
                    .append(summary(l.stream().mapToDouble(KafkaStreamsWordCount.Latency::p50).toArray(), "%.0f")).append(" | ")
                    .append(summary(l.stream().mapToDouble(KafkaStreamsWordCount.Latency::p99).toArray(), "%.0f")).append(" | ")
                    .append(bad == 0 ? "yes" : "**NO (" + bad + " runs)**")
                    .append(failedRuns == 0 ? "" : "; **" + failedRuns + " runs failed**").append(" |\n");
        }
        if (w.contenders.contains("ks") && w.contenders.contains("mb")) {
            double[] rt = ratios(tput.get("mb").stream().mapToDouble(KafkaStreamsWordCount.Throughput::rate).toArray(),
                    tput.get("ks").stream().mapToDouble(KafkaStreamsWordCount.Throughput::rate).toArray());
            double[] r50 = ratios(lat.get("mb").stream().mapToDouble(KafkaStreamsWordCount.Latency::p50).toArray(),
                    lat.get("ks").stream().mapToDouble(KafkaStreamsWordCount.Latency::p50).toArray());
            double[] r99 = ratios(lat.get("mb").stream().mapToDouble(KafkaStreamsWordCount.Latency::p99).toArray(),
                    lat.get("ks").stream().mapToDouble(KafkaStreamsWordCount.Latency::p99).toArray());
            b.append("| **ratio minibatch / Kafka Streams** | ").append(summary(rt, "%.2f")).append(" | | ")
                    .append(summary(r50, "%.2f")).append(" | ").append(summary(r99, "%.2f")).append(" | |\n");
            b.append(String.format(Locale.ROOT, "%nRatios per repetition: words/s %s, p50 %s, p99 %s (throughput: higher is better"
                    + " for minibatch; latency: lower is).%n", Arrays.toString(round(rt)), Arrays.toString(round(r50)),
                    Arrays.toString(round(r99))));
        }
        b.append(String.format(Locale.ROOT, "%nPer run:%n"));
        for (String k : w.contenders) {
            for (int i = 0; i < Math.max(tput.get(k).size(), lat.get(k).size()); i++) {
                b.append(String.format(Locale.ROOT, "- %s rep %d: %s; %s%n", KafkaStreamsWordCount.name(k), i + 1,
                        i < tput.get(k).size() ? tput.get(k).get(i) : "-", i < lat.get(k).size() ? lat.get(k).get(i) : "-"));
            }
        }
        if (!w.errors.isEmpty()) {
            b.append(String.format(Locale.ROOT, "%n**Errors:**%n"));
            w.errors.forEach(e -> b.append("- ").append(e).append('\n'));
        }
        b.append(String.format(Locale.ROOT, "%nWhole bench: %.1f min; load average at the end: %s.%n", seconds / 60, load()));
        return b.toString();
    }

    static double[] ratios(double[] figure, double[] limit) {
        double[] r = new double[Math.min(figure.length, limit.length)];
        for (int i = 0; i < r.length; i++) {
            r[i] = figure[i] / limit[i];
        }
        return r;
    }

    static String summary(double[] values, String fmt) {
        double[] v = Arrays.stream(values).filter(Double::isFinite).toArray(); // failed runs are NaN
        if (v.length == 0) {
            return "–";
        }
        Arrays.sort(v);
        return String.format(Locale.ROOT, fmt + " (" + fmt + "–" + fmt + ")", KafkaStoreBenchmarks.median(v), v[0], v[v.length - 1]);
    }

    static double[] round(double[] values) {
        return Arrays.stream(values).map(v -> Double.isFinite(v) ? Math.round(v * 100) / 100.0 : v).toArray();
    }

    static double medianMillis(List<Long> nanos) {
        return KafkaStoreBenchmarks.median(nanos.stream().mapToDouble(n -> n / 1e6).toArray());
    }

    static double seconds(long start) {
        return KafkaStoreBenchmarks.seconds(start);
    }

    static void deleteRecursively(Path path) {
        if (!Files.exists(path)) {
            return;
        }
        try (java.util.stream.Stream<Path> files = Files.walk(path)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (java.io.IOException e) {
            System.out.println("  (could not delete " + path + ": " + e + ")");
        }
    }

    /** The 1-, 5- and 15-minute load averages (Linux), for context: the machine may be shared. */
    static String load() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (java.io.IOException | RuntimeException e) {
            return "?";
        }
    }

    /** Names the non-daemon threads still alive besides main: they would keep the JVM from exiting. */
    static void strayThreads() {
        List<String> stray = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && !t.isDaemon() && t != Thread.currentThread() && !t.getName().equals("DestroyJavaVM"))
                .map(Thread::getName).toList();
        if (!stray.isEmpty()) {
            System.out.println("WARNING: non-daemon threads still alive at the end: " + stray);
        }
    }
}
