package dev.minibatch.bench.mongo;

import static dev.minibatch.bench.mongo.SideBySideReport.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import dev.minibatch.model.ConsumerHandle;
import dev.minibatch.Stream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.bson.Document;

/**
 * Python minibatch 0.6 and this project side by side on one MongoDB-protocol server per run, the
 * same scenarios one after the other, every database command counted on both sides.
 *
 * <pre>
 * ./mvnw -q -B -o -pl minibatch-bench -am package -DskipTests
 * java -cp "minibatch-bench/target/classes:$(cat minibatch-bench/target/classpath.txt)" \
 *      dev.minibatch.bench.mongo.MongoSideBySide --markdown BENCHMARKS.md [--quick] [--servers emulator,ferretdb]
 *      [--only NAME] [--emulator-oplog]
 * </pre>
 *
 * Needs tools/test-env/setup (the Python venv, FerretDB). Ratios are Java ÷ Python from pairs run
 * back to back, the order flipped every pair (median and range); long scenarios run one pair. Each
 * scenario gets a fresh server process. {@code --markdown} replaces the
 * side-by-side section of that file (between its markers) and leaves the rest alone.
 */
public final class MongoSideBySide {

    static final String SECTION_START = SideBySideReport.SECTION_START;
    static final String SECTION_END = SideBySideReport.SECTION_END;

    private static final Duration PYTHON_TIMEOUT = Duration.ofMinutes(3);


    private final boolean quick;
    /** Whether the emulator runs with its oplog (change streams); see {@link BenchServer#emulator}. */
    private final boolean emulatorOplog;
    /** Pairs per append scenario; appends are short, so many, for a steadier median on a noisy machine. */
    private final int appendPairs;
    private final int oneByOne;
    private final int batched;
    private final int backlog;
    /** FerretDB consumes Python's way at ~20 msg/s here: 20,000 would take a quarter of an hour. */
    private final int ferretDbBacklog;
    private final int rateSeconds;
    private final int latencySeconds;
    private final int idleSeconds;
    private final List<Row> rows = new ArrayList<>();
    private final AtomicInteger databases = new AtomicInteger();
    private BenchServer server;

    MongoSideBySide(boolean quick, boolean emulatorOplog) {
        this.quick = quick;
        this.emulatorOplog = emulatorOplog;
        appendPairs = quick ? 2 : 7;
        oneByOne = quick ? 300 : 2_000;
        batched = quick ? 2_000 : 20_000;
        backlog = quick ? 2_000 : 20_000;
        ferretDbBacklog = quick ? 500 : 2_000;
        rateSeconds = quick ? 3 : 8;
        latencySeconds = quick ? 4 : 15;
        idleSeconds = quick ? 2 : 5;
    }

