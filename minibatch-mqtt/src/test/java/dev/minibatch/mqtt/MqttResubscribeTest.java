package dev.minibatch.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import dev.minibatch.Attachment;
import dev.minibatch.Minibatch;
import dev.minibatch.Stream;
import dev.minibatch.mqtt.testing.DroppingProxy;
import dev.minibatch.mqtt.testing.MosquittoBroker;
import dev.minibatch.mqtt.testing.TestClients;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A broker that drops the source while its SUBSCRIBE is in flight (moquette does so under load):
 * the source reconnects and subscribes again, as a real client does, instead of failing (first
 * subscribe) or staying connected without a subscription (a renewal lost after a reconnect). The
 * drop is made by a TCP relay in front of a real mosquitto, cutting the connection on SUBSCRIBE.
 */
class MqttResubscribeTest {

    @ParameterizedTest(name = "persistent session {0}, {1} SUBSCRIBE(s) dropped")
    @CsvSource({"true, 1", "false, 1", "true, 2", "false, 2"})
    void aSourceDroppedWhileSubscribingReconnectsSubscribesAgainAndReceivesEverything(boolean persistent, int drops,
            @TempDir Path dir) throws Exception {
        int count = 200;
        try (MosquittoBroker broker = MosquittoBroker.start(dir);
             DroppingProxy proxy = new DroppingProxy(broker.url(), drops);
             Minibatch mb = Minibatch.connect("memory:")) {
            Stream stream = mb.stream("resubscribed");
            Map<String, Object> options = new HashMap<>(Map.of("maxReconnectDelay", "500ms", "connectTimeout", "5s"));
            if (persistent) {
                options.put("clientId", "resubscribe-" + drops);
            }
            MqttSource source = new MqttSource(proxy.url(), "plant/#", options);
            assertThat(source.persistentSession()).isEqualTo(persistent);
            Attachment attachment = stream.attach(source);

            TestClients.await(Duration.ofSeconds(30), () -> source.isSubscribed() || !attachment.isRunning(),
                    () -> "not subscribed after " + proxy.connections() + " connection(s); failure: " + attachment.failure());
            assertThat(proxy.dropsLeft()).as("every planned drop happened").isZero();
            assertThat(proxy.connections()).as("the source reconnected after each drop").isEqualTo(drops + 1);
            assertThat(attachment.isRunning()).as("failure: " + attachment.failure()).isTrue();

            TestClients.publish(broker.url(), count, 1, i -> "plant/line" + (i % 3), TestClients::reading);
            TestClients.await(Duration.ofSeconds(30), () -> MqttSessionTest.seqs(stream).size() >= count,
                    () -> MqttSessionTest.seqs(stream).size() + " of " + count + " arrived; failure: " + attachment.failure());
            attachment.stop();
            assertThat(MqttSessionTest.seqs(stream)).hasSize(count);
            assertThat(attachment.failure()).isNull();
        }
    }
}
