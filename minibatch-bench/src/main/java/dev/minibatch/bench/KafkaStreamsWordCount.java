package dev.minibatch.bench;

import static dev.minibatch.bench.WordCountSupport.deleteRecursively;
import static dev.minibatch.bench.WordCountSupport.load;
import static dev.minibatch.bench.WordCountSupport.medianMillis;
import static dev.minibatch.bench.WordCountSupport.seconds;
import static dev.minibatch.bench.WordCountSupport.strayThreads;

import dev.minibatch.kafka.KafkaCluster;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.kstream.Materialized;

/**
 * The seeds' word count written twice on the same three-node {@link KafkaCluster} (three broker JVMs,
 * KRaft, replication 3, {@code min.insync.replicas=2}) that this bench starts itself: once with
 * <b>Kafka Streams</b> and once with <b>minibatch on its {@code kafka://} store</b>, both exactly once,
 * in interleaved repetitions (Kafka Streams, minibatch, Kafka Streams, minibatch …), every run on topics
 * of its own. Figures are the median over the repetitions with their range; ratios are minibatch ÷
 * Kafka Streams per repetition, then the median of those.
 *
 * <p><b>The workload.</b> A topic {@code lines} (6 partitions, replication 3) of lines of 10 words
 * (default) drawn from a fixed vocabulary of 5,000 made-up words with Zipf-like frequencies
 * (rank {@code r} has weight {@code 1/r}), all from {@code Random(seed)}: every run reads the same
 * lines. Lines are plain text ({@code "ka oru tesimo …"}), written by one raw idempotent producer
 * ({@code acks=all}), line {@code i} to partition {@code i % 6}: the same bytes in the same places for
 * both (minibatch reads a value that is not JSON as a JSON string).
 * <ul>
 *   <li><b>Kafka Streams</b>: {@code processing.guarantee=exactly_once_v2},
 *       {@code lines → flatMapValues(split) → groupBy(word) → count(Materialized.as("counts"))}: a
 *       repartition topic and a KTable of running totals per word, whose changelog topic is
 *       {@code <application.id>-counts-changelog}; {@code num.stream.threads=2},
 *       {@code replication.factor=3} for internal topics, and Kafka Streams' defaults otherwise (commit
 *       interval 100 ms under EOS, record cache 10 MiB, producer {@code linger.ms=100}); a fresh
 *       {@code application.id} and state directory per run.
 *   <li><b>minibatch on {@code kafka://}</b> ({@code kafka://…/?prefix=bench.&partitions=6&replication=3&minInsync=2}):
 *       {@code mb.stage("lines").flatMap(split).keyBy(word).map(w -> 1).to("words")} (a stage on
 *       {@code kafka://} consumes partition-ordered and commits each window's outputs with its input
 *       offsets in one Kafka transaction; default {@code batch(100)}: up to 100 lines a window) and
 *       {@code mb.streaming("words").keyBy().interval(100 ms).reduce("counts", Long.class, Long::sum)}
 *       (a keyed table whose state on {@code kafka://} is the compacted changelog topic
 *       {@code bench.__table.counts}, written in the same transaction as the window's input offsets).
 *       Stream and table names get a suffix per run. Thread budget: each of the two consumers has its
 *       default {@code workers(1)} — two threads that run user code and commit, as Kafka Streams' two
 *       stream threads do (each side also has its clients' I/O threads and minibatch a fetcher thread
 *       per consumer); {@code --workers N} changes both. (A stage alone with {@code workers(2)} moved
 *       words no faster than with one, 5,867 against ~6,000 words/s: each window is a Kafka transaction,
 *       and the store's transactions go one at a time through its one transactional producer. Before
 *       af0f8af it stalled: a window waited on the consumer thread for an earlier one queued behind it.)
 *       {@code --members N} starts each of the two consumers N times: N members of each group, each with
 *       its own Kafka consumer and transactional producer, whose transactions run side by side, as Kafka
 *       Streams' N stream threads are N members.
 * </ul>
 *
 * <p><b>Measured</b>, by the same means for both: a {@code read_committed} consumer of the table's
 * changelog topic (assigned all partitions from the beginning, the latest value per key kept; Kafka
 * Streams' values are 8-byte longs, minibatch's JSON numbers). Both contenders are in this JVM, one at a
 * time; the brokers are in theirs.
 * <ul>
 *   <li><b>throughput</b>: {@code --lines} lines preloaded into a fresh input topic before the app
 *       starts; the clock runs from the <em>first output</em> (first record on the changelog topic: group
 *       joins and internal topic creation differ, and are shown apart as "start → first output") to the
 *       moment the sum of the latest counts equals the number of words. Then the per-word counts are
 *       compared with a batch count of the input (a mismatch is printed loudly, and flagged in the table);
 *       for minibatch, {@code mb.table("counts").size()} and {@code get} of the ten most frequent words are
 *       checked against it too.
 *   <li><b>latency</b> (end to end: produce → committed total on the changelog topic): {@code --rate}
 *       lines a second for {@code --latency-seconds} (after {@code --latency-warmup} seconds left out),
 *       every {@code rate/10}-th line (every 100 ms) a probe whose first word is a unique
 *       {@code probe<N>}; latency = when the changelog consumer first sees {@code probe<N>} − when the
 *       line was handed to the producer ({@code System.nanoTime()}, same JVM). Probes are sent every
 *       100 ms before the paced part until one comes through, so the join is not latency. Reported as
 *       p50 and p99 (HdrHistogram); the counts are checked against the input afterwards as well.
 *   <li>a warm-up run of each contender (throughput, {@code --warmup-lines}) before the repetitions,
 *       not reported: JIT and the cluster's first transactions and groups.
 * </ul>
 *
 * <pre>
 * java -cp "minibatch-bench/target/classes:$(cat minibatch-bench/target/classpath.txt)" dev.minibatch.bench.KafkaStreamsWordCount
 *      [--reps 3] [--lines 20000] [--words-per-line 10] [--vocabulary 5000] [--seed 42] [--rate 100]
 *      [--latency-seconds 20] [--latency-warmup 3] [--warmup-lines 5000] [--workers 1] [--members 1] [--stage-batch 100]
 *      [--interval-ms 100] [--only throughput,latency] [--contenders ks,mb] [--timeout 600] [--out FILE] [--dir DIR]
 * </pre>
 */
