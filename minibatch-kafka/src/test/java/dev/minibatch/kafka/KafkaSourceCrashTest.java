package dev.minibatch.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.minibatch.model.Message;
import dev.minibatch.Minibatch;
import dev.minibatch.Stream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The JVM running a KafkaSource is killed with SIGKILL mid-stream and started again: every record
 * reaches the stream, and only records of the last uncommitted poll may arrive twice.
 */
class KafkaSourceCrashTest {

    static final int MAX_POLL_RECORDS = 100;
    private static final int TOTAL = 10_000;

    @Test
    void aKilledSourceJvmRestartedLosesNoRecord(@TempDir Path tmp) throws Exception {
        KafkaBroker broker = KafkaBroker.shared();
        String servers = broker.bootstrapServers();
        String topic = "crash-" + UUID.randomUUID().toString().substring(0, 8);
        broker.createTopic(topic, 3);
        Path db = tmp.resolve("crash.db");
        Path log = Path.of("target", "crash-source-" + topic + ".log").toAbsolutePath();
        AtomicReference<Throwable> producerFailure = new AtomicReference<>();
        Thread producer = KafkaSourceTest.paced(servers, topic, TOTAL, producerFailure);

        try (Minibatch mb = Minibatch.connect("sqlite:" + db)) {
            Stream stream = mb.stream("crash");
            Process first = startSource(servers, topic, db, log);
            long atKill;
            try {
                producer.start();
                assertThat(TestKafka.await(Duration.ofSeconds(90),
                        () -> stream.stats().pending() >= 1_500 || producerFailure.get() != null))
                        .as("the source JVM appends (log: %s)", log).isTrue();
                assertThat(producerFailure.get()).isNull();
                first.destroyForcibly();
                assertThat(first.waitFor(30, TimeUnit.SECONDS)).isTrue();
                atKill = stream.stats().pending();
            } finally {
                first.destroyForcibly();
            }
            assertThat(atKill).as("killed in the middle of the topic").isLessThan(TOTAL);

            Process second = startSource(servers, topic, db, log);
            try {
                assertThat(TestKafka.await(Duration.ofSeconds(120), () -> distinctIds(stream).size() == TOTAL))
                        .as("every record reached the stream (log: %s)", log).isTrue();
                second.getOutputStream().close(); // a clean stop
                assertThat(second.waitFor(30, TimeUnit.SECONDS)).isTrue();
            } finally {
                second.destroyForcibly();
            }
            producer.join(60_000);
            assertThat(producerFailure.get()).isNull();

            List<Message> all = stream.buffer();
            int duplicates = all.size() - TOTAL;
            System.out.printf("crash test: %d appended before the kill, %d duplicates after the restart%n", atKill, duplicates);
            // offsets were committed after each append: at most the last poll is read again
            assertThat(duplicates).isBetween(0, MAX_POLL_RECORDS);
        }
    }

    private static Set<Integer> distinctIds(Stream stream) {
        return stream.buffer().stream().map(m -> m.data().get("id").asInt()).collect(Collectors.toCollection(HashSet::new));
    }

    private static Process startSource(String servers, String topic, Path db, Path log) throws Exception {
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"),
                SourceMain.class.getName(), servers, topic, db.toString(), "crash", "crash-source-1");
        return new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    }
}
