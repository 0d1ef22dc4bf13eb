package dev.minibatch.bench;

import dev.minibatch.Minibatch;
import dev.minibatch.Stream;
import dev.minibatch.kafka.KafkaCluster;
import dev.minibatch.model.ConsumerHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The {@code kafka://} stream store (issue #24) against raw kafka-clients loops on a three-node
 * {@link KafkaCluster} (three broker JVMs, KRaft) that this bench starts itself. Every figure is
 * measured in interleaved repetitions (limit, figure, limit, figure …) and reported as the median over
 * the repetitions with its range; ratios are figure ÷ limit per repetition, then the median of those.
 *
 * <ul>
 *   <li><b>consume</b>: a {@code CountWindow(1000)} consumer on {@code kafka://} draining a preloaded
 *       topic, against a raw {@link KafkaShareConsumer} loop in explicit mode (poll, acknowledge ACCEPT
 *       each, {@code commitSync} per 1,000 records) and, beside it, a raw classic {@link KafkaConsumer}
 *       loop (poll, {@code commitSync} per poll). Each run has a topic of its own (same layout, filled by
 *       the same raw idempotent producer with the same ~100-byte payloads) and a fresh group; share groups
 *       get {@code share.auto.offset.reset=earliest} by Admin before their consumer joins. The clock
 *       starts at the first delivery (first non-empty poll; first window), so group joins are excluded;
 *   <li><b>append</b>: {@code appendAll} in batches of 1,000 (one record batch each: no keys, ~100 KB)
 *       against a raw idempotent producer ({@code acks=all}: send 1,000, flush), beside a raw producer
 *       doing what the store does (the 1,000 to one partition in turn, {@code batch.size} 1 MiB, flush)
 *       and a raw transactional producer (begin, send 1,000, commit: what larger or keyed appends cost);
 *   <li><b>latency</b>: append → window at 100 msg/s, size-1 windows, one {@code append} per message
 *       (sender's {@code System.nanoTime()} in the payload), against a raw loop's produce → poll
 *       (idempotent producer {@code send().get()} → {@link KafkaShareConsumer} poll); the same minibatch
 *       scenario on {@code sqlite:} and the MongoDB emulator (mongo-java-server in a JVM of its own) for
 *       context.
 * </ul>
 *
 * <pre>
 * java -cp "minibatch-bench/target/classes:$(cat minibatch-bench/target/classpath.txt)" dev.minibatch.bench.KafkaStoreBenchmarks
 *      [--pairs 5] [--consume 100000] [--append 100000] [--latency 1500] [--only consume,append,latency] [--dir DIR]
 * </pre>
 *
 * or as the opt-in group of {@link EndToEnd}: {@code EndToEnd --only kafka-store}.
 */
public final class KafkaStoreBenchmarks {

    static final int PARTITIONS = 6;
    static final int BATCH = 1000;
    static final int LATENCY_RATE = 100;
    static final double[] PERCENTILES = {50, 99};
    /**
     * Consume runs preload one window more than they time ({@code count + TAIL}, timed until
     * {@code count} are done), for the raw loops as for kafka://: on kafka:// the window that would
     * drain a backlog exactly can stall (its last records sit in share consumers' fetch buffers; see
     * BENCHMARKS.md), which is reported on its own, not folded into the rate.
     */
    static final int TAIL = BATCH;

    final Path dir;
    final int pairs;
    private final int consumeCount;
    final int appendCount;
    final int latencyMessages;
    final List<String> only;
    final Consumer<Result> record;
    final AtomicInteger names = new AtomicInteger();
    final AtomicInteger stalls = new AtomicInteger();
    final List<String> lines = new ArrayList<>();
    KafkaCluster cluster;
    Admin admin;
    String servers;
    String url;

    KafkaStoreBenchmarks(Path dir, int pairs, int consumeCount, int appendCount, int latencyMessages, List<String> only,
                         Consumer<Result> record) {
        this.dir = dir;
        this.pairs = pairs;
        this.consumeCount = consumeCount - consumeCount % BATCH;
        this.appendCount = appendCount - appendCount % BATCH;
        this.latencyMessages = latencyMessages;
        this.only = only;
        this.record = record;
    }

    public static void main(String[] args) throws Exception {
        int pairs = 5;
        int consume = 100_000;
        int append = 100_000;
        int latency = 1_500;
        Path dir = null;
        List<String> only = List.of();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--pairs" -> pairs = Integer.parseInt(args[++i]);
                case "--consume" -> consume = Integer.parseInt(args[++i]);
                case "--append" -> append = Integer.parseInt(args[++i]);
                case "--latency" -> latency = Integer.parseInt(args[++i]);
                case "--only" -> only = List.of(args[++i].split(","));
                case "--dir" -> dir = Path.of(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i] + "; usage: KafkaStoreBenchmarks"
                        + " [--pairs N] [--consume N] [--append N] [--latency N] [--only consume,append,latency] [--dir DIR]");
            }
        }
        if (dir == null) {
            dir = Files.createTempDirectory("minibatch-kafka-store-bench");
        }
        List<Result> results = new ArrayList<>();
        KafkaStoreBenchmarks bench = new KafkaStoreBenchmarks(dir, pairs, consume, append, latency, only, results::add);
        bench.run();
        System.out.println();
        bench.lines.forEach(System.out::println);
        System.out.println();
        System.out.println(EndToEnd.Report.table(results));
        try (java.util.stream.Stream<Path> files = Files.walk(dir)) { // the cluster's data
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }

    /** Starts the cluster, runs the wanted parts, stops the cluster; figures go to {@code record} and {@link #lines()}. */
    void run() throws Exception {
        long began = System.nanoTime();
        System.out.printf(Locale.ROOT, "kafka:// store bench: %d repetitions; consume %,d msgs, append %,d msgs (batches of %d),"
                + " latency %,d msgs at %d msg/s; %d partitions, replication 3, min.insync.replicas 2%n", pairs, consumeCount,
                appendCount, BATCH, latencyMessages, LATENCY_RATE, PARTITIONS);
        try (KafkaCluster c = KafkaCluster.start(dir.resolve("cluster"))) {
            cluster = c;
            servers = c.bootstrapServers();
            // -Dkafkabench.urlOptions=kafka.share.acquire.mode=record_limit (say) adds options, for diagnosis
            String extra = System.getProperty("kafkabench.urlOptions", "");
            url = "kafka://" + servers + "/?prefix=bench.&partitions=" + PARTITIONS + "&replication=3&minInsync=2"
                    + (extra.isEmpty() ? "" : "&" + extra);
            System.out.println("store: " + url);
            System.out.printf(Locale.ROOT, "cluster up in %.1f s: %s%n", seconds(began), servers);
            try (Admin a = c.admin()) {
                admin = a;
                if (wants("consume")) {
                    consume();
                }
                if (wants("append")) {
                    new KafkaStoreAppends(this).run();
                }
                if (wants("latency")) {
                    new KafkaStoreLatency(this).run();
                }
            }
        }
        System.out.printf(Locale.ROOT, "kafka:// store bench done in %.1f min%n", seconds(began) / 60);
    }

    List<String> lines() {
        return lines;
    }

    private boolean wants(String part) {
        return only.isEmpty() || only.contains(part);
    }

    // ---- consume --------------------------------------------------------------------------------

    /** One consume run: the rate from the first delivery on, the time before it (join), and a breakdown. */
    record Drain(double rate, double joinSeconds, String breakdown) {
    }

    private void consume() throws Exception {
        System.out.printf(Locale.ROOT, "consume: %,d preloaded msgs per run, CountWindow(%d) vs raw share loop vs raw classic loop%n",
                consumeCount, BATCH);
        int warm = Math.max(BATCH, Math.min(20_000, consumeCount / 5 - consumeCount / 5 % BATCH));
        rawShare(filledTopic("warm-share", warm), warm); // JIT, and the cluster's internal topics made on first use
        minibatchDrain(warm);
        rawClassic(filledTopic("warm-classic", warm), warm);
        stalls.set(0);
        List<Drain> share = new ArrayList<>();
        List<Drain> ours = new ArrayList<>();
        List<Drain> classic = new ArrayList<>();
        for (int p = 0; p < pairs; p++) {
            String shareTopic = filledTopic("share", consumeCount);
            String classicTopic = filledTopic("classic", consumeCount);
            share.add(rawShare(shareTopic, consumeCount));
            ours.add(minibatchDrain(consumeCount));
            classic.add(rawClassic(classicTopic, consumeCount));
            System.out.printf(Locale.ROOT, "  pair %d: raw share %,.0f msg/s (join %.1f s; %s) | kafka:// %,.0f msg/s (join %.1f s;"
                            + " %s) = %.2f | raw classic %,.0f msg/s (join %.1f s)%n", p + 1, share.get(p).rate(),
                    share.get(p).joinSeconds(), share.get(p).breakdown(), ours.get(p).rate(), ours.get(p).joinSeconds(),
                    ours.get(p).breakdown(), ours.get(p).rate() / share.get(p).rate(), classic.get(p).rate(),
                    classic.get(p).joinSeconds());
        }
        double[] limit = share.stream().mapToDouble(Drain::rate).toArray();
        double[] figure = ours.stream().mapToDouble(Drain::rate).toArray();
        double[] classicRates = classic.stream().mapToDouble(Drain::rate).toArray();
        row("consume", "CountWindow(" + BATCH + ") on kafka://, " + consumeCount + " preloaded", figure, "msg/s",
                "raw KafkaShareConsumer loop (explicit ACCEPT, commitSync per 1000)", limit, 0.70);
        row("consume", "raw classic KafkaConsumer loop (poll, commitSync per poll)", classicRates, "msg/s",
                "raw KafkaShareConsumer loop", limit, null);
        line("consume", "kafka:// runs that stalled (no window for 60 s; their rate counts up to the last window): %d of %d",
                stalls.get(), pairs);
        line("consume", "group join, excluded from the rates: raw share %s s, kafka:// %s s, raw classic %s s",
                summary(share.stream().mapToDouble(Drain::joinSeconds).toArray(), "%.1f"),
                summary(ours.stream().mapToDouble(Drain::joinSeconds).toArray(), "%.1f"),
                summary(classic.stream().mapToDouble(Drain::joinSeconds).toArray(), "%.1f"));
    }

    /** Creates a topic of the store's layout and fills it with the benchmark payloads (before any clock). */
    private String filledTopic(String kind, int count) throws Exception {
        String topic = "raw." + kind + "-" + names.incrementAndGet();
        cluster.createTopic(topic, PARTITIONS);
        fill(topic, count + TAIL);
        return topic;
    }

    private void fill(String topic, int count) {
        try (KafkaProducer<byte[], byte[]> producer = idempotentProducer()) {
            for (int i = 0; i < count; i++) {
                producer.send(new ProducerRecord<>(topic, null, System.currentTimeMillis(), null,
                        Payloads.readingJson(i).getBytes(StandardCharsets.UTF_8)));
            }
            producer.flush();
        }
    }

    /** Explicit mode: poll, acknowledge ACCEPT each record, commitSync per 1,000 records. */
    private Drain rawShare(String topic, int count) throws Exception {
        String group = "raw-share-" + topic;
        earliest(group);
        long opened = System.nanoTime();
        long first = 0;
        long commits = 0;
        long commitNanos = 0;
        long polls = 0;
        long pollNanos = 0;
        int got = 0;
        int unacknowledged = 0;
        try (KafkaShareConsumer<byte[], byte[]> consumer = new KafkaShareConsumer<>(shareProps(group),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
            while (got < count) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("raw share consumer got " + got + " of " + count);
                }
                long t = System.nanoTime();
                ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(100));
                if (records.isEmpty()) {
                    continue;
                }
                if (first == 0) {
                    first = System.nanoTime();
                } else {
                    polls++;
                    pollNanos += System.nanoTime() - t;
                }
                for (ConsumerRecord<byte[], byte[]> r : records) {
                    consumer.acknowledge(r, AcknowledgeType.ACCEPT);
                    got++;
                    unacknowledged++;
                }
                if (unacknowledged >= BATCH || got >= count) {
                    long c = System.nanoTime();
                    consumer.commitSync();
                    commitNanos += System.nanoTime() - c;
                    commits++;
                    unacknowledged = 0;
                }
            }
        }
        long end = System.nanoTime();
        return new Drain(got / ((end - first) / 1e9), (first - opened) / 1e9, String.format(Locale.ROOT,
                "commitSync %.1f ms x %d, poll %.2f ms x %d", commitNanos / 1e6 / Math.max(1, commits), commits,
                pollNanos / 1e6 / Math.max(1, polls), polls));
    }

    /** poll, commitSync per poll; a fresh group reading from the earliest offset. */
    private Drain rawClassic(String topic, int count) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, servers);
        c.put(ConsumerConfig.GROUP_ID_CONFIG, "raw-classic-" + topic);
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        long opened = System.nanoTime();
        long first = 0;
        int got = 0;
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(c, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
            while (got < count) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("raw classic consumer got " + got + " of " + count);
                }
                ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(100));
                if (records.isEmpty()) {
                    continue;
                }
                if (first == 0) {
                    first = System.nanoTime();
                }
                got += records.count();
                consumer.commitSync();
            }
        }
        long end = System.nanoTime();
        return new Drain(got / ((end - first) / 1e9), (first - opened) / 1e9, "");
    }

    /** A CountWindow(1000) consumer on a fresh kafka:// stream whose topic the raw producer filled. */
    private Drain minibatchDrain(int count) throws Exception {
        String stream = "consume-" + names.incrementAndGet();
        try (Minibatch mb = Minibatch.builder().url(url).shutdownHook(false).build()) {
            mb.stream(stream); // creates the topic (the store's layout)
            fill("bench." + stream, count + TAIL);
            System.gc(); // the fill's garbage is not the consumer's cost
            AtomicLong first = new AtomicLong();
            long opened = System.nanoTime();
            ConsumerHandle consumer = mb.streaming(stream).size(BATCH).start(window -> first.compareAndSet(0, System.nanoTime()));
            Thread watcher = Boolean.getBoolean("kafkabench.watchOffsets") ? watchOffsets(stream, consumer) : null;
            // a run that makes no progress for this long is stopped and reported as stalled (rate up to its last window)
            long stallNanos = TimeUnit.SECONDS.toNanos(Long.getLong("kafkabench.stallSeconds", 60));
            long lastProgress = System.nanoTime();
            long done = 0;
            while (done < count) {
                if (consumer.failure() != null) {
                    throw new IllegalStateException("kafka:// consumer failed: " + consumer.stats(), consumer.failure());
                }
                long now = consumer.stats().messages();
                if (now != done) {
                    done = now;
                    lastProgress = System.nanoTime();
                } else if (System.nanoTime() - lastProgress > stallNanos) {
                    break;
                }
                Thread.sleep(1);
            }
            long end = done >= count ? System.nanoTime() : lastProgress;
            boolean stalled = done < count;
            if (watcher != null) {
                watcher.interrupt();
            }
            consumer.stop();
            // (the commit breakdown BENCHMARKS.md quotes came from timing counters in the store, since removed)
            String breakdown = "";
            if (stalled) {
                System.out.printf(Locale.ROOT, "  kafka:// STALLED: %,d of %,d messages windowed, then no window for %d s%n",
                        done, count, TimeUnit.NANOSECONDS.toSeconds(stallNanos));
                breakdown = "STALLED after " + done + " of " + count + "; " + breakdown;
                stalls.incrementAndGet();
            }
            return new Drain(first.get() == 0 ? 0 : done / ((end - first.get()) / 1e9),
                    first.get() == 0 ? Double.NaN : (first.get() - opened) / 1e9, breakdown);
        }
    }

    /**
     * For diagnosis ({@code -Dkafkabench.watchOffsets=true}): every 5 s, the share group's start offset
     * (SPSO) and lag per partition, beside the messages windowed so far.
     */
    private Thread watchOffsets(String stream, ConsumerHandle consumer) {
        String group = "bench." + stream;
        Thread t = new Thread(() -> {
            long began = System.nanoTime();
            try {
                while (!Thread.currentThread().isInterrupted()) {
                    Thread.sleep(5_000);
                    Map<org.apache.kafka.common.TopicPartition, org.apache.kafka.clients.admin.SharePartitionOffsetInfo> info =
                            admin.listShareGroupOffsets(Map.of(group, new org.apache.kafka.clients.admin.ListShareGroupOffsetsSpec()))
                                    .partitionsToOffsetInfo(group).get(10, TimeUnit.SECONDS);
                    StringBuilder out = new StringBuilder(String.format(Locale.ROOT, "    offsets %s t=%.0fs windowed=%d:",
                            group, seconds(began), consumer.stats().messages()));
                    info.entrySet().stream().sorted(Map.Entry.comparingByKey(
                            java.util.Comparator.comparingInt(org.apache.kafka.common.TopicPartition::partition))).forEach(e ->
                            out.append(String.format(Locale.ROOT, " p%d start %d lag %s", e.getKey().partition(),
                                    e.getValue() == null ? -1 : e.getValue().startOffset(),
                                    e.getValue() == null ? "?" : e.getValue().lag().map(String::valueOf).orElse("?"))));
                    System.out.println(out);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Exception e) {
                System.out.println("    offsets watcher: " + e);
            }
        }, "offsets-watcher");
        t.setDaemon(true);
        t.start();
        return t;
    }

    // ---- latency --------------------------------------------------------------------------------


    static void check(long deadline, boolean healthy, String what) {
        if (!healthy || System.nanoTime() > deadline) {
            throw new IllegalStateException(what);
        }
    }

    static Histogram histogram() {
        return new Histogram(TimeUnit.SECONDS.toMicros(60), 3);
    }

    static long micros(long nanos) {
        return Math.max(0, nanos / 1_000);
    }

    static double[] percentiles(Histogram h) {
        double[] out = new double[PERCENTILES.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = h.getValueAtPercentile(PERCENTILES[i]);
        }
        return out;
    }

    // ---- clients ----------------------------------------------------------------------------------

    Map<String, Object> producerConfig() {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, servers);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 1); // as the store's producers
        return p;
    }

    KafkaProducer<byte[], byte[]> idempotentProducer() {
        return new KafkaProducer<>(producerConfig(), new ByteArraySerializer(), new ByteArraySerializer());
    }

    Map<String, Object> shareProps(String group) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, servers);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        p.put(ConsumerConfig.SHARE_ACKNOWLEDGEMENT_MODE_CONFIG, "explicit");
        return p;
    }

    /** {@code share.auto.offset.reset=earliest} on the group, before its first consumer joins. */
    void earliest(String group) throws Exception {
        admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.GROUP, group), List.of(
                new AlterConfigOp(new ConfigEntry("share.auto.offset.reset", "earliest"), AlterConfigOp.OpType.SET))))
                .all().get(60, TimeUnit.SECONDS);
    }

    // ---- report ---------------------------------------------------------------------------------

    /** Records the median figure against the median limit, and a line with ranges and the per-pair ratios. */
    void row(String part, String name, double[] figure, String unit, String limitName, double[] limit, Double target) {
        double med = median(figure);
        Double limitMedian = limit == null ? null : median(limit);
        String targetText = target == null ? null : String.format(Locale.ROOT, ">= %.0f%% of raw", target * 100);
        record.accept(new Result("kafka-store", name + " (median of " + figure.length + ")", name.contains("sqlite") ? "sqlite" : name.contains("MongoDB") ? "mongodb" : "kafka", med, unit, limitMedian,
                limitName, targetText));
        String fmt = unit.equals("ms") ? "%.2f" : "%,.0f";
        if (limit == null) {
            line(part, "%s: %s %s", name, summary(figure, fmt), unit);
            return;
        }
        double[] ratios = new double[figure.length];
        for (int i = 0; i < ratios.length; i++) {
            ratios[i] = figure[i] / limit[i];
        }
        String met = target == null ? "" : median(ratios) >= target ? "; target met" : "; TARGET MISSED";
        line(part, "%s: %s %s | %s: %s %s | ratio %s, pairs %s%s%s", name, summary(figure, fmt), unit, limitName,
                summary(limit, fmt), unit, summary(ratios, "%.2f"), Arrays.toString(round(ratios)),
                target == null ? "" : String.format(Locale.ROOT, " (target >= %.2f", target) + ")", met);
    }

    void line(String part, String format, Object... args) {
        String text = "[" + part + "] " + String.format(Locale.ROOT, format, args);
        lines.add(text);
        System.out.println(text);
    }

    static double[] round(double[] values) {
        return Arrays.stream(values).map(v -> Math.round(v * 100) / 100.0).toArray();
    }

    static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    static String summary(double[] values, String fmt) {
        double[] v = values.clone();
        Arrays.sort(v);
        return String.format(Locale.ROOT, fmt + " (" + fmt + "–" + fmt + ")", median(v), v[0], v[v.length - 1]);
    }

    static double seconds(long start) {
        return (System.nanoTime() - start) / 1e9;
    }
}
