package dev.minibatch.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import dev.minibatch.Attachment;
import dev.minibatch.model.Message;
import dev.minibatch.Minibatch;
import dev.minibatch.plugin.Providers;
import dev.minibatch.model.StoreException;
import dev.minibatch.Stream;
import dev.minibatch.mqtt.testing.Broker;
import dev.minibatch.mqtt.testing.MoquetteBroker;
import dev.minibatch.mqtt.testing.MosquittoBroker;
import dev.minibatch.mqtt.testing.TestClients;
import dev.minibatch.spi.store.StreamStore;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Persistent sessions and "acknowledged only after appended", against real brokers. */
class MqttSessionTest {

    static Broker start(String kind, Path dir) {
        return kind.equals("mosquitto") ? MosquittoBroker.start(dir) : MoquetteBroker.start();
    }

    /** The distinct {@code payload.seq} values in the stream's buffer. */
    static Set<Integer> seqs(Stream stream) {
        Set<Integer> seqs = new HashSet<>();
        for (Message m : stream.buffer()) {
            seqs.add(m.data().path("payload").path("seq").asInt(-1));
        }
        return seqs;
    }

    static Attachment attachSubscribed(Stream stream, MqttSource source) throws InterruptedException {
        Attachment attachment = stream.attach(source);
        TestClients.await(Duration.ofSeconds(10), source::isSubscribed,
                () -> "source not subscribed; failure: " + attachment.failure());
        return attachment;
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"mosquitto", "moquette"})
    void messagesPublishedWhileThePersistentSourceIsDownArriveAfterItsRestart(String kind, @TempDir Path dir)
            throws Exception {
        int count = 2_000;
        try (Broker broker = start(kind, dir); Minibatch mb = Minibatch.connect("memory:")) {
            Stream stream = mb.stream("persisted");
            Map<String, Object> options = Map.of("clientId", "persistent-" + kind, "qos", 1);
            MqttSource first = new MqttSource(broker.url(), "plant/#", options);
            assertThat(first.persistentSession()).isTrue();
            Attachment running = attachSubscribed(stream, first);
            running.stop();
            assertThat(running.isRunning()).isFalse();

            TestClients.publish(broker.url(), count, 1, i -> "plant/line" + (i % 3), TestClients::reading);
            assertThat(stream.buffer()).isEmpty();

            Attachment restarted = attachSubscribed(stream, new MqttSource(broker.url(), "plant/#", options));
            TestClients.await(Duration.ofSeconds(60), () -> seqs(stream).size() >= count,
                    () -> seqs(stream).size() + " of " + count + " arrived after the restart");
            restarted.stop();
            Set<Integer> seqs = seqs(stream);
            assertThat(seqs).hasSize(count).allMatch(s -> s >= 0 && s < count);
            assertThat(restarted.failure()).isNull();
        }
    }

    @Test
    void withoutAClientIdTheSessionIsCleanAndMessagesPublishedWhileDownAreNotKept(@TempDir Path dir) throws Exception {
        try (MosquittoBroker broker = MosquittoBroker.start(dir); Minibatch mb = Minibatch.connect("memory:")) {
            Stream stream = mb.stream("clean");
            MqttSource first = new MqttSource(broker.url(), "plant/#");
            assertThat(first.persistentSession()).isFalse();
            attachSubscribed(stream, first).stop();

            TestClients.publish(broker.url(), 50, 1, i -> "plant/a", TestClients::reading);
            Attachment second = attachSubscribed(stream, new MqttSource(broker.url(), "plant/#"));
            // a marker published after the new subscription: once it is in, anything kept would be too
            TestClients.publish(broker.url(), 1, 1, i -> "plant/a", i -> TestClients.reading(999_999));
            TestClients.await(Duration.ofSeconds(10), () -> seqs(stream).contains(999_999), () -> "marker missing");
            second.stop();
            assertThat(seqs(stream)).containsExactly(999_999);
        }
    }

    /** A memory store whose appends fail while {@code failing} is set: a store outage, not a mock of MQTT. */
    static StreamStore failingStore(AtomicBoolean failing, AtomicInteger rejected) {
        StreamStore real = Providers.defaults().openStore("memory:");
        return (StreamStore) Proxy.newProxyInstance(StreamStore.class.getClassLoader(), new Class<?>[] {StreamStore.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("append") && failing.get()) {
                        rejected.incrementAndGet();
                        throw new StoreException("injected outage: store unavailable");
                    }
                    try {
                        return method.invoke(real, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    @Test
    void aStoreOutageShorterThanAppendTimeoutLosesNothing(@TempDir Path dir) throws Exception {
        AtomicBoolean failing = new AtomicBoolean();
        AtomicInteger rejected = new AtomicInteger();
        int count = 1_000;
        try (MosquittoBroker broker = MosquittoBroker.start(dir);
             Minibatch mb = Minibatch.builder().store(failingStore(failing, rejected)).build()) {
            Stream stream = mb.stream("outage");
            MqttSource source = new MqttSource(broker.url(), "dev/#", Map.of("clientId", "outage-short", "appendTimeout", "20s"));
            Attachment attachment = attachSubscribed(stream, source);

            failing.set(true);
            TestClients.publish(broker.url(), count, 1, i -> "dev/x", TestClients::reading);
            TestClients.await(Duration.ofSeconds(10), () -> rejected.get() >= 3, () -> "no append attempted");
            failing.set(false);

            TestClients.await(Duration.ofSeconds(30), () -> seqs(stream).size() >= count,
                    () -> seqs(stream).size() + " of " + count + " after the outage");
            assertThat(attachment.isRunning()).isTrue();
            assertThat(attachment.failure()).isNull();
            attachment.stop();
            assertThat(seqs(stream)).hasSize(count);
        }
    }

    @Test
    void messagesNotAppendedAreNotAcknowledgedAndComeBackToTheNextSource(@TempDir Path dir) throws Exception {
        AtomicBoolean failing = new AtomicBoolean();
        AtomicInteger rejected = new AtomicInteger();
        try (MosquittoBroker broker = MosquittoBroker.start(dir);
             Minibatch mb = Minibatch.builder().store(failingStore(failing, rejected)).build()) {
            Stream stream = mb.stream("unacked");
            Map<String, Object> options = Map.of("clientId", "unacked-src", "appendTimeout", "300ms");
            MqttSource first = new MqttSource(broker.url(), "dev/#", options);
            Attachment attachment = attachSubscribed(stream, first);

            TestClients.publish(broker.url(), 200, 1, i -> "dev/y", TestClients::reading);
            TestClients.await(Duration.ofSeconds(20), () -> seqs(stream).size() >= 200, () -> seqs(stream).size() + " of 200");

            failing.set(true);
            TestClients.publish(broker.url(), 300, 1, i -> "dev/y", i -> TestClients.reading(200 + i));
            assertThat(attachment.awaitTermination(Duration.ofSeconds(20))).as("source gives up after appendTimeout").isTrue();
            assertThat(attachment.failure()).isInstanceOf(StoreException.class)
                    .hasMessageContaining("appendTimeout")
                    .hasMessageContaining("not acknowledged")
                    .hasMessageContaining("unacked-src")
                    .hasMessageContaining("unacked");
            assertThat(seqs(stream)).hasSize(200);

            failing.set(false);
            Attachment second = attachSubscribed(stream, new MqttSource(broker.url(), "dev/#", options));
            TestClients.await(Duration.ofSeconds(30), () -> seqs(stream).size() >= 500,
                    () -> seqs(stream).size() + " of 500 after the restart");
            second.stop();
            assertThat(seqs(stream)).hasSize(500).allMatch(s -> s >= 0 && s < 500);
        }
    }
}
