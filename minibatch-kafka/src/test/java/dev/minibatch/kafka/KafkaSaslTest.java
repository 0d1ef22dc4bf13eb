package dev.minibatch.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.minibatch.Attachment;
import dev.minibatch.model.ConsumerHandle;
import dev.minibatch.Minibatch;
import dev.minibatch.Stream;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * SASL/PLAIN through {@code kafka.*} pass-through against the broker's SASL listener: the source and
 * sink work with the right password, fail clearly with a wrong one, and no password reaches the log
 * or an exception.
 */
class KafkaSaslTest {

    private static final String WRONG_PASSWORD = "Wr0ng-Passw0rd-value";

    private static KafkaBroker broker;

    private PrintStream originalErr;
    private PrintStream originalOut;
    private final ByteArrayOutputStream captured = new ByteArrayOutputStream();

    @BeforeAll
    static void broker() throws Exception {
        broker = KafkaBroker.shared();
    }

    /** Everything written to stdout and stderr (slf4j-simple logs to stderr) is also kept here. */
    @BeforeEach
    void captureLogs() {
        originalErr = System.err;
        originalOut = System.out;
        System.setErr(new PrintStream(new Tee(originalErr, captured), true, StandardCharsets.UTF_8));
        System.setOut(new PrintStream(new Tee(originalOut, captured), true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restoreLogs() {
        System.setErr(originalErr);
        System.setOut(originalOut);
    }

    private String logs() {
        synchronized (captured) {
            return captured.toString(StandardCharsets.UTF_8);
        }
    }

    private static Map<String, String> sasl(String password) {
        Map<String, String> m = new HashMap<>();
        m.put("kafka.security.protocol", "SASL_PLAINTEXT");
        m.put("kafka.sasl.mechanism", "PLAIN");
        m.put("kafka.sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required username=\""
                + KafkaBroker.SASL_USER + "\" password=\"" + password + "\";");
        return m;
    }

    @Test
    void sourceAndSinkWorkOverSaslWithPassThroughProperties() throws Exception {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String in = "sasl-in-" + suffix;
        String out = "sasl-out-" + suffix;
        broker.createTopic(in, 1);
        broker.createTopic(out, 1);
        TestKafka.produceIds(broker.bootstrapServers(), in, 0, 200);
        String servers = broker.saslBootstrapServers();
        try (Minibatch mb = Minibatch.connect("memory:");
             KafkaSink sink = new KafkaSink(out, servers, sasl(KafkaBroker.SASL_PASSWORD))) {
            Stream stream = mb.stream("sasl");
            Attachment source = stream.attach(new KafkaSource(in, servers, sasl(KafkaBroker.SASL_PASSWORD)));
            ConsumerHandle consumer = mb.streaming("sasl").size(50).sink(sink).start(w -> { });
            var records = TestKafka.readUntil(broker.bootstrapServers(), out, Duration.ofSeconds(60), r -> r.size() >= 200);
            consumer.stop();
            source.stop();
            assertThat(source.failure()).isNull();
            assertThat(consumer.failure()).isNull();
            assertThat(TestKafka.ids(records).stream().sorted().collect(Collectors.toList()))
                    .isEqualTo(IntStream.range(0, 200).boxed().collect(Collectors.toList()));
        }
        assertThat(logs()).doesNotContain(KafkaBroker.SASL_PASSWORD);
    }

    @Test
    void aWrongPasswordFailsClearlyAndIsNeverShown() throws Exception {
        String servers = broker.saslBootstrapServers();
        try (Minibatch mb = Minibatch.connect("memory:")) {
            Stream stream = mb.stream("sasl-wrong");
            Attachment source = stream.attach(new KafkaSource("sasl-nowhere", servers, sasl(WRONG_PASSWORD)));
            assertThat(source.awaitTermination(Duration.ofSeconds(60))).isTrue();
            assertThat(source.failure()).isInstanceOf(KafkaConnectorException.class)
                    .hasMessageContaining("authentication")
                    .hasMessageContaining(servers);
            assertThat(KafkaProvidersTest.fullText(source.failure())).doesNotContain(WRONG_PASSWORD);
        }
        Map<String, String> options = sasl(WRONG_PASSWORD);
        options.put("timeout", "5s");
        try (KafkaSink sink = new KafkaSink("sasl-nowhere", servers, options)) {
            assertThatThrownBy(() -> {
                sink.put(List.of(Map.of("x", 1)));
                sink.flush();
            }).isInstanceOf(KafkaConnectorException.class)
                    .hasMessageContaining(servers)
                    .satisfies(e -> assertThat(KafkaProvidersTest.fullText(e)).doesNotContain(WRONG_PASSWORD));
        }
        assertThat(logs()).contains("sasl-wrong"); // the capture works: the failure was logged
        assertThat(logs()).doesNotContain(WRONG_PASSWORD);
    }

    /** Writes to two streams. */
    private static final class Tee extends OutputStream {
        private final OutputStream first;
        private final ByteArrayOutputStream second;

        Tee(OutputStream first, ByteArrayOutputStream second) {
            this.first = first;
            this.second = second;
        }

        @Override
        public void write(int b) throws java.io.IOException {
            first.write(b);
            synchronized (second) {
                second.write(b);
            }
        }

        @Override
        public void write(byte[] b, int off, int len) throws java.io.IOException {
            first.write(b, off, len);
            synchronized (second) {
                second.write(b, off, len);
            }
        }

        @Override
        public void flush() throws java.io.IOException {
            first.flush();
        }
    }
}
