package dev.minibatch.mongo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.minibatch.Minibatch;
import dev.minibatch.Stream;
import dev.minibatch.StreamStats;
import dev.minibatch.test.DeliveryRecord;
import dev.minibatch.test.JvmProcess;
import dev.minibatch.test.RecordingConsumerMain;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crash test: a producer appends 20,000 messages while a consumer JVM (CountWindow(50),
 * 4 workers, 2 s leases) is killed with SIGKILL at random moments and restarted. The MongoDB wire
 * server runs in this JVM, so killing a consumer never touches it. At the end every message was
 * delivered; duplicates come only from windows in flight at a kill (at most workers × size each).
 */
class MongoKillTest {

    private static final int MESSAGES = 20_000;
    private static final int SIZE = 50;
    private static final int WORKERS = 4;
    private static final int KILLS = 6;
    private static final long LEASE_MILLIS = 2_000;

    private static TestMongo mongo;
    private final List<JvmProcess> processes = new ArrayList<>();

    @TempDir
    Path dir;

    @BeforeAll
    static void startServer() {
        mongo = TestMongo.start();
    }

    @AfterAll
    static void stopServer() {
        mongo.close();
    }

    @AfterEach
    void killAll() throws InterruptedException {
        for (JvmProcess p : processes) {
            p.close();
        }
    }

    private JvmProcess start(Class<?> main, List<String> args, String log) throws Exception {
        JvmProcess p = JvmProcess.start(main, args, dir.resolve(log));
        processes.add(p);
        return p;
    }

    @Test
    void everyMessageArrivesDespiteRepeatedKillsAndOnlyInFlightWindowsRepeat() throws Exception {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        String url = mongo.url(TestMongo.freshDatabase("kill"));
        String stream = "kill";
        // a paced producer (batches of 20 every ~10 ms, about 10 s in all), so most kills hit a growing stream
        AtomicReference<Throwable> producerFailure = new AtomicReference<>();
        Thread producer = new Thread(() -> {
            try (Minibatch mb = Minibatch.builder().url(url).shutdownHook(false).build()) {
                Stream s = mb.stream(stream);
                List<Map<String, Integer>> batch = new ArrayList<>();
                for (int i = 0; i < MESSAGES; i++) {
                    batch.add(Map.of("n", i));
                    if (batch.size() == 20) {
                        s.appendAll(batch);
                        batch.clear();
                        Thread.sleep(10);
                    }
                }
                s.appendAll(batch);
            } catch (Throwable e) {
                producerFailure.set(e);
            }
        }, "kill-test-producer");
        producer.setDaemon(true);
        producer.start();

        List<Path> records = new ArrayList<>();
        int kills = 0;
        int killsWhileProducing = 0;
        while (kills < KILLS) {
            Path record = dir.resolve("record-" + kills + ".txt");
            records.add(record);
            JvmProcess consumer = start(RecordingConsumerMain.class, List.of(url, stream, Integer.toString(SIZE),
                    Integer.toString(WORKERS), record.toString(), Long.toString(LEASE_MILLIS)), "consumer-" + kills + ".log");
            consumer.awaitOutput("CONSUMER READY", Duration.ofSeconds(60));
            Thread.sleep(300 + random.nextInt(2_000));
            killsWhileProducing += producer.isAlive() ? 1 : 0;
            consumer.kill();
            kills++;
        }
        producer.join(Duration.ofSeconds(120).toMillis());
        assertThat(producer.isAlive()).as("producer finished").isFalse();
        assertThat(producerFailure.get()).as("producer failure").isNull();

        Path last = dir.resolve("record-final.txt");
        records.add(last);
        JvmProcess survivor = start(RecordingConsumerMain.class, List.of(url, stream, Integer.toString(SIZE),
                Integer.toString(WORKERS), last.toString(), Long.toString(LEASE_MILLIS)), "consumer-final.log");
        survivor.awaitCondition("every message delivered", Duration.ofSeconds(150),
                () -> readQuietly(records).missing(MESSAGES) == 0);
        try (Minibatch mb = Minibatch.builder().url(url).shutdownHook(false).build()) {
            survivor.awaitCondition("the stream drained", Duration.ofSeconds(30), () -> {
                StreamStats stats = mb.stream(stream).stats();
                return stats.pending() == 0 && stats.claimed() == 0;
            });
        }
        survivor.terminate(Duration.ofSeconds(20));

        DeliveryRecord delivered = DeliveryRecord.read(records);
        long duplicates = delivered.duplicates();
        System.out.printf("KILL TEST (seed %d): %d messages, %d kills (%d while the producer ran), %d windows recorded,"
                + " %d distinct delivered, %d duplicate deliveries (bound %d)%n", seed, MESSAGES, kills, killsWhileProducing,
                delivered.windows(),
                delivered.distinct(), duplicates, (long) kills * WORKERS * SIZE);
        assertThat(delivered.missing(MESSAGES)).as("missing, e.g. " + delivered.sampleMissing(MESSAGES)).isZero();
        assertThat(delivered.distinct()).isEqualTo(MESSAGES);
        assertThat(duplicates).as("duplicates only from windows in flight at a kill")
                .isLessThanOrEqualTo((long) kills * WORKERS * SIZE);
    }

    private static DeliveryRecord readQuietly(List<Path> records) {
        try {
            return DeliveryRecord.read(records);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
