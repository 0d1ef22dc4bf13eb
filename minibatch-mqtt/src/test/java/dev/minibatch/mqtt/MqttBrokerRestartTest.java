package dev.minibatch.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.minibatch.Attachment;
import dev.minibatch.model.ConsumerHandle;
import dev.minibatch.Minibatch;
import dev.minibatch.Stream;
import dev.minibatch.mqtt.testing.MosquittoBroker;
import dev.minibatch.mqtt.testing.TestClients;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A broker restart in the middle of a run. What makes "nothing lost at QoS 1" true is shared: the
 * broker keeps the persistent sessions of the source and its queued messages across the restart
 * ({@code persistence true}, saved on SIGTERM), the source acknowledges only what it appended, and
 * the publisher (an {@link MqttSink}) sends again whatever the broker had not acknowledged.
 */
class MqttBrokerRestartTest {

    @Test
    void sourceAndSinkReconnectAfterABrokerRestartAndNothingIsLostAtQos1(@TempDir Path dir) throws Exception {
        int count = 5_000;
        int chunk = 100;
        MosquittoBroker broker = MosquittoBroker.config().persistence(true).start(dir);
        ExecutorService publisherThread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "test-publisher");
            t.setDaemon(true);
            return t;
        });
        AtomicInteger publisherRetries = new AtomicInteger();
        try (broker; Minibatch mb = Minibatch.connect("memory:")) {
            Stream stream = mb.stream("restart");
            MqttSource source = new MqttSource(broker.url(), "site/#",
                    Map.of("clientId", "restart-src", "maxReconnectDelay", "1s", "connectTimeout", "2s"));
            Attachment attachment = stream.attach(source);
            TestClients.await(Duration.ofSeconds(10), source::isSubscribed, () -> "not subscribed: " + attachment.failure());

            MqttSink publisher = new MqttSink(broker.url(), "site/{sensor}",
                    Map.of("maxReconnectDelay", "1s", "connectTimeout", "2s", "publishTimeout", "5s"));
            Future<?> publishing = publisherThread.submit(() -> {
                for (int from = 0; from < count; from += chunk) {
                    List<JsonNode> values = new ArrayList<>();
                    for (int i = from; i < Math.min(count, from + chunk); i++) {
                        values.add(TestClients.JSON.readTree(TestClients.reading(i)));
                    }
                    while (true) {
                        try {
                            publisher.put(values);
                            publisher.flush();
                            break;
                        } catch (MqttConnectionException e) {
                            publisherRetries.incrementAndGet(); // as a consumer retries a window
                        }
                    }
                }
                return null;
            });

            TestClients.await(Duration.ofSeconds(30), () -> stream.buffer().size() >= count / 4,
                    () -> "only " + stream.buffer().size() + " before the restart");
            broker.restart();
            assertThat(broker.isRunning()).isTrue();

            publishing.get(90, TimeUnit.SECONDS);
            TestClients.await(Duration.ofSeconds(60), () -> seqs(stream).size() >= count,
                    () -> seqs(stream).size() + " of " + count + " after the restart; source failure "
                            + attachment.failure() + "; broker log:\n" + broker.logText());
            assertThat(attachment.isRunning()).as("the source reconnected instead of failing").isTrue();
            assertThat(attachment.failure()).isNull();
            assertThat(publisher.isConnected()).isTrue();
            assertThat(seqs(stream)).hasSize(count).allMatch(s -> s >= 0 && s < count);

            // both connections work after the restart: the publisher's next message reaches the source
            publisher.put(Map.of("sensor", "x", "payload", "late"));
            publisher.flush();
            TestClients.await(Duration.ofSeconds(10), () -> stream.buffer().stream()
                            .anyMatch(m -> m.data().path("topic").asText().equals("site/x")),
                    () -> "the message published after the restart did not arrive");
            publisher.close();
            attachment.stop();
        } finally {
            publisherThread.shutdownNow();
        }
    }

    @Test
    void aConsumerPublishingThroughMqttSinkSurvivesABrokerRestart(@TempDir Path dir) throws Exception {
        int count = 3_000;
        MosquittoBroker broker = MosquittoBroker.config().persistence(true).start(dir);
        try (broker; Minibatch mb = Minibatch.connect("memory:")) {
            Stream results = mb.stream("results");
            // the reader of the sink's output is itself a persistent MqttSource, so the broker keeps
            // what the sink published while the reader's connection was down
            MqttSource reader = new MqttSource(broker.url(), "out/#", Map.of("clientId", "restart-reader",
                    "maxReconnectDelay", "1s", "connectTimeout", "2s"));
            Attachment readerAttachment = results.attach(reader);
            TestClients.await(Duration.ofSeconds(10), reader::isSubscribed, () -> "reader not subscribed");

            Stream input = mb.stream("input");
            List<Map<String, Object>> values = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                values.add(Map.of("seq", i, "sensor", "s" + (i % 5)));
            }
            input.appendAll(values);
            MqttSink sink = new MqttSink(broker.url(), "out/{sensor}", Map.of("maxReconnectDelay", "1s", "connectTimeout", "2s",
                    "publishTimeout", "5s"));
            ConsumerHandle consumer = mb.streaming("input").size(100).sink(sink)
                    .backoff(Duration.ofMillis(50), Duration.ofMillis(200)).maxAttempts(100).start();

            TestClients.await(Duration.ofSeconds(30), () -> results.buffer().size() >= count / 4,
                    () -> "only " + results.buffer().size() + " before the restart");
            broker.restart();

            TestClients.await(Duration.ofSeconds(60), () -> seqs(results).size() >= count,
                    () -> seqs(results).size() + " of " + count + "; consumer " + consumer.stats() + " failure "
                            + consumer.failure() + "; reader failure " + readerAttachment.failure());
            consumer.stop();
            readerAttachment.stop();
            sink.close();
            assertThat(consumer.stats().deadLettered()).isZero();
            assertThat(readerAttachment.failure()).isNull();
            assertThat(seqs(results)).hasSize(count);
        }
    }

    static Set<Integer> seqs(Stream stream) {
        return MqttSessionTest.seqs(stream);
    }
}
