package dev.minibatch.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.minibatch.Attachment;
import dev.minibatch.model.ConsumerHandle;
import dev.minibatch.Minibatch;
import dev.minibatch.Stream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Topic → KafkaSource → stream → CountWindow(100) → KafkaSink → topic, against a real broker. */
class KafkaPipelineTest {

    private static final int RECORDS = 10_000;

    @Test
    void tenThousandRecordsArriveExactlyOnceInTheOutputTopic(@TempDir Path tmp) throws Exception {
        KafkaBroker broker = KafkaBroker.shared();
        String servers = broker.bootstrapServers();
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String in = "pipeline-in-" + suffix;
        String out = "pipeline-out-" + suffix;
        broker.createTopic(in, 3);
        broker.createTopic(out, 3);
        TestKafka.produceIds(servers, in, 0, RECORDS);

        List<Integer> windowSizes = new CopyOnWriteArrayList<>();
        List<ConsumerRecord<byte[], byte[]>> received;
        try (Minibatch mb = Minibatch.connect("sqlite:" + tmp.resolve("pipeline.db"));
             KafkaSink sink = new KafkaSink(out, servers)) {
            Stream stream = mb.stream("events");
            Attachment source = stream.attach(new KafkaSource(in, servers, Map.of("kafka.max.poll.records", "700")));
            ConsumerHandle consumer = mb.streaming("events").size(100).sink(sink)
                    .start(window -> windowSizes.add(window.size()));

            received = TestKafka.readUntil(servers, out, Duration.ofSeconds(120), r -> r.size() >= RECORDS);

            consumer.stop();
            source.stop();
            assertThat(source.failure()).isNull();
            assertThat(consumer.failure()).isNull();
            assertThat(consumer.stats().failures()).isZero();
            assertThat(stream.stats().pending()).isZero();
            assertThat(stream.deadLetters().buffer()).isEmpty();
        }

        List<Integer> ids = TestKafka.ids(received);
        assertThat(ids).hasSize(RECORDS);
        assertThat(ids.stream().sorted().collect(Collectors.toList()))
                .isEqualTo(IntStream.range(0, RECORDS).boxed().collect(Collectors.toList()));
        // nothing beyond the 10,000 read: the topic holds exactly as many records
        assertThat(TestKafka.recordCount(servers, out)).isEqualTo(RECORDS);
        assertThat(windowSizes).hasSize(RECORDS / 100).allMatch(size -> size == 100);
        // the values arrive whole, not just their ids
        assertThat(TestKafka.json(received.get(0).value()).get("payload").asText())
                .isEqualTo("record-" + ids.get(0));
    }
}
