package dev.minibatch.mongo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.minibatch.Minibatch;
import dev.minibatch.StreamStats;
import dev.minibatch.test.DeliveryRecord;
import dev.minibatch.test.JvmProcess;
import dev.minibatch.test.ProducerMain;
import dev.minibatch.test.RecordingConsumerMain;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Competing consumers: 2 and 4 consumer JVMs share one stream while a producer JVM appends. No
 * message may land in two windows, and together they deliver exactly what was appended.
 */
class MongoCompetingConsumersTest {

    private static final int MESSAGES = 10_000;
    private static final int SIZE = 50;

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

    @ParameterizedTest(name = "{0} consumers")
    @ValueSource(ints = {2, 4})
    void competingConsumersNeverShareAMessage(int consumers) throws Exception {
        String url = mongo.url(TestMongo.freshDatabase("compete" + consumers));
        String stream = "compete";
        List<Path> records = new ArrayList<>();
        List<JvmProcess> running = new ArrayList<>();
        for (int c = 0; c < consumers; c++) {
            Path record = dir.resolve("record-" + c + ".txt");
            records.add(record);
            // long leases: without kills, no lease may lapse, so any repeat is a double claim
            running.add(start(RecordingConsumerMain.class, List.of(url, stream, Integer.toString(SIZE), "2",
                    record.toString(), "15000"), "consumer-" + c + ".log"));
        }
        for (JvmProcess consumer : running) {
            consumer.awaitOutput("CONSUMER READY", Duration.ofSeconds(60));
        }
        JvmProcess producer = start(ProducerMain.class, List.of(url, stream, "0", Integer.toString(MESSAGES), "100"),
                "producer.log");
        producer.awaitOutput("PRODUCER DONE", Duration.ofSeconds(120));
        running.get(0).awaitCondition("every message delivered", Duration.ofSeconds(120), () -> {
            try {
                return DeliveryRecord.read(records).distinct() >= MESSAGES;
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        try (Minibatch mb = Minibatch.builder().url(url).shutdownHook(false).build()) {
            running.get(0).awaitCondition("the stream drained", Duration.ofSeconds(30), () -> {
                StreamStats stats = mb.stream(stream).stats();
                return stats.pending() == 0 && stats.claimed() == 0;
            });
        }
        for (JvmProcess consumer : running) {
            consumer.terminate(Duration.ofSeconds(20));
        }

        DeliveryRecord delivered = DeliveryRecord.read(records);
        List<Integer> windowsPerConsumer = new ArrayList<>();
        for (Path record : records) {
            windowsPerConsumer.add(DeliveryRecord.read(List.of(record)).windows());
        }
        System.out.printf("COMPETING (%d consumers): %d messages, windows per consumer %s, %d duplicates%n",
                consumers, MESSAGES, windowsPerConsumer, delivered.duplicates());
        assertThat(delivered.duplicates()).as("no message in two windows").isZero();
        assertThat(delivered.missing(MESSAGES)).isZero();
        assertThat(delivered.distinct()).isEqualTo(MESSAGES);
        assertThat(delivered.windows()).as("windows of exactly " + SIZE).isEqualTo(MESSAGES / SIZE);
    }
}
