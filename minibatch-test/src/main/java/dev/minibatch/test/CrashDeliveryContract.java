package dev.minibatch.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.minibatch.Minibatch;
import dev.minibatch.model.StreamStats;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Delivery promises proven with real processes: a producer JVM, consumer JVMs killed with SIGKILL
 * and restarted, competing consumer JVMs. Every message appended is delivered; duplicates happen
 * only for windows in flight at a kill. A store that is shared between processes passes it by
 * naming a fresh store URL:
 *
 * <pre>{@code
 * class SqliteCrashDeliveryTest extends CrashDeliveryContract {
 *     protected String storeUrl(Path dir) { return "sqlite:" + dir.resolve("crash.db"); }
 * }
 * }</pre>
 *
 * The child JVMs run on the test class path, so the store's provider must be on it.
 */
public abstract class CrashDeliveryContract {

    /** A temporary folder per test (JUnit's): passed to {@link #storeUrl}, and holds logs and record files. */
    @TempDir
    protected Path dir;

    private final List<JvmProcess> processes = new ArrayList<>();

    /**
     * A URL of a fresh, empty store reachable from other processes.
     *
     * @param dir a temporary folder the store may use
     * @return the URL
     * @throws Exception if the store cannot be prepared
     */
    protected abstract String storeUrl(Path dir) throws Exception;

    /**
     * Messages the producer appends in the kill test (the issue asks for 100,000).
     *
     * @return the number of messages
     */
    protected int killTestMessages() {
        return 100_000;
    }

    /**
     * Messages in the competing-consumer tests.
     *
     * @return the number of messages
     */
    protected int competingMessages() {
        return 20_000;
    }

    /**
     * Messages in the two-process test (a multiple of 100).
     *
     * @return the number of messages
     */
    protected int twoProcessMessages() {
        return 10_000;
    }

    /**
     * The kill test's producer appends batches of this size …
     *
     * @return the batch size
     */
    protected int producerBatch() {
        return 100;
    }

    /**
     * … with this pause between batches, so the kills hit a stream that is still growing.
     *
     * @return the pause
     */
    protected Duration producerPause() {
        return Duration.ofMillis(3);
    }

    /** Lease of consumers in the tests that kill nobody: long enough that no stall of a loaded machine lapses it. */
    private static final Duration NO_CRASH_LEASE = Duration.ofSeconds(30);

    /**
     * Lease of the consumer JVMs: short, so a killed consumer's windows come back quickly.
     *
     * @return the lease
     */
    protected Duration lease() {
        return Duration.ofSeconds(1);
    }

    /**
     * Time allowed for everything to be delivered after the last kill.
     *
     * @return the timeout
     */
    protected Duration drainTimeout() {
        return Duration.ofMinutes(3);
    }

    @AfterEach
    void killLeftovers() throws InterruptedException {
        for (JvmProcess p : processes) {
            p.close();
        }
    }

    private JvmProcess producer(String url, String stream, int count, int batch) throws IOException {
        return producer(url, stream, count, batch, Duration.ZERO);
    }

    private JvmProcess producer(String url, String stream, int count, int batch, Duration pause) throws IOException {
        JvmProcess p = JvmProcess.start(ProducerMain.class, List.of(url, stream, "0", String.valueOf(count),
                String.valueOf(batch), String.valueOf(pause.toMillis())), Map.of(), "256m", dir.resolve("producer.log"));
        processes.add(p);
        return p;
    }

    /**
     * How long each window is held after it was recorded, so kills land on in-flight windows.
     *
     * @return the hold time
     */
    protected Duration holdPerWindow() {
        return Duration.ofMillis(5);
    }

    private JvmProcess consumer(String url, String stream, int size, int workers, Path record, String name)
            throws IOException {
        return consumer(url, stream, size, workers, record, name, lease(), holdPerWindow());
    }

