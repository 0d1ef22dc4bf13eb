package dev.minibatch.plugins.tests;

import static dev.minibatch.plugins.tests.PluginFiles.drop;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import dev.minibatch.model.ConsumerHandle;
import dev.minibatch.model.Message;
import dev.minibatch.Minibatch;
import dev.minibatch.plugin.Providers;
import dev.minibatch.plugin.Providers.Kind;
import dev.minibatch.Stream;
import dev.minibatch.spi.connector.Sink;
import dev.minibatch.spi.connector.Source;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real connector modules packaged as drop-in zips (what an operator copies into the plugins
 * folder): they load with no error, their providers come from the plugins, and they work — the
 * MongoDB driver, kafka-clients and the omega|ml module are not on this test's class path, so
 * every class they use comes from the plugin zips.
 */
class ConnectorPluginsTest {

    private static final ClassLoader APP = ConnectorPluginsTest.class.getClassLoader();

    @TempDir
    Path dir;

    private static String coreVersion() {
        return System.getProperty("minibatch.core.version");
    }

    @Test
    void connectorDriversAreNotOnTheTestClassPath() {
        for (String type : List.of("com.mongodb.client.MongoClient", "org.apache.kafka.clients.producer.KafkaProducer",
                "org.eclipse.paho.client.mqttv3.MqttClient", "dev.minibatch.mongo.MongoStore", "dev.minibatch.kafka.KafkaSink",
                "dev.minibatch.omegaml.Omega", "dev.minibatch.mqtt.MqttSource")) {
            assertThatThrownBy(() -> Class.forName(type, false, APP)).as(type).isInstanceOf(ClassNotFoundException.class);
        }
    }

    @Test
    void kafkaMongoOmegamlAndMqttPluginsLoadAndWork() throws Exception {
        Path plugins = dir.resolve("plugins");
        drop(PluginFiles.built("minibatch-mqtt-plugin", ".zip"), plugins);
        Path kafka = drop(PluginFiles.built("minibatch-kafka-plugin", ".zip"), plugins);
        Path mongo = drop(PluginFiles.built("minibatch-mongo-plugin", ".zip"), plugins);
        drop(PluginFiles.built("minibatch-omegaml-plugin", ".zip"), plugins);
        Providers providers = Providers.discover(APP, plugins);
        assertThat(providers.errors()).isEmpty();
        assertThat(providers.names(Kind.STORE)).contains("kafka", "mongodb", "mongodb+srv", "sqlite", "memory");
        assertThat(providers.names(Kind.SOURCE)).contains("kafka", "mongodb", "omegaml", "mqtt");
        assertThat(providers.names(Kind.SINK)).contains("kafka", "mongodb", "omegaml", "mqtt");
        assertThat(providers.find(Kind.SINK, "kafka").origin())
                .isEqualTo("plugin kafka@" + coreVersion() + " (" + kafka.getFileName() + ")");
        assertThat(providers.find(Kind.STORE, "kafka").origin())
                .isEqualTo("plugin kafka@" + coreVersion() + " (" + kafka.getFileName() + ")");
        assertThat(providers.find(Kind.STORE, "mongodb").origin())
                .isEqualTo("plugin mongo@" + coreVersion() + " (" + mongo.getFileName() + ")");

        // kafka-clients loads inside the plugin: a producer is created (nothing listens on port 9)
        Sink kafkaSink = providers.sink("kafka", Map.of("topic", "out", "bootstrap.servers", "127.0.0.1:9"));
        kafkaSink.close();
        // Paho loads inside the plugin: connecting to a closed port is a clear connection error
        Source mqtt = providers.source("mqtt", Map.of("url", "tcp://127.0.0.1:9", "topic", "sensors/#"));
        try (Minibatch memory = Minibatch.builder().url("memory:").providers(providers).shutdownHook(false).build()) {
            assertThatThrownBy(() -> mqtt.stream(memory.stream("mqtt-in")))
                    .satisfies(e -> assertThat(e.getClass().getName()).isEqualTo("dev.minibatch.mqtt.MqttConnectionException"))
                    .hasMessageContaining("127.0.0.1:9");
        }

        MongoServer server = new MongoServer(new MemoryBackend());
        String url = server.bindAndGetConnectionString() + "/plugins";
        try (Minibatch mb = Minibatch.builder().url(url).providers(providers).shutdownHook(false).build()) {
            assertThat(mb.store().getClass().getName()).isEqualTo("dev.minibatch.mongo.MongoStore");
            Stream stream = mb.stream("readings");
            for (int i = 0; i < 6; i++) {
                stream.append(Map.of("i", i));
            }
            // the omegaml sink (a plugin depending on the mongo plugin) writes windows into a dataset
            ConsumerHandle consumer = mb.streaming("readings").size(3)
                    .sink("omegaml", Map.of("url", url, "dataset", "copied")).start(window -> { });
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (consumer.stats().messages() < 6 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            consumer.stop();
            assertThat(consumer.stats().messages()).isEqualTo(6);
            // … and the omegaml source reads them back
            Source source = providers.source("omegaml", Map.of("url", url, "dataset", "copied"));
            Stream back = mb.stream("back");
            source.stream(back);
            assertThat(back.buffer()).extracting(Message::data).extracting(d -> d.get("i").asInt())
                    .containsExactly(0, 1, 2, 3, 4, 5);
        } finally {
            server.shutdownNow();
        }
    }
}
