package dev.minibatch.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.minibatch.model.ConfigurationException;
import dev.minibatch.plugin.Providers;
import dev.minibatch.plugin.Providers.Kind;
import dev.minibatch.spi.OptionSpec;
import dev.minibatch.spi.connector.Sink;
import dev.minibatch.spi.connector.Source;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Discovery of the {@code kafka} source and sink and validation of their options (no broker needed). */
class KafkaProvidersTest {

    private static final String SECRET = "Sup3r-Secret-Passw0rd";
    private static final String JAAS = "org.apache.kafka.common.security.plain.PlainLoginModule required "
            + "username=\"bob\" password=\"" + SECRET + "\";";

    @Test
    void bothAreDiscoveredUnderTheNameKafkaWithTheirOptionsDeclared() {
        Providers providers = Providers.defaults();
        assertThat(providers.errors()).isEmpty();
        Providers.Entry source = providers.find(Kind.SOURCE, "kafka");
        Providers.Entry sink = providers.find(Kind.SINK, "kafka");
        assertThat(source.provider()).isInstanceOf(KafkaSourceProvider.class);
        assertThat(sink.provider()).isInstanceOf(KafkaSinkProvider.class);
        assertThat(source.provider().options().stream().filter(OptionSpec::required).map(OptionSpec::name)
                .collect(Collectors.toList())).containsExactly("topic", "bootstrap.servers");
        assertThat(sink.provider().options().stream().map(OptionSpec::name).collect(Collectors.toList()))
                .contains("topic", "bootstrap.servers", "key", "expand", "acks", "timeout", "kafka.*");

        Source created = providers.source("kafka", Map.of("topic", "a, b", "bootstrap.servers", "h1:9092,h2:9092",
                "group.id", "g", "start", "latest", "metadata", "key", "kafka.max.poll.records", "5"));
        assertThat(created).isInstanceOf(KafkaSource.class);
        assertThat(((KafkaSource) created).topics()).containsExactly("a", "b");
        assertThat(((KafkaSource) created).groupId("any")).isEqualTo("g");
        assertThat(new KafkaSource("t").bootstrapServers()).isEqualTo("localhost:9092");
        assertThat(new KafkaSource("t", "h:1").groupId("clicks")).isEqualTo("minibatch-clicks");
    }

    @Test
    void invalidSourceOptionsAreRejectedNamingTheOption() {
        Providers providers = Providers.defaults();
        assertThatThrownBy(() -> providers.source("kafka", Map.of("bootstrap.servers", "127.0.0.1:9")))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("'topic'");
        assertThatThrownBy(() -> providers.source("kafka", Map.of("topic", "t", "bootstrap.servers", "h:1", "topics", "x")))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("'topics'").hasMessageContaining("group.id");
        assertThatThrownBy(() -> providers.source("kafka", Map.of("topic", "t", "bootstrap.servers", "h:1", "start", "middle")))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("earliest or latest");
        assertThatThrownBy(() -> providers.source("kafka", Map.of("topic", "t", "bootstrap.servers", "h:1", "metadata", "size")))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("'size'");
        assertThatThrownBy(() -> providers.source("kafka", Map.of("topic", "t", "bootstrap.servers", "127.0.0.1:9",
                "kafka.enable.auto.commit", "true")))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("committed after the records were appended");
        assertThatThrownBy(() -> providers.source("kafka", Map.of("topic", "t", "bootstrap.servers", "127.0.0.1:9",
                "poll.timeout", "0s")))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("'poll.timeout'");
        assertThatThrownBy(() -> providers.source("kafka", Map.of("topic", "t", "bootstrap.servers", "127.0.0.1:9",
                "kafka.max.poll.records", "many")))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("max.poll.records");
        assertThatThrownBy(() -> new KafkaSource("t", "h:1", Map.of("topic", "u")))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("constructor argument");
    }

    @Test
    void secretsNeverAppearInDescriptionsOrConfigurationErrors() {
        Map<String, String> sasl = Map.of("kafka.security.protocol", "SASL_PLAINTEXT",
                "kafka.sasl.mechanism", "PLAIN", "kafka.sasl.jaas.config", JAAS);
        Source source = Providers.defaults().source("kafka", with(sasl, "topic", "t", "bootstrap.servers", "127.0.0.1:9"));
        assertThat(source.toString()).doesNotContain(SECRET);

        // a JAAS text Kafka cannot parse: the error names the property, not its value
        Map<String, String> broken = Map.of("kafka.security.protocol", "SASL_PLAINTEXT",
                "kafka.sasl.mechanism", "PLAIN", "kafka.sasl.jaas.config", "password=\"" + SECRET + "\" no module");
        assertThatThrownBy(() -> Providers.defaults().sink("kafka", with(broken, "topic", "t", "bootstrap.servers", "127.0.0.1:9")))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("127.0.0.1:9").hasMessageContaining("JAAS")
                .satisfies(e -> assertThat(fullText(e)).doesNotContain(SECRET));
        assertThatThrownBy(() -> Providers.defaults().source("kafka", with(broken, "topic", "t", "bootstrap.servers", "127.0.0.1:9",
                "kafka.sasl.login.refresh.window.factor", "2.5")))
                .isInstanceOf(ConfigurationException.class)
                .satisfies(e -> assertThat(fullText(e)).doesNotContain(SECRET));

        Sink sink = Providers.defaults().sink("kafka", with(sasl, "topic", "t", "bootstrap.servers", "127.0.0.1:9"));
        try {
            assertThat(sink.toString()).doesNotContain(SECRET);
        } finally {
            ((KafkaSink) sink).close();
        }
        assertThat(ClientSettings.isSecret("sasl.jaas.config")).isTrue();
        assertThat(ClientSettings.isSecret("ssl.keystore.password")).isTrue();
        assertThat(ClientSettings.isSecret("my.custom.api.secret")).isTrue();
        assertThat(ClientSettings.isSecret("max.poll.records")).isFalse();
    }

    private static Map<String, String> with(Map<String, String> base, String... pairs) {
        Map<String, String> out = new java.util.HashMap<>(base);
        for (int i = 0; i < pairs.length; i += 2) {
            out.put(pairs[i], pairs[i + 1]);
        }
        return out;
    }

    /** Messages of the whole cause chain and the stack trace text. */
    static String fullText(Throwable e) {
        java.io.StringWriter w = new java.io.StringWriter();
        e.printStackTrace(new java.io.PrintWriter(w));
        return w.toString();
    }
}
