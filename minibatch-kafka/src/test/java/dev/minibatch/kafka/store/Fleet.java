package dev.minibatch.kafka.store;

import dev.minibatch.kafka.KafkaCluster;
import dev.minibatch.test.DeliveryRecord;
import dev.minibatch.test.JvmProcess;
import dev.minibatch.test.RecordingConsumerMain;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Consumer JVMs ({@link RecordingConsumerMain}) on {@code kafka://} streams of the shared
 * {@link KafkaCluster}, their record files, and waiting on what they recorded: the patterns of
 * {@code CrashDeliveryContract}, for the delivery tests of the {@code kafka://} store. Close it
 * (try-with-resources): every JVM still running is killed.
 */
final class Fleet implements AutoCloseable {

    private static final AtomicInteger RUNS = new AtomicInteger();

    /** Consumer heap, as the issue asks. */
    static final String CONSUMER_HEAP = "256m";

    final String url;
    final Path dir;
    private final List<JvmProcess> processes = new ArrayList<>();
    private final List<Path> records = new ArrayList<>();

    private Fleet(String url, Path dir) {
        this.url = url;
        this.dir = dir;
    }

    /**
     * A fleet on the shared three-node cluster, with a prefix of its own (fresh topics and share
     * groups): streams get 2 partitions, replication 3, {@code min.insync.replicas=2}.
     */
    static Fleet onSharedCluster(String test) throws IOException {
        return onSharedCluster(test, 2);
    }

    /** The same with {@code partitions} partitions per stream. */
    static Fleet onSharedCluster(String test, int partitions) throws IOException {
        KafkaCluster cluster = KafkaCluster.shared();
        String run = test + ProcessHandle.current().pid() + "-" + RUNS.incrementAndGet();
        // kept after the run (target/), so a failure's record files and consumer logs can be read
        Path dir = Path.of("target", "kafka-store-runs", run).toAbsolutePath();
        Files.createDirectories(dir);
        return new Fleet("kafka://" + cluster.bootstrapServers() + "/?prefix=" + run + "."
                + "&partitions=" + partitions + "&replication=3&minInsync=2", dir);
    }

    /** The topic of {@code stream} in this fleet. */
    String topic(String stream) {
        int p = url.indexOf("prefix=") + "prefix=".length();
        int end = url.indexOf('&', p);
        return url.substring(p, end < 0 ? url.length() : end) + stream;
    }

    /** Starts a consumer JVM (not waiting for it); its record file is {@code dir/name.record}. */
    JvmProcess consumer(String stream, String name, int size, int workers, Duration lease, Duration hold)
            throws IOException {
        return consumer(stream, name, size, workers, lease, hold, "shared");
    }

    /** The same, consuming in {@code mode}: {@code shared}, {@code ordered} or {@code keyed} (see {@link RecordingConsumerMain}). */
    JvmProcess consumer(String stream, String name, int size, int workers, Duration lease, Duration hold, String mode)
            throws IOException {
        Path record = dir.resolve(name + ".record");
        records.add(record);
        JvmProcess p = JvmProcess.start(RecordingConsumerMain.class, List.of(url, stream, String.valueOf(size),
                        String.valueOf(workers), record.toString(), String.valueOf(lease.toMillis()),
                        String.valueOf(hold.toMillis()), mode),
                Map.of("org.slf4j.simpleLogger.log.dev.minibatch.kafka.store", "debug"), CONSUMER_HEAP,
                dir.resolve(name + ".log"));
        processes.add(p);
        return p;
    }

    /** Any JVM started by or handed to this fleet, killed on close. */
    JvmProcess track(JvmProcess p) {
        processes.add(p);
        return p;
    }

    /** The record file of the consumer {@code name}. */
    Path record(String name) {
        return dir.resolve(name + ".record");
    }

    /** Every record file so far. */
    List<Path> records() {
        return List.copyOf(records);
    }

    DeliveryRecord delivered() throws IOException {
        return DeliveryRecord.read(records());
    }

    /** Total bytes recorded so far (cheap: for watching progress often). */
    long recordedBytes() {
        long sum = 0;
        for (Path r : records()) {
            try {
                sum += Files.exists(r) ? Files.size(r) : 0;
            } catch (IOException e) {
                // being created
            }
        }
        return sum;
    }

    /**
     * Waits until {@code expected} distinct numbers were recorded; fails with what was delivered and
     * the end of every consumer's log.
     */
    void awaitDistinct(JvmProcess watched, long expected, Duration timeout) throws InterruptedException {
        try {
            watched.awaitCondition(expected + " distinct messages delivered", timeout, () -> {
                try {
                    return delivered().distinct() >= expected;
                } catch (IOException | RuntimeException e) {
                    return false;
                }
            });
        } catch (AssertionError e) {
            String state;
            try {
                DeliveryRecord d = delivered();
                state = d.distinct() + " distinct delivered in " + d.windows() + " windows, " + d.missing(expected)
                        + " missing (e.g. " + d.sampleMissing(expected) + "), " + d.duplicates() + " duplicates";
            } catch (IOException io) {
                state = "(record files unreadable: " + io + ")";
            }
            throw new AssertionError("timed out after " + timeout + " waiting for " + expected
                    + " distinct messages: " + state + "; run folder " + dir + "; consumer logs:" + logs(4));
        }
    }

    /** The last lines of each consumer's log, for failure messages. */
    String logs(int lines) {
        StringBuilder out = new StringBuilder();
        for (JvmProcess p : processes) {
            out.append("\n--- ").append(p.log().getFileName()).append(p.isAlive() ? " (running)" : " (ended)")
                    .append(":\n").append(p.tail(lines));
        }
        return out.toString();
    }

    @Override
    public void close() throws InterruptedException {
        for (JvmProcess p : processes) {
            p.close();
        }
    }
}
