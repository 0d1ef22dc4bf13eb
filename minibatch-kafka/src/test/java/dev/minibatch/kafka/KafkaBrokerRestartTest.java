package dev.minibatch.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.minibatch.Attachment;
import dev.minibatch.model.ConsumerHandle;
import dev.minibatch.Minibatch;
import dev.minibatch.Stream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The broker is killed (SIGKILL) while records flow topic → source → stream → windows → sink →
 * topic, and started again on the same port and data: the source and the sink recover by themselves
 * and every record reaches the output topic.
 */
class KafkaBrokerRestartTest {

    private static final int TOTAL = 10_000;

    @Test
    void sourceAndSinkRecoverFromABrokerRestartAndNothingIsLost(@TempDir Path tmp) throws Exception {
        Path brokerDir = Path.of("target", "kafka-restart-" + ProcessHandle.current().pid()).toAbsolutePath();
        KafkaBroker.deleteRecursively(brokerDir);
        Files.createDirectories(brokerDir);
        try (KafkaBroker broker = KafkaBroker.start(brokerDir)) {
            String servers = broker.bootstrapServers();
            broker.createTopic("restart-in", 3);
            broker.createTopic("restart-out", 3);
            AtomicReference<Throwable> producerFailure = new AtomicReference<>();
            Thread producer = KafkaSourceTest.paced(servers, "restart-in", TOTAL, producerFailure);

            try (Minibatch mb = Minibatch.connect("sqlite:" + tmp.resolve("restart.db"));
                 KafkaSink sink = new KafkaSink("restart-out", servers, Map.of("timeout", "60s"))) {
                Stream stream = mb.stream("restart");
                Attachment source = stream.attach(new KafkaSource("restart-in", servers,
                        Map.of("kafka.max.poll.records", "200")));
                // windows failing while the broker is away are retried, never dead-lettered
                ConsumerHandle consumer = mb.streaming("restart").size(100).maxAttempts(1_000)
                        .backoff(Duration.ofMillis(100), Duration.ofSeconds(2)).sink(sink)
                        .start(window -> Thread.sleep(5)); // keeps windows in flight when the broker dies
                producer.start();

                assertThat(TestKafka.await(Duration.ofSeconds(90), () -> delivered(servers) >= 2_000
                        || producerFailure.get() != null)).isTrue();
                broker.kill();
                long inStreamAtKill = stream.stats().pending() + stream.stats().claimed();
                Thread.sleep(2_000); // the outage: clients retry against a dead port
                broker.launch();

                List<ConsumerRecord<byte[], byte[]>> out = TestKafka.readUntil(servers, "restart-out",
                        Duration.ofSeconds(150), r -> distinct(r).size() >= TOTAL);
                producer.join(60_000);
                consumer.stop();
                source.stop();

                assertThat(producerFailure.get()).isNull();
                assertThat(distinct(out)).as("every record reached the output topic (broker log: %s)", broker.logFile())
                        .hasSize(TOTAL);
                assertThat(source.failure()).isNull();
                assertThat(consumer.failure()).isNull();
                assertThat(stream.deadLetters().buffer()).isEmpty();
                assertThat(stream.stats().pending()).isZero();
                System.out.printf("broker restart: %d records in the stream at the kill, %d windows failed and were "
                                + "retried, %d duplicates in the output topic%n", inStreamAtKill,
                        consumer.stats().failures(), out.size() - TOTAL);
            }
        }
    }

    private static Set<Integer> distinct(List<ConsumerRecord<byte[], byte[]>> records) {
        return new HashSet<>(TestKafka.ids(records));
    }

    private static long delivered(String servers) {
        try {
            return TestKafka.recordCount(servers, "restart-out");
        } catch (Exception e) {
            return 0;
        }
    }
}