    private JvmProcess consumer(String url, String stream, int size, int workers, Path record, String name,
                                Duration lease, Duration hold) throws IOException {
        JvmProcess p = JvmProcess.start(RecordingConsumerMain.class, List.of(url, stream, String.valueOf(size),
                String.valueOf(workers), record.toString(), String.valueOf(lease.toMillis()),
                String.valueOf(hold.toMillis())),
                Map.of(), "256m", dir.resolve(name + ".log"));
        processes.add(p);
        return p;
    }

    private static void awaitDelivered(JvmProcess watched, List<Path> records, long expected, Duration timeout)
            throws Exception {
        watched.awaitCondition(expected + " distinct messages delivered", timeout, () -> {
            try {
                return DeliveryRecord.read(records).distinct() >= expected;
            } catch (IOException e) {
                return false;
            }
        });
    }

    @Test
    void aConsumerInAnotherProcessGetsEveryMessageOnce() throws Exception {
        String url = storeUrl(dir);
        int total = twoProcessMessages();
        Path record = dir.resolve("two-jvm.record");
        JvmProcess consumer = consumer(url, "twojvm", 100, 1, record, "consumer");
        consumer.awaitOutput("CONSUMER READY", Duration.ofSeconds(60));
        JvmProcess producer = producer(url, "twojvm", total, 100);
        assertEquals(0, producer.waitFor(Duration.ofMinutes(2)), producer.tail(30));
        awaitDelivered(consumer, List.of(record), total, drainTimeout());
        DeliveryRecord delivered = DeliveryRecord.read(List.of(record));
        assertEquals(0, delivered.missing(total), "missing: " + delivered.sampleMissing(total));
        assertEquals(0, delivered.duplicates(), "no crash, so no message may arrive twice");
        assertEquals(total / 100, delivered.windows());
    }

    @Test
    void killingTheConsumerRepeatedlyLosesNothing() throws Exception {
        String url = storeUrl(dir);
        int total = killTestMessages();
        int size = 50;
        int workers = 4;
        Random random = new Random(42);
        List<Path> records = new ArrayList<>();
        JvmProcess producer = producer(url, "crash", total, producerBatch(), producerPause());
        int kills = 0;
        int killsWhileProducing = 0;
        JvmProcess consumer = null;
        while (kills < 5 || (producer.isAlive() && kills < 50)) {
            Path record = dir.resolve("crash-" + kills + ".record");
            records.add(record);
            consumer = consumer(url, "crash", size, workers, record, "consumer-" + kills);
            consumer.awaitOutput("CONSUMER READY", Duration.ofSeconds(60));
            Thread.sleep(300 + random.nextInt(1200)); // a random moment, while windows are in flight
            killsWhileProducing += producer.isAlive() ? 1 : 0;
            consumer.kill();
            kills++;
        }
        assertEquals(0, producer.waitFor(Duration.ofMinutes(3)), producer.tail(30));
        Path last = dir.resolve("crash-final.record");
        records.add(last);
        consumer = consumer(url, "crash", size, workers, last, "consumer-final");
        awaitDelivered(consumer, records, total, drainTimeout());
        DeliveryRecord delivered = DeliveryRecord.read(records);
        long inFlightBound = (long) kills * workers * size;
        System.out.printf("kill test: %d messages, %d kills (%d while the producer was appending), %d windows recorded,"
                + " %d duplicate deliveries (bound %d)%n", total, kills, killsWhileProducing, delivered.windows(),
                delivered.duplicates(), inFlightBound);
        assertEquals(0, delivered.missing(total), "lost messages: " + delivered.sampleMissing(total));
        assertTrue(kills >= 5, "killed only " + kills + " times");
        assertTrue(delivered.duplicates() <= inFlightBound, "duplicates " + delivered.duplicates()
                + " exceed what windows in flight at " + kills + " kills can explain (" + inFlightBound + ")");
        consumer.awaitCondition("the stream drained", Duration.ofSeconds(60), () -> {
            try (Minibatch mb = Minibatch.builder().url(url).shutdownHook(false).build()) {
                StreamStats stats = mb.stream("crash").stats();
                return stats.pending() == 0 && stats.claimed() == 0;
            }
        });
    }

