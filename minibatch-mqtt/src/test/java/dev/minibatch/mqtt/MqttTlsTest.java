package dev.minibatch.mqtt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.minibatch.Attachment;
import dev.minibatch.model.ConfigurationException;
import dev.minibatch.Minibatch;
import dev.minibatch.Stream;
import dev.minibatch.mqtt.testing.MosquittoBroker;
import dev.minibatch.mqtt.testing.TestClients;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Key;
import java.security.KeyStore;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS against mosquitto's TLS listener, with a self-signed certificate for 127.0.0.1 made by the
 * JDK's {@code keytool}.
 */
class MqttTlsTest {

    @TempDir
    static Path certs;
    static Path certPem;
    static Path keyPem;
    static Path trustStore;

    @BeforeAll
    static void makeCertificate() throws Exception {
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        Path keyStore = certs.resolve("broker.p12");
        run(keytool.toString(), "-genkeypair", "-alias", "broker", "-keyalg", "RSA", "-keysize", "2048",
                "-dname", "CN=127.0.0.1", "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "2",
                "-keystore", keyStore.toString(), "-storetype", "PKCS12", "-storepass", "changeit", "-keypass", "changeit");
        certPem = certs.resolve("broker-cert.pem");
        run(keytool.toString(), "-exportcert", "-rfc", "-alias", "broker", "-keystore", keyStore.toString(),
                "-storepass", "changeit", "-file", certPem.toString());
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keyStore)) {
            store.load(in, "changeit".toCharArray());
        }
        Key key = store.getKey("broker", "changeit".toCharArray());
        keyPem = certs.resolve("broker-key.pem");
        Files.writeString(keyPem, "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(key.getEncoded())
                + "\n-----END PRIVATE KEY-----\n");
        trustStore = certs.resolve("trust.p12");
        run(keytool.toString(), "-importcert", "-noprompt", "-alias", "ca", "-file", certPem.toString(),
                "-keystore", trustStore.toString(), "-storetype", "PKCS12", "-storepass", "trustpass");
    }

    static void run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", List.of(command)) + " failed: " + output);
        }
    }

    @Test
    void sourceAndSinkTalkTlsWithAPemCaFileOrATrustStore(@TempDir Path dir) throws Exception {
        try (MosquittoBroker broker = MosquittoBroker.config().tls(certPem, keyPem).start(dir);
             Minibatch mb = Minibatch.connect("memory:")) {
            Stream stream = mb.stream("secure");
            MqttSource source = new MqttSource(broker.tlsUrl(), "secure/#", Map.of("tls.caFile", certPem.toString()));
            Attachment attachment = stream.attach(source);
            TestClients.await(Duration.ofSeconds(10), source::isSubscribed, () -> "failure: " + attachment.failure());

            MqttSink sink = new MqttSink(broker.tlsUrl(), "secure/{kind}", Map.of("tls.trustStore", trustStore.toString(),
                    "tls.trustStorePassword", "trustpass"));
            for (int i = 0; i < 100; i++) {
                sink.put(Map.of("kind", "reading", "n", i));
            }
            sink.flush();
            sink.close();
            TestClients.await(Duration.ofSeconds(10), () -> stream.buffer().size() == 100,
                    () -> stream.buffer().size() + " of 100 over TLS");
            attachment.stop();
            assertThat(stream.buffer().get(0).data().path("topic").asText()).isEqualTo("secure/reading");
        }
    }

    @Test
    void anUntrustedCertificateIsAClearTlsError(@TempDir Path dir) throws Exception {
        try (MosquittoBroker broker = MosquittoBroker.config().tls(certPem, keyPem).start(dir)) {
            // no trust settings: the JVM's default CAs do not know our self-signed certificate
            assertThatThrownBy(() -> new MqttSink(broker.tlsUrl(), "secure/out", Map.of("connectTimeout", "5s")))
                    .isInstanceOf(MqttConnectionException.class)
                    .hasMessageContaining(broker.tlsUrl())
                    .hasMessageContaining("TLS handshake failed");
        }
    }

    @Test
    void tlsOptionsAreChecked(@TempDir Path dir) {
        assertThatThrownBy(() -> new MqttSink("tcp://127.0.0.1:1", "t", Map.of("tls.caFile", certPem.toString())))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("need an ssl://");
        assertThatThrownBy(() -> new MqttSink("ssl://127.0.0.1:1", "t", Map.of("tls.caFile", dir.resolve("none.pem").toString())))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("tls.caFile").hasMessageContaining("does not exist");
        assertThatThrownBy(() -> new MqttSink("ssl://127.0.0.1:1", "t", Map.of("tls.trustStore", trustStore.toString(),
                "tls.trustStorePassword", "not-the-password")))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("tls.trustStore")
                .hasMessageNotContaining("not-the-password");
    }
}
