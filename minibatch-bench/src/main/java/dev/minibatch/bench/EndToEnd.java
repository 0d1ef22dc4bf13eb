package dev.minibatch.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.minibatch.model.ConsumerHandle;
import dev.minibatch.Minibatch;
import dev.minibatch.Stream;
import dev.minibatch.test.JvmProcess;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * The end-to-end benchmark harness: measures minibatch and, in the same run, the raw limit of each
 * back end, then prints a table, writes JSON and regenerates {@code BENCHMARKS.md}.
 *
 * <pre>
 * java -cp "minibatch-bench/target/classes:$(cat minibatch-bench/target/classpath.txt)" dev.minibatch.bench.EndToEnd [--quick|--smoke]
 *      [--json FILE] [--markdown FILE] [--dir DIR] [--only group,group]
 * </pre>
 *
 * Groups: append, consume, latency, memory, scale, mongodb, kafka; and, only when named,
 * {@code kafka-store} ({@link KafkaStoreBenchmarks}: a three-node cluster, about 15 minutes). Sizes shrink tenfold with {@code --quick}
 * and a hundredfold with {@code --smoke} (a check that every scenario still runs, not a figure).
 */
public final class EndToEnd {

    private final double scale;
    private final Path dir;
    private final List<String> only;
    private final List<Result> results = new ArrayList<>();

    EndToEnd(double scale, Path dir, List<String> only) {
        this.scale = scale;
        this.dir = dir;
        this.only = only;
    }