    @Test
    void terminatingAConsumerFinishesItsWindowsBeforeTheJvmExits() throws Exception {
        String url = storeUrl(dir);
        try (Minibatch mb = Minibatch.builder().url(url).shutdownHook(false).build()) {
            for (int i = 0; i < 200; i += 100) {
                List<Map<String, Long>> batch = new ArrayList<>();
                for (long n = i; n < i + 100; n++) {
                    batch.add(Map.of("n", n));
                }
                mb.stream("term").appendAll(batch);
            }
        }
        Path record = dir.resolve("term.record");
        // a long lease: if the shutdown hook did not finish or release the window, it would stay claimed
        JvmProcess consumer = consumer(url, "term", 50, 2, record, "term", Duration.ofMinutes(10), Duration.ofSeconds(2));
        consumer.awaitCondition("a window in flight", Duration.ofSeconds(60), () -> {
            try {
                return DeliveryRecord.read(List.of(record)).windows() > 0;
            } catch (IOException e) {
                return false;
            }
        });
        int exit = consumer.terminate(Duration.ofSeconds(60));
        assertTrue(exit != 0 || !consumer.isAlive(), "exited");
        try (Minibatch mb = Minibatch.builder().url(url).shutdownHook(false).build()) {
            StreamStats stats = mb.stream("term").stats();
            assertEquals(0, stats.claimed(), "SIGTERM: the shutdown hook finished or released every window");
            long delivered = DeliveryRecord.read(List.of(record)).distinct();
            assertEquals(200, delivered + stats.pending(), "finished windows are committed, the rest pending again");
        }
    }

    @Test
    void twoCompetingConsumerProcessesShareTheStreamWithoutOverlap() throws Exception {
        competingConsumers(2);
    }

    @Test
    void fourCompetingConsumerProcessesShareTheStreamWithoutOverlap() throws Exception {
        competingConsumers(4);
    }

    private void competingConsumers(int count) throws Exception {
        String url = storeUrl(dir);
        int total = competingMessages();
        String stream = "competing" + count;
        List<Path> records = new ArrayList<>();
        List<JvmProcess> consumers = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Path record = dir.resolve(stream + "-" + i + ".record");
            records.add(record);
            // Nothing is killed here, so the kill tests' short lease buys nothing and only makes a stall on a
            // loaded machine (SQLite: 1 s) look like an overlap: a lapsed lease redelivers, as it should.
            consumers.add(consumer(url, stream, 50, 2, record, stream + "-" + i, NO_CRASH_LEASE, holdPerWindow()));
        }
        for (JvmProcess c : consumers) {
            c.awaitOutput("CONSUMER READY", Duration.ofSeconds(60));
        }
        JvmProcess producer = producer(url, stream, total, 200);
        assertEquals(0, producer.waitFor(Duration.ofMinutes(3)), producer.tail(30));
        awaitDelivered(consumers.get(0), records, total, drainTimeout());
        DeliveryRecord delivered = DeliveryRecord.read(records);
        assertEquals(0, delivered.missing(total), "missing: " + delivered.sampleMissing(total));
        if (delivered.duplicates() != 0) {
            // no crash: a duplicate means a lease lapsed (say so, with what the consumers logged) or a claim overlapped
            StringBuilder logs = new StringBuilder();
            for (int i = 0; i < consumers.size(); i++) {
                logs.append("\n--- consumer ").append(i).append(":\n").append(consumers.get(i).tail(15));
            }
            assertEquals(0, delivered.duplicates(), "no crash, so no message may be in two windows; consumer logs:" + logs);
        }
        int busy = 0;
        for (Path r : records) {
            if (DeliveryRecord.read(List.of(r)).windows() > 0) {
                busy++;
            }
        }
        System.out.printf("competing consumers: %d processes, %d of them got windows, %d windows%n", count, busy,
                delivered.windows());
        assertTrue(busy >= 2, "the work should be shared; only " + busy + " consumer(s) got windows");
    }
}
