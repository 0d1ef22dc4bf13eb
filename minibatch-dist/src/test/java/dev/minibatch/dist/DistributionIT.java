package dev.minibatch.dist;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.zip.ZipFile;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The built {@code minibatch-<version>.tar.gz} as a user gets it: unpacked into a temporary folder
 * and run as {@code bin/minibatch} in a child process, from another working directory, with an
 * empty home (no user plugins), against real servers started here: a MongoDB wire server
 * (mongo-java-server), a Kafka broker (KRaft, child JVM) and mosquitto. Nothing of the build is on
 * the command's class path: it has only what the archive holds.
 */
class DistributionIT {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String VERSION = System.getProperty("minibatch.dist.version", "0.1.0-SNAPSHOT");

    /** Every plugin file the distribution bundles, and the providers each must bring. */
    static final Map<String, List<String>> BUNDLED = new TreeMap<>(Map.of(
            "minibatch-kafka-plugin-" + VERSION + ".zip", List.of("store:kafka", "source:kafka", "sink:kafka"),
            "minibatch-mqtt-plugin-" + VERSION + ".zip", List.of("source:mqtt", "sink:mqtt"),
            "minibatch-mongo-plugin-" + VERSION + ".zip", List.of("store:mongodb", "source:mongodb", "sink:mongodb"),
            "minibatch-omegaml-plugin-" + VERSION + ".zip", List.of("source:omegaml", "sink:omegaml"),
            "minibatch-sliding-window-" + VERSION + ".jar", List.of("emitter:sliding"),
            "minibatch-session-window-" + VERSION + ".jar", List.of("emitter:session"),
            "minibatch-sorted-window-" + VERSION + ".jar", List.of("emitter:sorted")));

    @TempDir
    static Path unpacked;

    static Path home;

    @TempDir
    Path dir;