    public static void main(String[] args) throws Exception {
        double scale = 1.0;
        Path json = Path.of("target", "bench.json");
        Path markdown = null;
        Path dir = Files.createTempDirectory("minibatch-bench");
        List<String> only = List.of();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> scale = 0.1;
                case "--smoke" -> scale = 0.01;
                case "--json" -> json = Path.of(args[++i]);
                case "--markdown" -> markdown = Path.of(args[++i]);
                case "--dir" -> dir = Path.of(args[++i]);
                case "--only" -> only = List.of(args[++i].split(","));
                default -> throw new IllegalArgumentException("unknown argument " + args[i]
                        + "; usage: EndToEnd [--quick|--smoke] [--json FILE] [--markdown FILE] [--dir DIR] [--only groups]"
                        + " (groups: append,consume,latency,memory,scale,pipeline,mongodb,kafka; kafka-store only when named)");
            }
        }
        EndToEnd bench = new EndToEnd(scale, dir, only);
        List<Result> results = bench.runAll();
        System.out.println(Report.table(results));
        Report.writeJson(results, json, scale);
        if (markdown != null) {
            Report.writeMarkdown(results, markdown, scale, String.join(" ", args));
        }
    }

    List<Result> runAll() throws Exception {
        if (wants("append")) {
            append();
        }
        if (wants("consume")) {
            consume();
        }
        if (wants("latency")) {
            latency();
        }
        if (wants("memory")) {
            memory();
        }
        if (wants("scale")) {
            scaling();
        }
        if (wants("pipeline")) {
            new PipelineBenchmarks(Files.createTempDirectory(dir, "pipeline"), scale, 5, this::record).run();
            new TableBenchmarks(Files.createTempDirectory(dir, "tables"), scale, 5, this::record).run();
        }
        if (wants("mongodb")) {
            System.out.println("MongoDB (wire server in this JVM) against the raw driver");
            BackendBenchmarks.mongo(n(100_000), n(20_000), this::record);
        }
        if (wants("kafka")) {
            System.out.println("Kafka (real broker in a child JVM) against a raw consume→produce loop");
            BackendBenchmarks.kafka(Files.createTempDirectory(dir, "kafka"), n(200_000), this::record);
        }
        if (only.contains("kafka-store")) { // opt-in: starts a three-node cluster (three broker JVMs)
            System.out.println("kafka:// store (three-node cluster) against raw kafka-clients loops");
            new KafkaStoreBenchmarks(Files.createTempDirectory(dir, "kafka-store"), 5, n(100_000), n(100_000),
                    Math.max(200, (int) (1_500 * Math.min(1, scale * 10))), List.of(), this::record).run();
        }
        return results;
    }

    private boolean wants(String group) {
        return only.isEmpty() || only.contains(group);
    }

    private int n(int full) {
        return Math.max(100, (int) (full * scale));
    }

    private Path fresh(String name) throws IOException {
        Path d = Files.createTempDirectory(dir, name);
        return d.resolve(name + ".db");
    }

    private Minibatch sqlite(Path file) {
        return Minibatch.builder().url("sqlite:" + file).shutdownHook(false).build();
    }

    private Minibatch memoryStore() {
        return Minibatch.builder().url("memory:").shutdownHook(false).build();
    }

    void record(Result r) {
        results.add(r);
        System.out.printf(Locale.ROOT, "  %-8s %-45s %-7s %,14.1f %s%n", r.group(), r.name(), r.store(), r.value(), r.unit());
    }

    // ---- append -------------------------------------------------------------------------------

    void append() throws Exception {
        System.out.println("append throughput");
        int batchedSqlite = n(300_000);
        RawSqlite.batchedInsert(fresh("raw-warmup"), Math.max(1000, batchedSqlite / 3), 1000, true); // JIT warm-up
        double rawIndexed = RawSqlite.batchedInsert(fresh("raw-indexed"), batchedSqlite, 1000, true);
        double rawBare = RawSqlite.batchedInsert(fresh("raw-bare"), batchedSqlite, 1000, false);
        record(new Result("limit", "raw sqlite-jdbc insert, batches of 1000, same schema", "sqlite", rawIndexed, "msg/s",
                null, null, null));
        record(new Result("limit", "raw sqlite-jdbc insert, batches of 1000, no index", "sqlite", rawBare, "msg/s",
                null, null, null));
        try (Minibatch mb = sqlite(fresh("append-warmup"))) {
            appendBatched(mb.stream("warmup"), Math.max(1000, batchedSqlite / 3), 1000);
        }
        try (Minibatch mb = sqlite(fresh("append-batched"))) {
            double rate = appendBatched(mb.stream("bench"), batchedSqlite, 1000);
            record(new Result("append", "appendAll, batches of 1000", "sqlite", rate, "msg/s", rawIndexed,
                    "raw sqlite-jdbc batched insert, same schema", ">= 70% of raw"));
        }
        try (Minibatch mb = sqlite(fresh("append-single"))) {
            double rate = appendSingle(mb.stream("bench"), n(20_000));
            record(new Result("append", "append, one message per call", "sqlite", rate, "msg/s", rawIndexed,
                    "raw sqlite-jdbc batched insert, same schema", null));
        }
        try (Minibatch mb = memoryStore()) {
            appendBatched(mb.stream("warmup"), n(200_000), 1000);
            double rate = appendBatched(mb.stream("bench"), n(1_000_000), 1000);
            record(new Result("append", "appendAll, batches of 1000", "memory", rate, "msg/s", null, null, null));
            double single = appendSingle(mb.stream("bench1"), n(300_000));
            record(new Result("append", "append, one message per call", "memory", single, "msg/s", null, null, null));
        }
    }

    /** Times {@code appendAll} alone: the values are built before the clock starts, as for the raw baseline. */
    static double appendBatched(Stream stream, int count, int batch) {
        List<List<Map<String, Object>>> batches = new ArrayList<>();
        for (int i = 0; i < count; i += batch) {
            batches.add(Payloads.readings(i, Math.min(batch, count - i)));
        }
        long start = System.nanoTime();
        for (List<Map<String, Object>> values : batches) {
            stream.appendAll(values);
        }
        return count / RawSqlite.seconds(start);
    }

    static double appendSingle(Stream stream, int count) {
        List<Map<String, Object>> values = Payloads.readings(0, count);
        long start = System.nanoTime();
        for (Map<String, Object> value : values) {
            stream.append(value);
        }
        return count / RawSqlite.seconds(start);
    }

    // ---- consume ------------------------------------------------------------------------------

    void consume() throws Exception {
        System.out.println("consume throughput (backlog preloaded, until drained)");
        Double rawLimit = results.stream().filter(r -> r.name().startsWith("raw sqlite-jdbc insert, batches of 1000, same"))
                .map(Result::value).findFirst().orElse(null);
        if (rawLimit == null) {
            rawLimit = RawSqlite.batchedInsert(fresh("raw-for-consume"), n(300_000), 1000, true);
        }
        for (int size : new int[] {1, 100, 1000}) {
            for (boolean keep : new boolean[] {false, true}) {
                for (int workers : new int[] {1, 4}) {
                    if (size == 1 && workers == 4 && keep) {
                        continue; // the size-1 row is about per-window overhead; one keep variant is enough
                    }
                    int count = size == 1 ? n(10_000) : size == 100 ? n(100_000) : n(300_000);
                    count = Math.max(size, count - count % size);
                    try (Minibatch mb = sqlite(fresh("consume-" + size + "-" + keep + "-" + workers))) {
                        double rate = consumeRate(mb, count, size, workers, keep);
                        record(new Result("consume", "CountWindow(" + size + "), keep=" + keep + ", workers=" + workers,
                                "sqlite", rate, "msg/s", size == 1000 ? rawLimit : null,
                                size == 1000 ? "raw sqlite-jdbc batched insert, same schema" : null,
                                size == 1000 && !keep && workers == 1 ? ">= 40% of raw" : null));
                    }
                }
            }
        }
        for (int size : new int[] {1, 100, 1000}) {
            int count = size == 1 ? n(200_000) : n(2_000_000);
            count = Math.max(size, count - count % size);
            try (Minibatch mb = memoryStore()) {
                consumeRate(mb, Math.max(size, n(200_000) - n(200_000) % size), size, 1, false); // warm-up
            }
            double[] runs = new double[5];
            for (int r = 0; r < runs.length; r++) { // in-memory runs are short and GC-bound: take the median of five
                try (Minibatch mb = memoryStore()) {
                    runs[r] = consumeRate(mb, count, size, 1, false);
                }
            }
            java.util.Arrays.sort(runs);
            {
                double rate = runs[2];
                record(new Result("consume", "CountWindow(" + size + "), keep=false, workers=1", "memory", rate, "msg/s",
                        null, null, null));
                if (size == 1000) {
                    record(new Result("consume", "time per message through CountWindow(1000)", "memory", 1e9 / rate,
                            "ns/msg", null, null, "<= 200 ns/msg"));
                }
            }
        }
    }

    /** Preloads {@code count} messages, then times a consumer draining them. */
    static double consumeRate(Minibatch mb, int count, int size, int workers, boolean keep) throws InterruptedException {
        Stream stream = mb.stream("bench");
        for (int i = 0; i < count; i += 1000) {
            stream.appendAll(Payloads.readings(i, Math.min(1000, count - i)));
        }
        System.gc(); // the preload's garbage is not the consumer's cost
        long start = System.nanoTime();
        ConsumerHandle consumer = mb.streaming("bench").size(size).workers(workers).keep(keep).start(window -> { });
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
        while (consumer.stats().messages() < count) {
            if (System.nanoTime() > deadline || consumer.failure() != null) {
                throw new IllegalStateException("consumer did not drain " + count + " messages: " + consumer.stats(),
                        consumer.failure());
            }
            Thread.sleep(1);
        }
        double rate = count / RawSqlite.seconds(start);
        consumer.stop();
        return rate;
    }

    // ---- latency ------------------------------------------------------------------------------

    void latency() throws Exception {
        System.out.println("append -> window function latency (CountWindow(1), default 10 ms poll)");
        int count = n(3_000);
        try (Minibatch mb = memoryStore()) {
            latencySameJvm(mb, "memory", count);
        }
        try (Minibatch mb = sqlite(fresh("latency"))) {
            latencySameJvm(mb, "sqlite", count);
        }
        Path file = fresh("latency-2jvm");
        try (Minibatch mb = sqlite(file)) {
            latencyTwoJvms(mb, "sqlite:" + file, count);
        }
    }

    private void latencySameJvm(Minibatch mb, String store, int count) throws Exception {
        Histogram histogram = new Histogram(TimeUnit.SECONDS.toMicros(10), 3);
        ConsumerHandle consumer = mb.streaming("lat").size(1).start(window -> {
            long sent = window.data().get(0).get("sentNanos").asLong();
            histogram.recordValue(Math.max(0, (System.nanoTime() - sent) / 1000));
        });
        Stream stream = mb.stream("lat");
        for (int i = 0; i < count; i++) {
            stream.append(Map.of("i", i, "sentNanos", System.nanoTime()));
            Thread.sleep(0, 500_000);
        }
        awaitCount(() -> histogram.getTotalCount(), count, consumer);
        consumer.stop();
        recordLatency(histogram, "same JVM", store);
    }

    private void latencyTwoJvms(Minibatch mb, String url, int count) throws Exception {
        Histogram histogram = new Histogram(TimeUnit.SECONDS.toMicros(10), 3);
        ConsumerHandle consumer = mb.streaming("lat2").size(1).start(window -> {
            JsonNode v = window.data().get(0);
            long sentMicros = v.get("sentMicros").asLong();
            Instant now = Instant.now();
            long nowMicros = now.getEpochSecond() * 1_000_000 + now.getNano() / 1000;
            histogram.recordValue(Math.max(0, nowMicros - sentMicros));
        });
        try (JvmProcess producer = JvmProcess.start(LatencyProducerMain.class, List.of(url, "lat2", String.valueOf(count)),
                dir.resolve("latency-producer.log"))) {
            producer.waitFor(Duration.ofMinutes(5));
            awaitCount(() -> histogram.getTotalCount(), count, consumer);
        }
        consumer.stop();
        recordLatency(histogram, "producer in another JVM", "sqlite");
    }

    private static void awaitCount(java.util.function.LongSupplier counter, long expected, ConsumerHandle consumer)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (counter.getAsLong() < expected) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("only " + counter.getAsLong() + " of " + expected + " windows arrived: "
                        + consumer.stats());
            }
            Thread.sleep(5);
        }
    }

    private void recordLatency(Histogram h, String how, String store) {
        String target = how.startsWith("producer") ? "p99 <= 20 ms" : null;
        record(new Result("latency", "p50, " + how, store, h.getValueAtPercentile(50) / 1000.0, "ms", null, null, null));
        record(new Result("latency", "p99, " + how, store, h.getValueAtPercentile(99) / 1000.0, "ms", null, null, target));
        record(new Result("latency", "p99.9, " + how, store, h.getValueAtPercentile(99.9) / 1000.0, "ms", null, null, null));
    }

    // ---- memory and scale ---------------------------------------------------------------------

    void memory() throws Exception {
        System.out.println("memory");
        int backlog = n(1_000_000);
        long before = usedHeapAfterGc();
        try (Minibatch mb = memoryStore()) {
            Stream stream = mb.stream("backlog");
            for (int i = 0; i < backlog; i += 1000) {
                stream.appendAll(Payloads.readings(i, Math.min(1000, backlog - i)));
            }
            long after = usedHeapAfterGc();
            record(new Result("memory", "heap per pending message (" + backlog + " backlog)", "memory",
                    (after - before) / (double) backlog, "bytes/msg", null, null, null));
            record(new Result("memory", "heap used with " + backlog + " pending", "memory",
                    (after - before) / 1024.0 / 1024.0, "MiB", null, null, null));
        }
        Path file = fresh("backlog");
        try (Minibatch mb = sqlite(file)) {
            Stream stream = mb.stream("backlog");
            long heapBefore = usedHeapAfterGc();
            for (int i = 0; i < backlog; i += 1000) {
                stream.appendAll(Payloads.readings(i, Math.min(1000, backlog - i)));
            }
            long heapAfter = usedHeapAfterGc();
            record(new Result("memory", "heap growth with " + backlog + " pending (data on disk)", "sqlite",
                    (heapAfter - heapBefore) / 1024.0 / 1024.0, "MiB", null, null, null));
            record(new Result("memory", "file size per message", "sqlite",
                    (Files.size(file) + walSize(file)) / (double) backlog, "bytes/msg", null, null, null));
        }
    }

    private static long walSize(Path db) throws IOException {
        Path wal = db.resolveSibling(db.getFileName() + "-wal");
        return Files.exists(wal) ? Files.size(wal) : 0;
    }

    void scaling() throws Exception {
        System.out.println("throughput against backlog size (SQLite, CountWindow(100))");
        int small = n(10_000);
        int large = n(1_000_000);
        int measured = Math.min(small, large);
        // the measured drain is short (10,000 messages), so each case is the median of three fresh files
        double[] smallRuns = new double[3];
        double[] largeRuns = new double[3];
        for (int r = 0; r < 3; r++) {
            try (Minibatch mb = sqlite(fresh("scale-small-" + r))) {
                smallRuns[r] = drainFirst(mb, small, measured);
            }
            try (Minibatch mb = sqlite(fresh("scale-large-" + r))) {
                largeRuns[r] = drainFirst(mb, large, measured);
            }
        }
        java.util.Arrays.sort(smallRuns);
        java.util.Arrays.sort(largeRuns);
        double atSmall = smallRuns[1];
        double atLarge = largeRuns[1];
        record(new Result("scale", "consume rate with " + small + " pending", "sqlite", atSmall, "msg/s", null, null, null));
        record(new Result("scale", "consume rate with " + large + " pending", "sqlite", atLarge, "msg/s", atSmall,
                "the same with " + small + " pending", "within 20%"));
    }

    /** Preloads {@code backlog}, then times consuming the first {@code measured} messages. */
    private static double drainFirst(Minibatch mb, int backlog, int measured) throws InterruptedException {
        Stream stream = mb.stream("bench");
        for (int i = 0; i < backlog; i += 1000) {
            stream.appendAll(Payloads.readings(i, Math.min(1000, backlog - i)));
        }
        checkpoint(mb);
        long start = System.nanoTime();
        ConsumerHandle consumer = mb.streaming("bench").size(100).start(window -> { });
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
        while (consumer.stats().messages() < measured && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        double rate = consumer.stats().messages() / RawSqlite.seconds(start);
        consumer.stop();
        return rate;
    }

    /**
     * Folds the write-ahead log into the database file, so both backlog sizes start from a settled
     * file and the measurement is the consumer's work, not the preload's checkpoint.
     */
    private static void checkpoint(Minibatch mb) {
        if (mb.store() instanceof dev.minibatch.store.sqlite.SqliteStore sqlite) {
            try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + sqlite.file());
                 java.sql.Statement st = c.createStatement()) {
                st.execute("PRAGMA wal_checkpoint(TRUNCATE)");
            } catch (java.sql.SQLException e) {
                throw new IllegalStateException("checkpoint of " + sqlite.file() + " failed", e);
            }
        }
    }

    private static long usedHeapAfterGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(50);
        }
        Runtime rt = Runtime.getRuntime();
        return rt.totalMemory() - rt.freeMemory();
    }

    // ---- report -------------------------------------------------------------------------------

    /** Table, JSON and Markdown output. */
    static final class Report {
        private Report() {
        }

        static String table(List<Result> results) {
            StringBuilder out = new StringBuilder();
            out.append(String.format(Locale.ROOT, "%-8s | %-60s | %-7s | %14s | %-9s | %8s | %s%n", "group", "scenario",
                    "store", "value", "unit", "of limit", "target"));
            for (Result r : results) {
                out.append(String.format(Locale.ROOT, "%-8s | %-60s | %-7s | %,14.1f | %-9s | %8s | %s%n", r.group(),
                        r.name(), r.store(), r.value(), r.unit(), r.ratio() == null ? "" : String.format(Locale.ROOT, "%.0f%%",
                                r.ratio() * 100), r.target() == null ? "" : r.target()));
            }
            return out.toString();
        }

        static void writeJson(List<Result> results, Path file, double scale) throws IOException {
            ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
            ObjectNode root = mapper.createObjectNode();
            root.put("generated", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
            root.put("scale", scale);
            root.set("machine", mapper.valueToTree(machine()));
            ArrayNode rows = root.putArray("results");
            for (Result r : results) {
                ObjectNode row = mapper.valueToTree(r);
                if (r.ratio() != null) {
                    row.put("ratio", r.ratio());
                }
                rows.add(row);
            }
            if (file.getParent() != null) {
                Files.createDirectories(file.getParent());
            }
            mapper.writeValue(file.toFile(), root);
        }

        static Map<String, Object> machine() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("cores", Runtime.getRuntime().availableProcessors());
            m.put("maxHeapMiB", Runtime.getRuntime().maxMemory() / 1024 / 1024);
            m.put("physicalMemoryGiB", physicalMemoryGiB());
            m.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
            m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"));
            return m;
        }

        private static long physicalMemoryGiB() {
            if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
                return Math.round(os.getTotalMemorySize() / 1024.0 / 1024 / 1024);
            }
            return -1;
        }

        static void writeMarkdown(List<Result> results, Path file, double scale, String args) throws IOException {
            StringBuilder md = new StringBuilder();
            md.append("# Benchmarks\n\n");
            md.append("Generated by the end-to-end harness (do not edit by hand):\n\n```\n")
                    .append("./mvnw -q -B -pl minibatch-bench -am package -DskipTests\n")
                    .append("java -jar minibatch-bench/target/benchmarks.jar   # JMH micro-benchmarks\n")
                    .append("java -cp \"minibatch-bench/target/classes:$(cat minibatch-bench/target/classpath.txt)\" dev.minibatch.bench.EndToEnd --markdown BENCHMARKS.md ")
                    .append(args.replace("--markdown BENCHMARKS.md", "").trim()).append("\n```\n\n");
            Map<String, Object> machine = machine();
            md.append("Machine: ").append(machine.get("cores")).append(" cores, ").append(machine.get("physicalMemoryGiB"))
                    .append(" GiB, ").append(machine.get("java")).append(", ").append(machine.get("os"))
                    .append(". Run: ").append(Instant.now().truncatedTo(ChronoUnit.SECONDS)).append(", scale ")
                    .append(scale).append(" (1.0 = full sizes). Each limit was measured in the same run, on the same")
                    .append(" kind of file or server, just before the figure compared with it; ratios are figure ÷ limit.")
                    .append(" Shared, noisy machines: read ratios, not absolutes.\n\n");
            String group = null;
            for (Result r : results) {
                if (!r.group().equals(group)) {
                    group = r.group();
                    md.append("\n## ").append(group).append("\n\n");
                    md.append("| scenario | store | value | unit | limit | of limit | target |\n");
                    md.append("|---|---|---:|---|---|---:|---|\n");
                }
                md.append("| ").append(r.name()).append(" | ").append(r.store()).append(" | ")
                        .append(String.format(Locale.ROOT, "%,.1f", r.value())).append(" | ").append(r.unit()).append(" | ")
                        .append(r.limitName() == null ? "" : r.limitName() + String.format(Locale.ROOT, " (%,.0f)", r.limit()))
                        .append(" | ").append(r.ratio() == null ? "" : String.format(Locale.ROOT, "%.0f%%", r.ratio() * 100))
                        .append(" | ").append(r.target() == null ? "" : r.target()).append(" |\n");
            }
            // the MongoDB side-by-side section has its own generator (bench.mongo.MongoSideBySide): keep it
            md.append(dev.minibatch.bench.mongo.MongoSideBySide.existingSection(file));
            Files.writeString(file, md.toString());
        }
    }
}