public final class KafkaStreamsWordCount {

    static final int PARTITIONS = 6;
    static final String PREFIX = "bench.";
    static final String PROBE = "probe";

    // ---- settings ---------------------------------------------------------------------------------
    int reps = 3;
    int lines = 20_000;
    int wordsPerLine = 10;
    int vocabularySize = 5_000;
    long seed = 42;
    int rate = 100;
    int latencySeconds = 20;
    int latencyWarmup = 3;
    int warmupLines = 5_000;
    int workers = 1;
    int members = 1;
    int stageBatch = 100;
    int intervalMs = 100;
    int timeoutSeconds = 600;
    List<String> only = List.of("throughput", "latency");
    List<String> contenders = List.of("ks", "mb");
    Path out;
    Path dir;

    // ---- state ------------------------------------------------------------------------------------
    KafkaCluster cluster;
    Admin admin;
    String servers;
    String url;
    String[] vocabulary;
    double[] cumulative;
    final AtomicInteger runs = new AtomicInteger();
    final List<String> errors = new ArrayList<>();

    public static void main(String[] args) throws Exception {
        // Kafka Streams and the clients log every config at INFO; keep the output to the figures
        if (System.getProperty("org.slf4j.simpleLogger.log.org.apache.kafka") == null) {
            System.setProperty("org.slf4j.simpleLogger.log.org.apache.kafka", "error");
        }
        KafkaStreamsWordCount bench = new KafkaStreamsWordCount();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--reps" -> bench.reps = Integer.parseInt(args[++i]);
                case "--lines" -> bench.lines = Integer.parseInt(args[++i]);
                case "--words-per-line" -> bench.wordsPerLine = Integer.parseInt(args[++i]);
                case "--vocabulary" -> bench.vocabularySize = Integer.parseInt(args[++i]);
                case "--seed" -> bench.seed = Long.parseLong(args[++i]);
                case "--rate" -> bench.rate = Integer.parseInt(args[++i]);
                case "--latency-seconds" -> bench.latencySeconds = Integer.parseInt(args[++i]);
                case "--latency-warmup" -> bench.latencyWarmup = Integer.parseInt(args[++i]);
                case "--warmup-lines" -> bench.warmupLines = Integer.parseInt(args[++i]);
                case "--workers" -> bench.workers = Integer.parseInt(args[++i]);
                case "--members" -> bench.members = Integer.parseInt(args[++i]);
                case "--stage-batch" -> bench.stageBatch = Integer.parseInt(args[++i]);
                case "--interval-ms" -> bench.intervalMs = Integer.parseInt(args[++i]);
                case "--timeout" -> bench.timeoutSeconds = Integer.parseInt(args[++i]);
                case "--only" -> bench.only = List.of(args[++i].split(","));
                case "--contenders" -> bench.contenders = List.of(args[++i].split(","));
                case "--out" -> bench.out = Path.of(args[++i]);
                case "--dir" -> bench.dir = Path.of(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i] + "; usage: KafkaStreamsWordCount"
                        + " [--reps N] [--lines N] [--words-per-line N] [--vocabulary N] [--seed N] [--rate LINES_PER_S]"
                        + " [--latency-seconds S] [--latency-warmup S] [--warmup-lines N] [--workers N] [--members N] [--stage-batch N]"
                        + " [--interval-ms MS] [--only throughput,latency] [--contenders ks,mb] [--timeout S] [--out FILE] [--dir DIR]");
            }
        }
        if (bench.rate < 10 || bench.rate % 10 != 0) {
            throw new IllegalArgumentException("--rate must be a multiple of 10 lines/s (a probe every 100 ms), was " + bench.rate);
        }
        boolean ownDir = bench.dir == null;
        if (ownDir) {
            bench.dir = Files.createTempDirectory("minibatch-ks-wordcount");
        }
        try {
            bench.run();
        } finally {
            if (ownDir) {
                deleteRecursively(bench.dir);
            }
        }
        strayThreads();
    }

    void run() throws Exception {
        long began = System.nanoTime();
        vocabulary();
        System.out.printf(Locale.ROOT, "word count, Kafka Streams vs minibatch kafka://: %d repetitions; throughput %,d lines x %d words"
                        + " (vocabulary %,d, Zipf 1/r, seed %d); latency %d lines/s for %d s (+%d s left out), a probe every 100 ms;"
                        + " %d partitions, replication 3, min.insync.replicas 2; minibatch workers %d, members %d, stage batch %d, window %d ms%n",
                reps, lines, wordsPerLine, vocabularySize, seed, rate, latencySeconds, latencyWarmup, PARTITIONS, workers, members, stageBatch,
                intervalMs);
        try (KafkaCluster c = KafkaCluster.start(dir.resolve("cluster"))) {
            cluster = c;
            servers = c.bootstrapServers();
            url = "kafka://" + servers + "/?prefix=" + PREFIX + "&partitions=" + PARTITIONS + "&replication=3&minInsync=2";
            System.out.printf(Locale.ROOT, "cluster up in %.1f s: %s%nstore: %s%nload average %s on %d cores%n", seconds(began),
                    servers, url, load(), Runtime.getRuntime().availableProcessors());
            try (Admin a = c.admin()) {
                admin = a;
                Map<String, List<Throughput>> tput = new LinkedHashMap<>();
                Map<String, List<Latency>> lat = new LinkedHashMap<>();
                contenders.forEach(k -> {
                    tput.put(k, new ArrayList<>());
                    lat.put(k, new ArrayList<>());
                });
                if (warmupLines > 0) {
                    for (String k : contenders) {
                        try {
                            System.out.printf(Locale.ROOT, "  warm-up %s: %s%n", name(k), throughput(k, warmupLines, true));
                        } catch (Exception e) {
                            failed(name(k) + " warm-up", e);
                        }
                    }
                }
                for (int r = 1; r <= reps; r++) {
                    for (String k : contenders) {
                        if (wants("throughput")) {
                            Throughput t;
                            try {
                                t = throughput(k, lines, false);
                            } catch (Exception e) {
                                t = new Throughput(Double.NaN, Double.NaN, Double.NaN, false, "FAILED: " + e);
                                failed(name(k) + " throughput rep " + r, e);
                            }
                            tput.get(k).add(t);
                            System.out.printf(Locale.ROOT, "  rep %d %s throughput: %s (load %s)%n", r, name(k), t, load());
                        }
                        if (wants("latency")) {
                            Latency l;
                            try {
                                l = latency(k);
                            } catch (Exception e) {
                                l = new Latency(Double.NaN, Double.NaN, 0, Double.NaN, false, "FAILED: " + e);
                                failed(name(k) + " latency rep " + r, e);
                            }
                            lat.get(k).add(l);
                            System.out.printf(Locale.ROOT, "  rep %d %s latency: %s (load %s)%n", r, name(k), l, load());
                        }
                    }
                }
                String table = WordCountSupport.report(this, tput, lat, seconds(began));
                System.out.println();
                System.out.println(table);
                if (out != null) {
                    Files.writeString(out, table, StandardCharsets.UTF_8);
                    System.out.println("written to " + out);
                }
            }
        }
        System.out.printf(Locale.ROOT, "word count bench done in %.1f min%n", seconds(began) / 60);
    }

    private void failed(String what, Exception e) {
        System.out.println("!!!!! " + what + " FAILED:");
        e.printStackTrace(System.out);
        errors.add(what + " failed: " + e);
    }

    private boolean wants(String part) {
        return only.contains(part);
    }

    static String name(String contender) {
        return contender.equals("ks") ? "Kafka Streams" : "minibatch kafka://";
    }

    // ---- the input ------------------------------------------------------------------------------

    /** 5,000 (say) made-up lowercase words, distinct, none starting with {@code probe}; rank r has weight 1/r. */
    void vocabulary() {
        Random random = new Random(seed);
        Set<String> words = new LinkedHashSet<>();
        String syllables = "ka,ru,mo,te,si,na,lo,vi,pe,da,zu,ri,go,ha,be,ni,so,tu,me,ya";
        String[] s = syllables.split(",");
        while (words.size() < vocabularySize) {
            int n = 1 + random.nextInt(4);
            StringBuilder w = new StringBuilder();
            for (int i = 0; i < n; i++) {
                w.append(s[random.nextInt(s.length)]);
            }
            if (random.nextInt(3) == 0) {
                w.append((char) ('a' + random.nextInt(26)));
            }
            if (!w.toString().startsWith(PROBE)) {
                words.add(w.toString());
            }
        }
        vocabulary = words.toArray(String[]::new);
        cumulative = new double[vocabulary.length];
        double total = 0;
        for (int r = 0; r < vocabulary.length; r++) {
            total += 1.0 / (r + 1);
            cumulative[r] = total;
        }
        for (int r = 0; r < vocabulary.length; r++) {
            cumulative[r] /= total;
        }
    }

    String word(Random random) {
        int at = Arrays.binarySearch(cumulative, random.nextDouble());
        return vocabulary[Math.min(vocabulary.length - 1, at < 0 ? -at - 1 : at)];
    }

    /** A line of {@link #wordsPerLine} words; with {@code first} non-null, that is its first word. */
    String line(Random random, String first, Map<String, Long> expected) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < wordsPerLine; i++) {
            String w = i == 0 && first != null ? first : word(random);
            expected.merge(w, 1L, Long::sum);
            b.append(i == 0 ? "" : " ").append(w);
        }
        return b.toString();
    }

    // ---- one contender --------------------------------------------------------------------------

    WordCountApp app(String contender, String id) throws Exception {
        return contender.equals("ks") ? new WordCountApp.StreamsApp(id, dir, cluster, servers)
                : new WordCountApp.MinibatchApp(id, url, stageBatch, workers, intervalMs, members);
    }

    /** Waits until the changelog's counts add up to {@code words}; false on timeout. */
    boolean awaitSum(WordCountApp app, ChangelogReader reader, long words, long timeoutNanos, String what) throws Exception {
        reader.target(words);
        long deadline = System.nanoTime() + timeoutNanos;
        long report = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (reader.targetNanos == 0) {
            if (app.failure() != null) {
                throw new IllegalStateException(what + ": the app failed: " + app.failure(), app.failure());
            }
            if (reader.failure != null) {
                throw new IllegalStateException(what + ": changelog reader failed", reader.failure);
            }
            if (System.nanoTime() > deadline) {
                return false;
            }
            if (System.nanoTime() > report) {
                report += TimeUnit.SECONDS.toNanos(15);
                System.out.printf(Locale.ROOT, "    ... %s: %s of %,d words%s%n", what, reader.progress(), words,
                        app instanceof WordCountApp.MinibatchApp m ? "; " + m.stats() : "");
            }
            Thread.sleep(2);
        }
        return true;
    }

    /** Compares the changelog's counts with the batch count; prints a loud error and returns false on a mismatch. */
    boolean check(String what, Map<String, Long> expected, Map<String, Long> counted) {
        if (expected.equals(counted)) {
            return true;
        }
        Set<String> keys = new HashSet<>(expected.keySet());
        keys.addAll(counted.keySet());
        List<String> wrong = new ArrayList<>();
        for (String k : keys) {
            if (!java.util.Objects.equals(expected.get(k), counted.get(k))) {
                wrong.add(k + " expected " + expected.get(k) + " counted " + counted.get(k));
            }
        }
        String text = String.format(Locale.ROOT, "!!!!! WRONG COUNTS in %s: %,d of %,d words differ from a batch count of the input, e.g. %s",
                what, wrong.size(), keys.size(), wrong.subList(0, Math.min(5, wrong.size())));
        System.out.println(text);
        errors.add(text);
        return false;
    }

    // ---- throughput -------------------------------------------------------------------------------

    /** One throughput run: words/s from the first output to the last count, and start → first output. */
    record Throughput(double rate, double toFirstSeconds, double seconds, boolean correct, String note) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%,.0f words/s (%.2f s from first output; start -> first output %.1f s)%s%s",
                    rate, seconds, toFirstSeconds, correct ? "" : " WRONG COUNTS", note.isEmpty() ? "" : " " + note);
        }
    }

    Throughput throughput(String contender, int lineCount, boolean warm) throws Exception {
        String id = (warm ? "w" : "t") + runs.incrementAndGet();
        String what = name(contender) + " throughput " + id;
        Set<String> before = topics();
        Map<String, Long> expected = new HashMap<>();
        long words = (long) lineCount * wordsPerLine;
        try (WordCountApp app = app(contender, id)) {
            Random random = new Random(seed);
            try (KafkaProducer<byte[], byte[]> producer = producer()) {
                for (int i = 0; i < lineCount; i++) {
                    producer.send(new ProducerRecord<>(app.linesTopic(), i % PARTITIONS, null,
                            line(random, null, expected).getBytes(StandardCharsets.UTF_8)));
                }
                producer.flush();
            }
            System.gc(); // the fill's garbage is not the app's cost
            try (ChangelogReader reader = new ChangelogReader(app.changelogTopic(), app::count, servers, admin)) {
                long started = System.nanoTime();
                app.start();
                boolean done = awaitSum(app, reader, words, TimeUnit.SECONDS.toNanos(timeoutSeconds), what);
                long end = done ? reader.targetNanos : System.nanoTime();
                long first = reader.firstNanos == 0 ? end : reader.firstNanos;
                String note = "";
                boolean correct;
                if (!done) {
                    note = "INCOMPLETE after " + timeoutSeconds + " s: " + reader.progress();
                    System.out.println("!!!!! " + what + " " + note);
                    errors.add(what + " " + note);
                    correct = false;
                } else {
                    Thread.sleep(500); // a duplicate would come after the last new one
                    correct = check(what, expected, new HashMap<>(reader.latest));
                    if (app instanceof WordCountApp.MinibatchApp m) {
                        String query = m.queryCheck(expected);
                        if (!query.isEmpty()) {
                            String text = "!!!!! " + what + ": mb.table(\"" + m.table + "\") disagrees with its changelog: " + query;
                            System.out.println(text);
                            errors.add(text);
                            note = "TABLE QUERIES DISAGREE";
                        }
                    }
                }
                double counted = done ? words : reader.sum;
                return new Throughput(counted / Math.max(1e-9, (end - first) / 1e9), (first - started) / 1e9, (end - first) / 1e9,
                        correct, note);
            }
        } finally {
            dropTopics(before);
        }
    }

    // ---- latency ----------------------------------------------------------------------------------

    /** One latency run: p50 and p99 in ms over the probes of the paced part. */
    record Latency(double p50, double p99, long probes, double toFirstSeconds, boolean correct, String note) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "p50 %.1f ms, p99 %.1f ms over %d probes (start -> first probe through %.1f s)%s%s",
                    p50, p99, probes, toFirstSeconds, correct ? "" : " WRONG COUNTS", note.isEmpty() ? "" : " " + note);
        }
    }

    Latency latency(String contender) throws Exception {
        String id = "l" + runs.incrementAndGet();
        String what = name(contender) + " latency " + id;
        Set<String> before = topics();
        Map<String, Long> expected = new HashMap<>();
        Map<String, Long> sent = new HashMap<>();
        Set<String> measured = new HashSet<>();
        long words = 0;
        try (WordCountApp app = app(contender, id);
             ChangelogReader reader = new ChangelogReader(app.changelogTopic(), app::count, servers, admin);
             KafkaProducer<byte[], byte[]> producer = producer()) {
            Random random = new Random(seed + 1);
            int probe = 0;
            long started = System.nanoTime();
            app.start();
            long deadline = started + TimeUnit.MINUTES.toNanos(3);
            int line = 0;
            while (reader.probesSeen.isEmpty()) { // probes until one comes through: the join is not latency
                if (app.failure() != null) {
                    throw new IllegalStateException(what + ": the app failed: " + app.failure(), app.failure());
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(what + ": no probe through after 3 min; " + reader.progress());
                }
                String p = PROBE + probe++;
                sent.put(p, System.nanoTime());
                producer.send(new ProducerRecord<>(app.linesTopic(), line++ % PARTITIONS, null,
                        line(random, p, expected).getBytes(StandardCharsets.UTF_8)));
                words += wordsPerLine;
                Thread.sleep(100);
            }
            double toFirst = seconds(started);
            long period = TimeUnit.SECONDS.toNanos(1) / rate;
            int every = rate / 10;
            int total = rate * (latencyWarmup + latencySeconds);
            int warmLines = rate * latencyWarmup;
            long next = System.nanoTime();
            for (int i = 0; i < total; i++) {
                long wait;
                while ((wait = next - System.nanoTime()) > 0) {
                    LockSupport.parkNanos(wait);
                }
                String first = null;
                if (i % every == 0) {
                    first = PROBE + probe++;
                    if (i >= warmLines) {
                        measured.add(first);
                    }
                }
                byte[] value = line(random, first, expected).getBytes(StandardCharsets.UTF_8);
                if (first != null) {
                    sent.put(first, System.nanoTime());
                }
                producer.send(new ProducerRecord<>(app.linesTopic(), line++ % PARTITIONS, null, value));
                words += wordsPerLine;
                next += period;
                if (i % rate == 0 && app.failure() != null) {
                    throw new IllegalStateException(what + ": the app failed: " + app.failure(), app.failure());
                }
            }
            producer.flush();
            boolean done = awaitSum(app, reader, words, TimeUnit.SECONDS.toNanos(120), what);
            String note = "";
            boolean correct = done;
            if (!done) {
                note = "INCOMPLETE: " + reader.progress() + " of " + words + " words";
                System.out.println("!!!!! " + what + " " + note);
                errors.add(what + " " + note);
            } else {
                Thread.sleep(500);
                correct = check(what, expected, new HashMap<>(reader.latest));
            }
            Histogram h = new Histogram(TimeUnit.SECONDS.toMicros(120), 3);
            int missing = 0;
            for (String p : measured) {
                Long seen = reader.probesSeen.get(p);
                if (seen == null) {
                    missing++;
                } else {
                    h.recordValue(Math.max(0, (seen - sent.get(p)) / 1_000));
                }
            }
            if (missing > 0) {
                note += " " + missing + " probes never seen";
            }
            // whether the app kept up: latency growing over the run means a backlog building
            List<Long> inOrder = measured.stream().filter(reader.probesSeen::containsKey).sorted(
                    java.util.Comparator.comparingLong(sent::get)).map(p -> reader.probesSeen.get(p) - sent.get(p)).toList();
            if (inOrder.size() >= 20) {
                int tenth = inOrder.size() / 10;
                note += String.format(Locale.ROOT, " (first tenth of the probes median %.0f ms, last tenth %.0f ms)",
                        medianMillis(inOrder.subList(0, tenth)), medianMillis(inOrder.subList(inOrder.size() - tenth, inOrder.size())));
            }
            return new Latency(h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(99) / 1000.0, h.getTotalCount(), toFirst,
                    correct, note);
        } finally {
            dropTopics(before);
        }
    }

    // ---- clients and topics -----------------------------------------------------------------------

    KafkaProducer<byte[], byte[]> producer() {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("bootstrap.servers", servers);
        p.put("acks", "all");
        p.put("enable.idempotence", true);
        p.put("linger.ms", 1);
        return new KafkaProducer<>(p, new org.apache.kafka.common.serialization.ByteArraySerializer(),
                new org.apache.kafka.common.serialization.ByteArraySerializer());
    }

    Set<String> topics() throws Exception {
        return new HashSet<>(admin.listTopics().names().get(30, TimeUnit.SECONDS));
    }

    /** Deletes the topics a run made (not the cluster's and the store's own, whose names start with {@code __}). */
    void dropTopics(Set<String> before) {
        try {
            Set<String> made = topics();
            made.removeAll(before);
            made.removeIf(t -> t.startsWith("__"));
            if (!made.isEmpty()) {
                admin.deleteTopics(made).all().get(60, TimeUnit.SECONDS);
            }
        } catch (Exception e) {
            System.out.println("  (could not delete the run's topics: " + e + ")");
        }
    }
}