    record Run(int exitCode, String stdout, String stderr) {
        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- stdout\n" + stdout + "\n--- stderr\n" + stderr;
        }
    }

    @BeforeAll
    static void unpack() throws Exception {
        Path archive = Path.of(System.getProperty("minibatch.dist.archive",
                "target/minibatch-" + VERSION + ".tar.gz")).toAbsolutePath();
        assertThat(archive).as("the archive is built in 'package'; run 'verify'").exists();
        // the system's tar, as a user would: it keeps bin/minibatch executable
        Process tar = new ProcessBuilder("tar", "-xzf", archive.toString(), "-C", unpacked.toString())
                .redirectErrorStream(true).start();
        assertThat(tar.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(tar.exitValue()).as(new String(tar.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isZero();
        home = unpacked.resolve("minibatch-" + VERSION);
    }

    /** Runs the unpacked bin/minibatch in {@code dir/work} with an empty minibatch home. */
    Run minibatch(String stdin, String... args) throws Exception {
        return run(home.resolve("bin/minibatch"), stdin, args);
    }

    Run run(Path launcher, String stdin, String... args) throws Exception {
        Path work = Files.createDirectories(dir.resolve("work"));
        String id = UUID.randomUUID().toString();
        Path in = dir.resolve("in-" + id);
        Path out = dir.resolve("out-" + id);
        Path err = dir.resolve("err-" + id);
        Files.writeString(in, stdin == null ? "" : stdin, StandardCharsets.UTF_8);
        List<String> command = new ArrayList<>(List.of(launcher.toString()));
        command.addAll(List.of(args));
        ProcessBuilder b = new ProcessBuilder(command).directory(work.toFile())
                .redirectInput(in.toFile()).redirectOutput(out.toFile()).redirectError(err.toFile());
        Map<String, String> env = b.environment();
        env.keySet().removeIf(k -> k.startsWith("MINIBATCH_") || k.equals("MONGO_URL"));
        env.put("MINIBATCH_HOME", dir.resolve("home").toString());
        env.put("JAVA_HOME", System.getProperty("java.home"));
        Process p = b.start();
        if (!p.waitFor(180, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            throw new AssertionError("timed out: minibatch " + String.join(" ", args) + "\n" + Files.readString(out)
                    + Files.readString(err));
        }
        return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    }

    static List<JsonNode> ndjson(String text) throws IOException {
        List<JsonNode> nodes = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (!line.isBlank()) {
                nodes.add(JSON.readTree(line));
            }
        }
        return nodes;
    }

    static String readings(String stream, int count) {
        return IntStream.range(0, count).mapToObj(i -> "{\"stream\":\"" + stream + "\",\"seq\":" + i + ",\"value\":" + (i * 0.5) + "}")
                .collect(Collectors.joining("\n", "", "\n"));
    }

    @Test
    void theArchiveHoldsTheLaunchersTheCommandItsPluginsAReadmeAndTheLicense() throws Exception {
        assertThat(home.resolve("bin/minibatch")).isExecutable();
        assertThat(home.resolve("bin/minibatch.cmd")).isRegularFile();
        assertThat(Files.readString(home.resolve("bin/minibatch.cmd"))).contains("dev.minibatch.cli.Main").contains("\r\n");
        assertThat(home.resolve("README.md")).isRegularFile();
        assertThat(Files.readString(home.resolve("LICENSE"))).contains("Apache License").contains("Version 2.0");
        assertThat(home.resolve("lib/minibatch-cli-" + VERSION + ".jar")).isRegularFile();
        assertThat(home.resolve("lib/minibatch-core-" + VERSION + ".jar")).isRegularFile();
        try (var libs = Files.list(home.resolve("lib"))) {
            // connectors live in plugins/ only: a driver in lib/ would clash with the plugin's copy
            assertThat(libs.map(p -> p.getFileName().toString()))
                    .noneMatch(n -> n.startsWith("kafka") || n.startsWith("mongodb") || n.contains("paho") || n.endsWith(".zip"));
        }
        try (var plugins = Files.list(home.resolve("plugins"))) {
            assertThat(plugins.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith(".")))
                    .containsExactlyInAnyOrderElementsOf(BUNDLED.keySet());
        }

        // the zip holds the same files under the same top folder
        Path zip = Path.of(System.getProperty("minibatch.dist.zip", "target/minibatch-" + VERSION + ".zip"));
        Set<String> inTar = new TreeSet<>();
        try (var walk = Files.walk(unpacked)) {
            walk.filter(Files::isRegularFile).map(p -> unpacked.relativize(p).toString())
                    .filter(n -> !n.contains("/.unpacked/")).forEach(inTar::add);
        }
        Set<String> inZip = new TreeSet<>();
        try (ZipFile z = new ZipFile(zip.toFile())) {
            z.stream().filter(e -> !e.isDirectory()).forEach(e -> inZip.add(e.getName()));
        }
        assertThat(inZip).isEqualTo(inTar);
    }

    @Test
    void pluginsListsEveryBundledPluginWithItsVersionFolderAndFile() throws Exception {
        // also through a symbolic link to bin/minibatch, as in ~/bin/minibatch -> /opt/minibatch/bin/minibatch
        Path link = Files.createSymbolicLink(Files.createDirectories(dir.resolve("links")).resolve("minibatch"),
                home.resolve("bin/minibatch"));
        Run r = run(link, null, "plugins", "--json");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        List<JsonNode> entries = ndjson(r.stdout());
        assertThat(entries).as(r.toString()).noneMatch(n -> n.path("kind").asText().equals("error"));
        Path plugins = home.resolve("plugins").toRealPath();
        BUNDLED.forEach((file, providers) -> {
            for (String provider : providers) {
                String[] kindName = provider.split(":");
                assertThat(entries).as(provider + " from " + file + "\n" + r)
                        .filteredOn(n -> n.path("kind").asText().equals(kindName[0]) && n.path("name").asText().equals(kindName[1]))
                        .singleElement().satisfies(n -> {
                            assertThat(n.path("version").asText()).isEqualTo(VERSION);
                            assertThat(n.path("source").asText()).isEqualTo("bundled");
                            assertThat(n.path("folder").asText()).isEqualTo(plugins.toString());
                            assertThat(n.path("file").asText()).isEqualTo(file);
                        });
            }
        });
        assertThat(entries).filteredOn(n -> n.path("kind").asText().equals("plugins-folder"))
                .extracting(n -> n.path("role").asText() + " " + n.path("path").asText())
                .containsExactly("bundled " + plugins, "user " + dir.resolve("home/plugins"));

        Run table = minibatch(null, "plugins");
        assertThat(table.exitCode()).as(table.toString()).isZero();
        for (String file : BUNDLED.keySet()) {
            assertThat(table.stdout()).contains("from " + plugins.resolve(file) + " (bundled plugin ");
        }
        assertThat(table.stdout()).containsPattern("store +mongodb +" + VERSION.replace(".", "\\.") + " ")
                .contains("no load errors");
    }

    @Test
    void appendOnMongoDbThenConsumeIntoKafkaAndMqttEveryMessageOnce() throws Exception {
        int count = 300;
        MongoServer mongo = new MongoServer(new MemoryBackend());
        String url = mongo.bindAndGetConnectionString() + "/dist"; // mongodb://127.0.0.1:<free port>
        try (KafkaBroker kafka = KafkaBroker.start(dir.resolve("kafka")); Mosquitto mqtt = Mosquitto.start(dir.resolve("mqtt"))) {
            Run none = minibatch(null, "--url", url, "streams");
            assertThat(none.exitCode()).as(none.toString()).isZero();

            for (String stream : List.of("to-kafka", "to-mqtt")) {
                Run append = minibatch(readings(stream, count), "--url", url, "append", stream);
                assertThat(append.exitCode()).as(append.toString()).isZero();
            }
            Run streams = minibatch(null, "--url", url, "streams", "--json");
            assertThat(streams.exitCode()).as(streams.toString()).isZero();
            assertThat(ndjson(streams.stdout())).as(streams.toString())
                    .filteredOn(n -> n.path("name").asText().startsWith("to-"))
                    .extracting(n -> n.path("name").asText() + " " + n.path("pending").asLong())
                    .containsExactlyInAnyOrder("to-kafka " + count, "to-mqtt " + count);

            // kafka
            kafka.createTopic("readings-out");
            Run toKafka = minibatch(null, "--url", url, "consume", "to-kafka", "--size", "10",
                    "--max-windows", String.valueOf(count / 10),
                    "--sink", "kafka", "--sink-option", "topic=readings-out",
                    "--sink-option", "bootstrap.servers=" + kafka.bootstrapServers());
            assertThat(toKafka.exitCode()).as(toKafka.toString()).isZero();
            assertEveryReadingOnce(kafkaRecords(kafka.bootstrapServers(), "readings-out", count), "to-kafka", count);

            // mqtt: a subscriber in place before the consumer publishes
            try (MqttRecorder recorder = new MqttRecorder(mqtt.url(), "readings/#")) {
                Run toMqtt = minibatch(null, "--url", url, "consume", "to-mqtt", "--size", "10",
                        "--max-windows", String.valueOf(count / 10),
                        "--sink", "mqtt", "--sink-option", "url=" + mqtt.url(), "--sink-option", "topic=readings/out");
                assertThat(toMqtt.exitCode()).as(toMqtt.toString()).isZero();
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (recorder.received.size() < count && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                }
                Thread.sleep(500); // a duplicate would arrive right behind the originals
                assertEveryReadingOnce(recorder.received, "to-mqtt", count);
            }

            Run after = minibatch(null, "--url", url, "streams", "--json");
            assertThat(ndjson(after.stdout())).as(after.toString())
                    .filteredOn(n -> n.path("name").asText().startsWith("to-"))
                    .extracting(n -> n.path("name").asText() + " " + n.path("pending").asLong())
                    .containsExactlyInAnyOrder("to-kafka 0", "to-mqtt 0");
        } finally {
            mongo.shutdownNow();
        }
    }

    @Test
    void theKafkaStoreWorksOutOfTheBoxFromTheKafkaPlugin() throws Exception {
        // a real broker with share groups (the Kafka module's test broker); a topic prefix of this test's own
        String url = "kafka://" + dev.minibatch.kafka.KafkaBroker.shared().bootstrapServers() + "/?prefix=dist"
                + UUID.randomUUID().toString().substring(0, 8) + ".&partitions=3";
        int count = 50;
        Run none = minibatch(null, "--url", url, "streams");
        assertThat(none.exitCode()).as(none.toString()).isZero();
        assertThat(none.stderr()).as(none.toString()).contains("no streams in");

        Run append = minibatch(readings("readings", count), "--url", url, "append", "readings");
        assertThat(append.exitCode()).as(append.toString()).isZero();
        assertThat(append.stderr()).contains("appended " + count + " messages to 'readings'");
        // at least the appended messages (the store also counts the append's Kafka transaction marker)
        streamsRow(url, "readings", n -> n.path("pending").asLong() >= count);

        Run buffer = minibatch(null, "--url", url, "buffer", "readings", "--limit", "0", "--values");
        assertThat(buffer.exitCode()).as(buffer.toString()).isZero();
        assertEveryReadingOnce(List.of(buffer.stdout().strip().split("\n")), "readings", count);

        Run consume = minibatch(null, "--url", url, "consume", "readings", "--size", "10",
                "--max-windows", String.valueOf(count / 10), "--sink", "stdout", "--sink-option", "format=values");
        assertThat(consume.exitCode()).as(consume.toString()).isZero();
        assertThat(consume.stderr()).as(consume.toString()).doesNotContain("Exception");
        assertEveryReadingOnce(List.of(consume.stdout().strip().split("\n")), "readings", count);
        streamsRow(url, "readings", n -> n.path("claimed").asLong() == 0 && n.path("dead").asLong() == 0);
    }

    /** The stream's row of {@code streams --json}, asked again until {@code condition} holds; fails after 45 s. */
    JsonNode streamsRow(String url, String stream, java.util.function.Predicate<JsonNode> condition) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(45).toNanos();
        while (true) {
            Run r = minibatch(null, "--url", url, "streams", "--json");
            assertThat(r.exitCode()).as(r.toString()).isZero();
            JsonNode row = ndjson(r.stdout()).stream().filter(n -> n.path("name").asText().equals(stream)).findFirst()
                    .orElse(null);
            if (row != null && condition.test(row)) {
                return row;
            }
            assertThat(System.nanoTime()).as("streams never showed the expected row of " + stream + "; last:\n" + r)
                    .isLessThan(deadline);
            Thread.sleep(200);
        }
    }

    static void assertEveryReadingOnce(List<String> values, String stream, int count) throws IOException {
        Map<Integer, Integer> seen = new TreeMap<>();
        for (String v : values) {
            JsonNode n = JSON.readTree(v);
            assertThat(n.path("stream").asText()).as(v).isEqualTo(stream);
            seen.merge(n.path("seq").asInt(-1), 1, Integer::sum);
        }
        assertThat(seen.keySet()).as("every reading of " + stream + " arrived").containsExactlyElementsOf(
                IntStream.range(0, count).boxed().toList());
        assertThat(seen).as("no reading of " + stream + " arrived twice").allSatisfy((seq, times) -> assertThat(times).isOne());
    }

    /** Every record value of the topic, read from the beginning until {@code expected} arrived (or 30 s passed). */
    static List<String> kafkaRecords(String bootstrap, String topic, int expected) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props)) {
            TopicPartition partition = new TopicPartition(topic, 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    values.add(r.value());
                }
                if (values.size() >= expected && consumer.position(partition) >= consumer.endOffsets(List.of(partition)).get(partition)) {
                    break;
                }
            }
        }
        return values;
    }

    /** A plain Paho subscriber (QoS 1) recording every payload it receives. */
    static final class MqttRecorder implements AutoCloseable {
        final List<String> received = java.util.Collections.synchronizedList(new ArrayList<>());
        private final MqttAsyncClient client;

        MqttRecorder(String url, String filter) throws Exception {
            client = new MqttAsyncClient(url, "dist-it-" + UUID.randomUUID().toString().substring(0, 8), new MemoryPersistence());
            client.setCallback(new MqttCallback() {
                @Override
                public void connectionLost(Throwable cause) {
                    received.add("{\"stream\":\"connection lost: " + cause + "\"}");
                }

                @Override
                public void messageArrived(String topic, MqttMessage message) {
                    received.add(new String(message.getPayload(), StandardCharsets.UTF_8));
                }

                @Override
                public void deliveryComplete(IMqttDeliveryToken token) {
                }
            });
            MqttConnectOptions options = new MqttConnectOptions();
            options.setCleanSession(true);
            options.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
            client.connect(options).waitForCompletion(10_000);
            client.subscribe(filter, 1).waitForCompletion(10_000);
        }

        @Override
        public void close() throws Exception {
            try {
                client.disconnect().waitForCompletion(5_000);
            } finally {
                client.close(true);
            }
        }
    }
}