    public static void main(String[] args) throws Exception {
        boolean quick = false;
        Path markdown = null;
        Path json = Path.of("minibatch-bench", "target", "mongo-side-by-side.json");
        List<String> servers = List.of("emulator", "ferretdb");
        String only = null;
        boolean oplog = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> quick = true;
                case "--markdown" -> markdown = Path.of(args[++i]);
                case "--json" -> json = Path.of(args[++i]);
                case "--servers" -> servers = List.of(args[++i].split(","));
                case "--only" -> only = args[++i];
                case "--emulator-oplog" -> oplog = true;
                default -> throw new IllegalArgumentException("unknown argument " + args[i]
                        + "; usage: MongoSideBySide [--quick] [--markdown FILE] [--json FILE] [--servers emulator,ferretdb]"
                        + " [--only SCENARIO-NAME-PART] [--emulator-oplog]");
            }
        }
        PythonBench.python(); // fail at once, naming the setup, when the peer is missing
        MongoSideBySide bench = new MongoSideBySide(quick, oplog);
        long start = System.nanoTime();
        for (String name : servers) {
            if (!name.equals("emulator") && !name.equals("ferretdb")) {
                throw new IllegalArgumentException("unknown server " + name + " (emulator, ferretdb)");
            }
            for (Map.Entry<String, Scenario> scenario : bench.scenarios().entrySet()) {
                if (only != null && !scenario.getKey().contains(only)) {
                    continue;
                }
                // a fresh server per scenario: what one scenario left (data, the emulator's oplog, which it
                // scans on every change-stream read and never trims) weighs on no later one
                try (BenchServer s = name.equals("emulator") ? BenchServer.emulator(oplog) : BenchServer.ferretDb()) {
                    System.out.println("== " + name + " (" + s.base() + ")");
                    bench.server = s;
                    bench.warmUp();
                    bench.attempt(scenario.getKey(), scenario.getValue());
                }
            }
        }
        double minutes = (System.nanoTime() - start) / 60e9;
        String section = bench.markdown(minutes);
        System.out.println(section);
        if (json.getParent() != null) {
            Files.createDirectories(json.getParent());
        }
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(json.toFile(), bench.rows);
        if (markdown != null) {
            replaceSection(markdown, section);
        }
    }

    /** The scenarios in the order they run, by name. */
    Map<String, Scenario> scenarios() {
        Map<String, Scenario> out = new LinkedHashMap<>();
        out.put("append one by one", this::appendOneByOne);
        out.put("append in batches of 100", this::appendBatched);
        out.put("consume CountWindow(100) backlog", this::consumeBacklog);
        out.put("size-1 windows at offered rates", this::sizeOneAtRates);
        return out;
    }

    private interface Scenario {
        void run() throws Exception;
    }

    /** A scenario that fails (a server rejecting an operation) is a row saying so, not the end of the run. */
    private void attempt(String name, Scenario scenario) {
        System.out.println("-- " + name);
        try {
            scenario.run();
        } catch (Exception | AssertionError e) {
            String message = String.valueOf(e.getMessage()).replaceAll("\\s+", " ");
            System.out.println("   FAILED: " + e);
            rows.add(new Row(server.name(), name, "-", List.of(), "-", List.of(), null, false,
                    "failed: " + e.getClass().getSimpleName() + ": " + message.substring(0, Math.min(300, message.length()))));
        }
    }

    private String freshDatabase(String what) {
        return "sbs_" + what + "_" + databases.incrementAndGet();
    }

    private void add(String scenario, String unit, List<Double> java, String otherName, List<Double> other, String target,
                     Boolean met, String note) {
        Row row = new Row(server.name(), scenario, unit, java, otherName, other, target, met, note);
        rows.add(row);
        System.out.printf(Locale.ROOT, "   %-58s java %s  %s %s  %s%n", scenario, fmt(java), otherName, fmt(other),
                note == null ? "" : note);
    }

    // ---- payloads -----------------------------------------------------------------------------

    /** About 100 bytes of JSON, the same on both sides (the Python script builds the same reading). */
    static Map<String, Object> reading(long n) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", n);
        m.put("sensor", "sensor-" + (n % 97));
        m.put("value", 20 + (n % 1000) / 100.0);
        m.put("unit", "C");
        m.put("ts", "2025-01-01T10:00:00.000Z");
        return m;
    }

    /** A buffer document exactly as a Python (or plain Java) append writes it. */
    static Document bufferDocument(String stream, Map<String, Object> data) {
        return new Document("stream", stream).append("data", new Document(data)).append("processed", false)
                .append("created", new Date());
    }

    static long nowMicros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
    }

    private void preload(String database, String stream, int count) {
        try (MongoClient raw = MongoClients.create(server.base())) {
            MongoCollection<Document> buffer = raw.getDatabase(database).getCollection("buffer");
            List<Document> batch = new ArrayList<>();
            for (int n = 0; n < count; n++) {
                batch.add(bufferDocument(stream, reading(n)));
                if (batch.size() == 1000) {
                    buffer.insertMany(batch);
                    batch = new ArrayList<>();
                }
            }
            if (!batch.isEmpty()) {
                buffer.insertMany(batch);
            }
        }
    }

    private long pending(String database, String stream) {
        try (MongoClient raw = MongoClients.create(server.base())) {
            return raw.getDatabase(database).getCollection("buffer")
                    .countDocuments(Filters.and(Filters.eq("stream", stream), Filters.eq("processed", false)));
        }
    }

    // ---- scenarios ----------------------------------------------------------------------------

    /** JIT and connection warm-up for the Java side, unrecorded. */
    private void warmUp() throws InterruptedException {
        try (JavaSide java = new JavaSide(server.base(), freshDatabase("warmup"))) {
            Stream s = java.minibatch.stream("w");
            for (int i = 0; i < 500; i++) {
                s.append(reading(i));
            }
            for (int i = 0; i < 2_000; i += 100) {
                s.appendAll(readings(i, 100));
            }
            try (ConsumerHandle c = java.minibatch.streaming("w").size(100).start(w -> { })) {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (c.stats().messages() < 2_000 && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
            }
        }
    }

    private static List<Map<String, Object>> readings(int from, int count) {
        List<Map<String, Object>> out = new ArrayList<>(count);
        for (int n = from; n < from + count; n++) {
            out.add(reading(n));
        }
        return out;
    }

    /** Runs the steps of a pair in order, or in reverse order for odd pairs (so neither side always goes first). */
    private static void inTurn(int pair, Scenario... steps) throws Exception {
        for (int i = 0; i < steps.length; i++) {
            steps[pair % 2 == 0 ? i : steps.length - 1 - i].run();
        }
    }

    private void appendOneByOne() throws Exception {
        List<Double> java = new ArrayList<>();
        List<Double> python = new ArrayList<>();
        List<Double> javaCommands = new ArrayList<>();
        List<Double> pythonCommands = new ArrayList<>();
        for (int pair = 0; pair < appendPairs; pair++) {
            inTurn(pair, () -> {
                try (JavaSide side = new JavaSide(server.base(), freshDatabase("one_java"))) {
                    Stream s = side.minibatch.stream("one");
                    List<Map<String, Object>> values = readings(0, oneByOne);
                    side.commands.reset();
                    long start = System.nanoTime();
                    for (Map<String, Object> v : values) {
                        s.append(v);
                    }
                    double seconds = (System.nanoTime() - start) / 1e9;
                    java.add(oneByOne / seconds);
                    javaCommands.add((double) side.commands.total() / oneByOne);
                }
            }, () -> {
                JsonNode r = python("append", freshDatabase("one_python"), "one", "--count", String.valueOf(oneByOne));
                python.add(r.get("messages").asDouble() / r.get("seconds").asDouble());
                pythonCommands.add(r.get("commands").asDouble() / oneByOne);
            });
        }
        double ratio = median(ratios(java, python));
        add("append one by one", "msg/s", java, "Python 0.6", python, ">= 1x Python", ratio >= 1.0, null);
        add("commands per appended message (one by one)", "commands", javaCommands, "Python 0.6", pythonCommands, null, null,
                null);
    }

    private void appendBatched() throws Exception {
        List<Double> java = new ArrayList<>();
        List<Double> python = new ArrayList<>();
        List<Double> raw = new ArrayList<>();
        List<Double> javaCommands = new ArrayList<>();
        List<Double> pythonCommands = new ArrayList<>();
        for (int pair = 0; pair < appendPairs; pair++) {
            inTurn(pair, () -> {
                try (JavaSide side = new JavaSide(server.base(), freshDatabase("batch_java"))) {
                    Stream s = side.minibatch.stream("batch");
                    List<List<Map<String, Object>>> batches = new ArrayList<>();
                    for (int i = 0; i < batched; i += 100) {
                        batches.add(readings(i, 100));
                    }
                    side.commands.reset();
                    long start = System.nanoTime();
                    for (List<Map<String, Object>> b : batches) {
                        s.appendAll(b);
                    }
                    java.add(batched / ((System.nanoTime() - start) / 1e9));
                    javaCommands.add(side.commands.total() / (batched / 100.0));
                }
            }, () -> {
                JsonNode r = python("append", freshDatabase("batch_python"), "batch", "--count", String.valueOf(batched),
                        "--batch", "100");
                python.add(r.get("messages").asDouble() / r.get("seconds").asDouble());
                pythonCommands.add(r.get("commands").asDouble() / (batched / 100.0));
            }, () -> raw.add(rawInsertMany(freshDatabase("batch_raw"))));
        }
        add("append in batches of 100", "msg/s", java, "Python 0.6 (batchsize=100)", python, null, null, null);
        double ofRaw = median(ratios(java, raw));
        add("append in batches of 100 vs raw insertMany(100)", "msg/s", java, "raw insertMany(100)", raw, ">= 90% of raw",
                ofRaw >= 0.9, null);
        add("commands per 100 appended messages (a batch)", "commands", javaCommands, "Python 0.6", pythonCommands, null,
                null, "Python writes every batchsize+2 = 102 appends");
    }

    private double rawInsertMany(String database) {
        try (MongoClient raw = MongoClients.create(server.base())) {
            MongoCollection<Document> buffer = raw.getDatabase(database).getCollection("buffer");
            List<List<Map<String, Object>>> batches = new ArrayList<>();
            for (int i = 0; i < batched; i += 100) {
                batches.add(readings(i, 100));
            }
            buffer.insertOne(bufferDocument("raw", reading(-1))); // create the collection first, as the others do
            long start = System.nanoTime();
            for (List<Map<String, Object>> b : batches) {
                List<Document> docs = new ArrayList<>(b.size());
                for (Map<String, Object> v : b) {
                    docs.add(bufferDocument("raw", v));
                }
                buffer.insertMany(docs);
            }
            return batched / ((System.nanoTime() - start) / 1e9);
        }
    }

    private void consumeBacklog() throws Exception {
        int backlog = server.name().equals("ferretdb") ? ferretDbBacklog : this.backlog;
        String javaDb = freshDatabase("consume_java");
        preload(javaDb, "backlog", backlog);
        double javaRate;
        double javaPerWindow;
        double javaIdle;
        Map<String, Long> javaNames;
        try (JavaSide side = new JavaSide(server.base(), javaDb)) {
            side.commands.reset();
            long start = System.nanoTime();
            try (ConsumerHandle c = side.minibatch.streaming("backlog").size(100).start(w -> { })) {
                long deadline = start + TimeUnit.MINUTES.toNanos(5);
                while (c.stats().messages() < backlog) {
                    if (c.failure() != null || System.nanoTime() > deadline) {
                        throw new IllegalStateException("Java consumer did not drain the backlog: " + c.stats()
                                + (c.failure() == null ? "" : ", failed: " + c.failure()));
                    }
                    Thread.sleep(2);
                }
                double seconds = (System.nanoTime() - start) / 1e9;
                long windows = c.stats().windows();
                javaRate = backlog / seconds;
                javaPerWindow = (double) side.commands.total() / windows;
                javaNames = side.commands.byName();
                Thread.sleep(500); // let the last commit and poll settle, then count an idle period
                side.commands.reset();
                Thread.sleep(idleSeconds * 1000L);
                javaIdle = side.commands.total() / (double) idleSeconds;
            }
        }
        String pythonDb = freshDatabase("consume_python");
        preload(pythonDb, "backlog", backlog);
        JsonNode r = python("consume", pythonDb, "backlog", "--size", "100", "--expect", String.valueOf(backlog),
                "--timeout", "600");
        double pythonRate = r.get("messages").asDouble() / r.get("seconds").asDouble();
        double pythonPerWindow = r.get("commands").asDouble() / r.get("windows").asDouble();
        JsonNode idle = python("consume", pythonDb, "backlog", "--size", "100", "--timeout", String.valueOf(idleSeconds));
        double pythonIdle = idle.get("commands").asDouble() / idle.get("seconds").asDouble();
        double target = server.name().equals("emulator") ? 3 : 10;
        add("consume CountWindow(100), " + backlog + " backlog", "msg/s", List.of(javaRate), "Python 0.6", List.of(pythonRate),
                ">= " + (int) target + "x Python", javaRate / pythonRate >= target, null);
        add("commands per window, CountWindow(100)", "commands", List.of(javaPerWindow), "Python 0.6",
                List.of(pythonPerWindow), null, null, "Java " + javaNames + "; Python " + r.get("names"));
        add("commands per idle second (consumer, empty stream)", "commands/s", List.of(javaIdle), "Python 0.6",
                List.of(pythonIdle), null, null, null);
    }

    private void sizeOneAtRates() throws Exception {
        List<Double> javaP99 = null;
        List<Double> pythonP50 = null;
        for (int rate : new int[] {20, 200, 1000}) {
            int seconds = rate == 20 ? latencySeconds : rateSeconds;
            RateRun java = javaAtRate(rate, seconds);
            RateRun python = pythonAtRate(rate, seconds);
            String keepsUp = "keeps up: Java " + java.keepsUp(rate) + ", Python " + python.keepsUp(rate)
                    + "; offered " + fmt1(java.offered) + " / " + fmt1(python.offered) + " msg/s; backlog at end Java "
                    + java.backlogAtEnd + ", Python " + python.backlogAtEnd;
            boolean saturated = rate == 1000;
            add("size-1 windows/s, producer at " + rate + " msg/s", "windows/s", List.of(java.windowsPerSecond), "Python 0.6",
                    List.of(python.windowsPerSecond), saturated ? ">= 10x Python" : null,
                    saturated ? java.windowsPerSecond / python.windowsPerSecond >= 10 : null, keepsUp);
            add("commands per window, size-1 at " + rate + " msg/s", "commands", List.of(java.commandsPerWindow), "Python 0.6",
                    List.of(python.commandsPerWindow), null, null, null);
            if (rate == 20) {
                add("append→window p50 at 20 msg/s", "ms", List.of(java.p50), "Python 0.6", List.of(python.p50), null, null,
                        java.samples + " / " + python.samples + " windows");
                add("append→window p99 at 20 msg/s", "ms", List.of(java.p99), "Python 0.6", List.of(python.p99), null, null, null);
                javaP99 = List.of(java.p99);
                pythonP50 = List.of(python.p50);
                add("Java p99 vs Python p50, append→window at 20 msg/s", "ms", javaP99, "Python 0.6 p50", pythonP50,
                        "Java p99 <= Python p50", java.p99 <= python.p50, null);
            }
        }
    }

    /** What one consumer did while a producer offered a rate. */
    record RateRun(double offered, double windowsPerSecond, long backlogAtEnd, double commandsPerWindow, double p50,
                   double p99, int samples) {
        String keepsUp(int rate) {
            return windowsPerSecond >= 0.95 * offered && backlogAtEnd <= Math.max(10, rate / 2) ? "yes" : "no";
        }
    }

    /**
     * Appends Python-shaped documents with the raw driver at {@code rate} for {@code seconds}, the
     * same producer for both sides. Returns {start, end} nanoTimes and the count appended.
     */
    private long[] produce(String database, String stream, int rate, int seconds) {
        try (MongoClient raw = MongoClients.create(server.base())) {
            MongoCollection<Document> buffer = raw.getDatabase(database).getCollection("buffer");
            long period = 1_000_000_000L / rate;
            long start = System.nanoTime();
            long end = start + seconds * 1_000_000_000L;
            long n = 0;
            for (long next = start; next < end; next += period) {
                long wait = next - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                }
                Map<String, Object> data = reading(n++);
                data.put("t", nowMicros());
                buffer.insertOne(bufferDocument(stream, data));
            }
            return new long[] {start, System.nanoTime(), n};
        }
    }

    private RateRun javaAtRate(int rate, int seconds) throws Exception {
        String db = freshDatabase("rate" + rate + "_java");
        try (JavaSide side = new JavaSide(server.base(), db)) {
            ConcurrentLinkedQueue<long[]> seen = new ConcurrentLinkedQueue<>();
            side.minibatch.stream("live"); // the stream exists before the consumer starts
            try (ConsumerHandle c = side.minibatch.streaming("live").size(1).start(w -> {
                long now = nowMicros();
                long arrived = System.nanoTime();
                for (JsonNode d : w.data()) {
                    seen.add(new long[] {arrived, now - d.get("t").asLong()});
                }
            })) {
                Thread.sleep(300);
                side.commands.reset();
                long[] run = produce(db, "live", rate, seconds);
                long backlogAtEnd = pending(db, "live");
                long commands = side.commands.total();
                return summarise(run, backlogAtEnd, commands, seenBetween(seen, run[0], run[1]));
            }
        }
    }

    private static List<Long> seenBetween(ConcurrentLinkedQueue<long[]> seen, long from, long to) {
        List<Long> out = new ArrayList<>();
        for (long[] s : seen) {
            if (s[0] >= from && s[0] <= to) {
                out.add(s[1]);
            }
        }
        return out;
    }

    private RateRun pythonAtRate(int rate, int seconds) throws Exception {
        String db = freshDatabase("rate" + rate + "_python");
        try (PythonBench python = PythonBench.start("consume", "--url", server.base() + "/" + db, "--stream", "live",
                "--size", "1", "--latency")) {
            python.await("ready", PYTHON_TIMEOUT);
            Thread.sleep(300);
            long[] run = produce(db, "live", rate, seconds);
            long backlogAtEnd = pending(db, "live");
            python.stop();
            JsonNode result = python.await("result", PYTHON_TIMEOUT);
            List<Long> latencies = python.latenciesBetween(run[0], run[1]);
            // Python counts from ready to stop: a little longer than the producing period
            return summarise(run, backlogAtEnd, result.get("commands").asLong(), latencies,
                    result.get("windows").asLong());
        }
    }

    private static RateRun summarise(long[] run, long backlogAtEnd, long commands, List<Long> latenciesMicros) {
        return summarise(run, backlogAtEnd, commands, latenciesMicros, latenciesMicros.size());
    }

    private static RateRun summarise(long[] run, long backlogAtEnd, long commands, List<Long> latenciesMicros,
                                     long windowsForCommands) {
        double seconds = (run[1] - run[0]) / 1e9;
        List<Long> sorted = new ArrayList<>(latenciesMicros);
        Collections.sort(sorted);
        return new RateRun(run[2] / seconds, sorted.size() / seconds, backlogAtEnd,
                windowsForCommands == 0 ? Double.NaN : (double) commands / windowsForCommands,
                percentile(sorted, 0.50) / 1000.0, percentile(sorted, 0.99) / 1000.0, sorted.size());
    }

    private static double percentile(List<Long> sorted, double p) {
        if (sorted.isEmpty()) {
            return Double.NaN;
        }
        return sorted.get((int) Math.min(sorted.size() - 1, Math.round(p * (sorted.size() - 1))));
    }

    private JsonNode python(String command, String database, String stream, String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of(command, "--url", server.base() + "/" + database, "--stream", stream));
        all.addAll(List.of(args));
        try (PythonBench python = PythonBench.start(all.toArray(String[]::new))) {
            return python.await("result", PYTHON_TIMEOUT);
        }
    }

    String markdown(double minutes) {
        StringBuilder md = new StringBuilder();
        md.append(SECTION_START).append("\n## MongoDB side by side: Python minibatch 0.6 and this project\n\n")
                .append("Generated by `dev.minibatch.bench.mongo.MongoSideBySide` (do not edit by hand; needs `tools/test-env/setup`):\n\n```\n")
                .append("./mvnw -q -B -o -pl minibatch-bench -am package -DskipTests\n")
                .append("java -cp \"minibatch-bench/target/classes:$(cat minibatch-bench/target/classpath.txt)\" dev.minibatch.bench.mongo.MongoSideBySide --markdown BENCHMARKS.md")
                .append(quick ? " --quick" : "").append("\n```\n\n")
                .append("Run ").append(Instant.now().truncatedTo(ChronoUnit.SECONDS)).append(", ")
                .append(String.format(Locale.ROOT, "%.1f", minutes)).append(" minutes")
                .append(quick ? ", QUICK sizes (a check, not a figure)" : "")
                .append(". One server at a time, a fresh server process per scenario (Java and Python share it): `emulator` =")
                .append(" mongo-java-server 1.47 (memory backend, ")
                .append(emulatorOplog ? "with its oplog, so change streams, which it answers at once instead of awaiting data"
                        : "no oplog, so no change streams: consumers poll")
                .append("; in a JVM of its own, no secondary indexes); `ferretdb` = FerretDB v1.24.2, SQLite backend, a separate")
                .append(" process (it answers only an exact `{_id: v}` filter from an index: every other read scans the collection,")
                .append(" so this store makes no secondary index there, and every modified document is a SQLite transaction of its")
                .append(" own).")
                .append(" Python = minibatch 0.6.0 from PyPI (pymongo 4.13.2, mongoengine 0.29.3) through")
                .append(" `minibatch-bench/src/main/python/minibatch_py_bench.py`, CountWindow with minibatch's LocalExecutor;")
                .append(" Java = this project's public API on a `MongoStore` over a counted `MongoClient` (windows=")
                .append(JavaSide.OPTIONS.windows()).append(", recovery=").append(JavaSide.OPTIONS.recovery())
                .append(", changeStream=").append(JavaSide.OPTIONS.changeStreams())
                .append("). ~100-byte messages. Commands are counted with a driver `CommandListener` (Java) and")
                .append(" `pymongo.monitoring.CommandListener` (Python); server monitoring is not counted on either side.")
                .append(" Values with a range are median (min–max) of pairs run back to back, the order flipped every pair;")
                .append(" ratios are Java ÷ other, per pair.")
                .append(" For command counts lower is better. Size-1 runs: one producer (raw driver, Python-shaped documents)")
                .append(" at the offered rate for ").append(rateSeconds).append(" s (").append(latencySeconds)
                .append(" s at 20 msg/s). The backlog is ").append(backlog).append(" messages on the emulator and ")
                .append(ferretDbBacklog).append(" on FerretDB (both sides consume at tens of msg/s there, so the emulator's size")
                .append(" would not fit the time budget); windows/s counts windows finished within the producing period; backlog = pending messages")
                .append(" when the producer stops; \"keeps up\" = windows/s ≥ 95% of offered and backlog ≤ max(10, rate/2).\n\n");
        String current = null;
        for (Row r : rows) {
            if (!r.server().equals(current)) {
                current = r.server();
                md.append("\n### ").append(current).append("\n\n")
                        .append("| scenario | Java | compared with | value | unit | Java ÷ other | target | met | note |\n")
                        .append("|---|---:|---|---:|---|---|---|---|---|\n");
            }
            md.append("| ").append(r.scenario()).append(" | ").append(fmt(r.java())).append(" | ").append(r.otherName())
                    .append(" | ").append(fmt(r.other())).append(" | ").append(r.unit()).append(" | ").append(ratio(r))
                    .append(" | ").append(r.target() == null ? "" : r.target()).append(" | ")
                    .append(r.met() == null ? "" : r.met() ? "yes" : "**no**").append(" | ")
                    .append(r.note() == null ? "" : r.note().replace("|", "/")).append(" |\n");
        }
        if (rows.stream().anyMatch(r -> r.server().equals("ferretdb"))) {
            md.append("\n").append(FERRETDB_NOTE).append("\n");
        }
        md.append("\n").append(SECTION_END).append("\n");
        return md.toString();
    }

    /** The side-by-side section of {@code file}, or "" (EndToEnd keeps it when it rewrites the file). */
    public static String existingSection(Path file) throws IOException {
        return SideBySideReport.existingSection(file);
    }
}
