package dev.minibatch.mqtt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.minibatch.Attachment;
import dev.minibatch.Minibatch;
import dev.minibatch.Stream;
import dev.minibatch.mqtt.testing.Broker;
import dev.minibatch.mqtt.testing.MosquittoBroker;
import dev.minibatch.mqtt.testing.TestClients;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Wrong credentials, unreachable and mute brokers: clear errors, within a bounded time. */
class MqttFailureTest {

    static final Duration BOUND = Duration.ofSeconds(15);

    /** Attaches the source and returns its failure, which must come within {@link #BOUND}. */
    static Throwable failureOf(MqttSource source) throws InterruptedException {
        try (Minibatch mb = Minibatch.connect("memory:")) {
            Stream stream = mb.stream("failing");
            Attachment attachment = stream.attach(source);
            assertThat(attachment.awaitTermination(BOUND)).as("source gave up within " + BOUND).isTrue();
            assertThat(stream.buffer()).isEmpty();
            return attachment.failure();
        }
    }

    @Test
    void wrongCredentialsAreReportedNamingTheBrokerAndUserButNotThePassword(@TempDir Path dir) throws Exception {
        try (MosquittoBroker broker = MosquittoBroker.config().credentials("alice", "right-secret").start(dir)) {
            Map<String, Object> wrong = Map.of("username", "alice", "password", "wrong-secret", "clientId", "bad-login");

            Throwable sourceFailure = failureOf(new MqttSource(broker.url(), "t/#", wrong));
            assertThat(sourceFailure).isInstanceOf(MqttConnectionException.class)
                    .hasMessageContaining(broker.url())
                    .hasMessageContaining("not authorized")
                    .hasMessageContaining("alice")
                    .hasMessageNotContaining("wrong-secret");

            assertTimeoutPreemptively(BOUND, () ->
                    assertThatThrownBy(() -> new MqttSink(broker.url(), "t/out", wrong))
                            .isInstanceOf(MqttConnectionException.class)
                            .hasMessageContaining(broker.url())
                            .hasMessageContaining("not authorized")
                            .hasMessageNotContaining("wrong-secret"));

            Throwable anonymous = failureOf(new MqttSource(broker.url(), "t/#"));
            assertThat(anonymous).isInstanceOf(MqttConnectionException.class)
                    .hasMessageContaining("not authorized").hasMessageContaining("no username given");

            // and the right password works, end to end
            Map<String, Object> right = Map.of("username", "alice", "password", "right-secret");
            try (Minibatch mb = Minibatch.connect("memory:")) {
                Stream stream = mb.stream("authorised");
                MqttSource source = new MqttSource(broker.url(), "t/#", right);
                Attachment attachment = stream.attach(source);
                TestClients.await(Duration.ofSeconds(10), source::isSubscribed, () -> "failure: " + attachment.failure());
                MqttSink sink = new MqttSink(broker.url(), "t/out", right);
                sink.put(Map.of("hello", "world"));
                sink.flush();
                sink.close();
                TestClients.await(Duration.ofSeconds(10), () -> stream.buffer().size() == 1, () -> "no message");
                assertThat(stream.buffer().get(0).data().path("payload").path("hello").asText()).isEqualTo("world");
                attachment.stop();
            }
        }
    }

    @Test
    void anUnreachableBrokerIsReportedAsRefusedWithinTheBound() throws Exception {
        String url = "tcp://127.0.0.1:" + Broker.freePort(); // nothing listens there
        Throwable failure = failureOf(new MqttSource(url, "t/#"));
        assertThat(failure).isInstanceOf(MqttConnectionException.class)
                .hasMessageContaining(url)
                .hasMessageContaining("connection refused");
        assertTimeoutPreemptively(BOUND, () ->
                assertThatThrownBy(() -> new MqttSink(url, "t/out"))
                        .isInstanceOf(MqttConnectionException.class)
                        .hasMessageContaining(url)
                        .hasMessageContaining("connection refused"));
    }

    @Test
    void aServerThatNeverAnswersMqttFailsAfterConnectTimeout() throws Exception {
        List<Socket> accepted = new CopyOnWriteArrayList<>();
        try (ServerSocket mute = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread acceptor = new Thread(() -> {
                while (!mute.isClosed()) {
                    try {
                        accepted.add(mute.accept()); // accept and say nothing
                    } catch (IOException e) {
                        return;
                    }
                }
            }, "mute-server");
            acceptor.setDaemon(true);
            acceptor.start();
            String url = "tcp://127.0.0.1:" + mute.getLocalPort();
            Map<String, Object> options = Map.of("connectTimeout", "1s");

            Throwable failure = failureOf(new MqttSource(url, "t/#", options));
            assertThat(failure).isInstanceOf(MqttConnectionException.class)
                    .hasMessageContaining(url)
                    .hasMessageContaining("no answer within connectTimeout 1000 ms");
            assertTimeoutPreemptively(BOUND, () ->
                    assertThatThrownBy(() -> new MqttSink(url, "t/out", options))
                            .isInstanceOf(MqttConnectionException.class)
                            .hasMessageContaining("no answer within connectTimeout"));
            assertThat(accepted).isNotEmpty();
        } finally {
            for (Socket s : accepted) {
                s.close();
            }
        }
    }

    @Test
    void aBrokerThatDisappearsMakesPublishingFailAfterPublishTimeout(@TempDir Path dir) throws Exception {
        MosquittoBroker broker = MosquittoBroker.start(dir);
        MqttSink sink = new MqttSink(broker.url(), "gone/out", Map.of("publishTimeout", "1s", "connectTimeout", "1s",
                "maxReconnectDelay", "500ms"));
        try {
            sink.put(Map.of("n", 1));
            sink.flush();
            broker.close(); // SIGKILL, never restarted
            TestClients.await(Duration.ofSeconds(10), () -> !sink.isConnected(), () -> "still connected");
            assertTimeoutPreemptively(BOUND, () -> {
                assertThatThrownBy(() -> {
                    sink.put(Map.of("n", 2));
                    sink.flush();
                }).isInstanceOf(MqttConnectionException.class)
                        .hasMessageContaining(broker.url())
                        .hasMessageContaining("publishTimeout 1000 ms");
            });
            assertThat(sink.unacknowledged()).as("a put that threw was not accepted; the consumer retries the window")
                    .isZero();
        } finally {
            sink.close();
        }
    }
}
