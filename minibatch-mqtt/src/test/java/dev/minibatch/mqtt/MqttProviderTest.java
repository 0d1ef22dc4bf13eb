package dev.minibatch.mqtt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.minibatch.Attachment;
import dev.minibatch.model.ConfigurationException;
import dev.minibatch.model.ConsumerHandle;
import dev.minibatch.Minibatch;
import dev.minibatch.plugin.Providers;
import dev.minibatch.Stream;
import dev.minibatch.mqtt.testing.MoquetteBroker;
import dev.minibatch.mqtt.testing.TestClients;
import dev.minibatch.mqtt.testing.TestClients.Collector;
import dev.minibatch.spi.OptionSpec;
import dev.minibatch.spi.connector.Source;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Discovery under the name {@code mqtt}, option validation, and use by name end to end. */
class MqttProviderTest {

    @Test
    void sourceAndSinkAreDiscoveredAsMqttWithDeclaredOptions() {
        Providers providers = Providers.defaults();
        assertThat(providers.names(Providers.Kind.SOURCE)).contains("mqtt");
        assertThat(providers.names(Providers.Kind.SINK)).contains("mqtt");
        Providers.Entry source = providers.find(Providers.Kind.SOURCE, "mqtt");
        assertThat(source.provider()).isInstanceOf(MqttSourceProvider.class);
        assertThat(source.provider().options()).extracting(OptionSpec::name)
                .contains("url", "topic", "qos", "clientId", "cleanSession", "username", "password", "tls.caFile");
        assertThat(source.provider().options()).filteredOn(OptionSpec::required).extracting(OptionSpec::name)
                .containsExactlyInAnyOrder("url", "topic");
        Providers.Entry sink = providers.find(Providers.Kind.SINK, "mqtt");
        assertThat(sink.provider().options()).extracting(OptionSpec::name).contains("retained", "expand", "maxInflight");
        assertThat(providers.errors()).isEmpty();
    }

    @Test
    void badOptionsAreRejectedBeforeAnythingConnects() {
        Providers providers = Providers.defaults();
        assertThatThrownBy(() -> providers.source("mqtt", Map.of("url", "tcp://localhost:1883")))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("'topic'");
        assertThatThrownBy(() -> providers.source("mqtt", Map.of("url", "tcp://h", "topic", "t", "qso", "1")))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("'qso'").hasMessageContaining("qos");
        assertThatThrownBy(() -> providers.source("mqtt", Map.of("url", "tcp://h", "topic", "t", "qos", "3")))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("'qos' must be 0, 1 or 2");
        assertThatThrownBy(() -> providers.source("mqtt", Map.of("url", "tcp://h", "topic", "t", "qos", "one")))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("whole number");
        assertThatThrownBy(() -> providers.source("mqtt", Map.of("url", "tcp://h", "topic", "t", "cleanSession", "false")))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("needs a stable 'clientId'");
        assertThatThrownBy(() -> providers.source("mqtt", Map.of("url", "tcp://h", "topic", "a/#/b")))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("a/#/b");
        assertThatThrownBy(() -> providers.source("mqtt", Map.of("url", "tcp://h", "topic", "t", "format", "xml")))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("'format'");
        assertThatThrownBy(() -> providers.source("mqtt", Map.of("url", "http://h", "topic", "t")))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("tcp://");
        assertThatThrownBy(() -> providers.source("mqtt", Map.of("url", "tcp://bob:hunter2@h:1883", "topic", "t")))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("'username' and 'password'")
                .hasMessageNotContaining("hunter2");
        assertThatThrownBy(() -> providers.source("mqtt", Map.of("url", "tcp://h", "topic", "t", "password", "pw")))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("needs 'username'")
                .hasMessageNotContaining("pw'");
        assertThatThrownBy(() -> providers.sink("mqtt", Map.of("url", "tcp://h", "topic", "out/+/x")))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("wildcards");
        assertThatThrownBy(() -> providers.sink("mqtt", Map.of("url", "tcp://h", "topic", "out/{id")))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("unclosed");
        assertThatThrownBy(() -> new MqttSource("tcp://h", "t", Map.of("url", "tcp://other")))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("constructor argument");
    }

    @Test
    void sourceOptionsShapeTheSessionAndUrlsAreNormalised() {
        Source source = Providers.defaults().source("mqtt", Map.of("url", "mqtt://localhost", "topic", "a/+",
                "clientId", "stable-id"));
        MqttSource mqtt = (MqttSource) source;
        assertThat(mqtt.clientId()).isEqualTo("stable-id");
        assertThat(mqtt.persistentSession()).isTrue();
        assertThat(mqtt.toString()).contains("tcp://localhost:1883");
        MqttSource clean = new MqttSource("mqtts://example.org", "a", Map.of("clientId", "x", "cleanSession", true));
        assertThat(clean.persistentSession()).isFalse();
        assertThat(clean.toString()).contains("ssl://example.org:8883");
        assertThat(new MqttSource("tcp://h:1", "a").clientId()).startsWith("mb-src-");
    }

    @Test
    void sourceAndSinkByNameEndToEnd(@TempDir Path dir) throws Exception {
        try (MoquetteBroker broker = MoquetteBroker.start();
             Minibatch mb = Minibatch.builder().url("sqlite:" + dir.resolve("streams.db")).build();
             Collector subscriber = new Collector(broker.url(), "alerts/#", 1)) {
            Stream stream = mb.stream("by-name");
            MqttSource source = (MqttSource) mb.providers().source("mqtt",
                    Map.of("url", broker.url(), "topic", "in/#", "qos", "1", "clientId", "by-name-src"));
            Attachment attachment = stream.attach(source);
            TestClients.await(Duration.ofSeconds(10), source::isSubscribed, () -> "failure " + attachment.failure());

            ConsumerHandle consumer = mb.streaming("by-name").size(10)
                    .sink("mqtt", Map.of("url", broker.url(), "topic", "alerts/{sensor}", "qos", "1"))
                    .map(window -> window.data().stream().map(m -> m.get("payload")).toList())
                    .start();
            TestClients.publish(broker.url(), 100, 1, i -> "in/x", TestClients::reading);
            TestClients.await(Duration.ofSeconds(30), () -> subscriber.distinctCount() >= 100,
                    () -> subscriber.distinctCount() + " of 100; consumer " + consumer.failure());
            consumer.stop();
            attachment.stop();
            List<Collector.Received> received = subscriber.received();
            assertThat(received).allMatch(r -> r.topic().equals("alerts/" + r.json().get("sensor").asText()));
            assertThat(consumer.isRunning()).isFalse();
        }
    }
}
