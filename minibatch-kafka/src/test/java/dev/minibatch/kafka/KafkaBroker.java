package dev.minibatch.kafka;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Uuid;

/**
 * A real Kafka broker (KRaft mode) in a separate JVM started from the test class path, on
 * 127.0.0.1 with free ports: a PLAINTEXT listener for the tests and a SASL_PLAINTEXT (PLAIN)
 * listener that accepts user {@value #SASL_USER} with password {@value #SASL_PASSWORD}. It can be
 * killed (SIGKILL) and started again on the same ports and data directory.
 *
 * <p>{@link #shared()} is one broker for all test classes of the JVM, stopped at JVM exit. Public,
 * and shipped in this module's test jar, so the benchmarks measure against the same real broker.
 */
public final class KafkaBroker implements AutoCloseable {

    static final String SASL_USER = "alice";
    static final String SASL_PASSWORD = "alice-s3cret-pw";

    private static KafkaBroker shared;

    private final Path dir;
    private final Path config;
    private final Path logDir;
    private final Path logFile;
    private final String clusterId = Uuid.randomUuid().toString();
    private final int port;
    private final int saslPort;
    private final int controllerPort;
    private final List<String> formatOptions;
    private Process process;

    private KafkaBroker(Path dir, List<String> formatOptions) throws IOException {
        this.formatOptions = List.copyOf(formatOptions);
        this.dir = dir;
        this.config = dir.resolve("server.properties");
        this.logDir = dir.resolve("data");
        this.logFile = dir.resolve("broker.log");
        this.port = freePort();
        this.saslPort = freePort();
        this.controllerPort = freePort();
        writeConfig();
    }

    /** Starts a broker with its files in {@code dir}; ready when this returns. */
    public static KafkaBroker start(Path dir) throws IOException {
        return start(dir, List.of());
    }

    /**
     * Starts a broker whose storage is formatted with extra options, e.g.
     * {@code List.of("--feature", "share.version=0")} for a cluster without share groups.
     */
    public static KafkaBroker start(Path dir, List<String> formatOptions) throws IOException {
        Files.createDirectories(dir);
        KafkaBroker broker = new KafkaBroker(dir, formatOptions);
        broker.launch();
        return broker;
    }

    /** The broker shared by the test classes, started on first use and stopped at JVM exit. */
    public static synchronized KafkaBroker shared() throws IOException {
        if (shared == null) {
            Path dir = Path.of("target", "kafka-shared-" + ProcessHandle.current().pid()).toAbsolutePath();
            deleteRecursively(dir);
            Files.createDirectories(dir);
            KafkaBroker broker = start(dir);
            Runtime.getRuntime().addShutdownHook(new Thread(broker::close, "kafka-test-broker-stop"));
            shared = broker;
        }
        return shared;
    }

    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    String saslBootstrapServers() {
        return "127.0.0.1:" + saslPort;
    }

    Path logFile() {
        return logFile;
    }

    private void writeConfig() throws IOException {
        String jaas = "org.apache.kafka.common.security.plain.PlainLoginModule required user_" + SASL_USER + "=\""
                + SASL_PASSWORD + "\";";
        String text = String.join("\n",
                "process.roles=broker,controller",
                "node.id=1",
                "controller.quorum.voters=1@127.0.0.1:" + controllerPort,
                "listeners=PLAINTEXT://127.0.0.1:" + port + ",SASL_PLAINTEXT://127.0.0.1:" + saslPort
                        + ",CONTROLLER://127.0.0.1:" + controllerPort,
                "advertised.listeners=PLAINTEXT://127.0.0.1:" + port + ",SASL_PLAINTEXT://127.0.0.1:" + saslPort,
                "controller.listener.names=CONTROLLER",
                "inter.broker.listener.name=PLAINTEXT",
                "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT",
                "listener.name.sasl_plaintext.sasl.enabled.mechanisms=PLAIN",
                "listener.name.sasl_plaintext.plain.sasl.jaas.config=" + jaas,
                "log.dirs=" + logDir,
                "num.partitions=3",
                // Keep every record for the broker's life: tests send records with fixed old timestamps
                // (2023), which the default 7-day retention deletes whenever its 5-minute check happens to run.
                "log.retention.ms=-1",
                "offsets.topic.replication.factor=1",
                "offsets.topic.num.partitions=3",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "transaction.state.log.num.partitions=3",
                "share.coordinator.state.topic.replication.factor=1",
                "share.coordinator.state.topic.min.isr=1",
                "group.initial.rebalance.delay.ms=0",
                "group.min.session.timeout.ms=1000",
                // share-group members learn their assignment by heartbeat: 1 s instead of 5 s makes a new
                // consumer's first delivery take about a second (tests start many share groups)
                "group.share.heartbeat.interval.ms=1000",
                "group.share.min.heartbeat.interval.ms=1000",
                // ordered (consumer-group, KIP-848) members too; and a dead member's partitions go over after
                // 10 s instead of Kafka's 45 s session timeout (KafkaOrderedJvmTest kills one)
                "group.consumer.heartbeat.interval.ms=1000",
                "group.consumer.min.heartbeat.interval.ms=1000",
                "group.consumer.session.timeout.ms=10000",
                "group.consumer.min.session.timeout.ms=6000",
                "auto.create.topics.enable=true",
                "");
        Files.writeString(config, text, StandardCharsets.UTF_8);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        }
    }

    /** Starts the broker JVM and waits until it answers. */
    synchronized void launch() throws IOException {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("broker already running");
        }
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=info",
                "-Dorg.slf4j.simpleLogger.showDateTime=true", "-Dorg.slf4j.simpleLogger.log.org.apache.kafka=info",
                "-cp", System.getProperty("java.class.path"),
                BrokerMain.class.getName(), config.toString(), clusterId, logDir.toString()));
        cmd.addAll(formatOptions);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
        process = pb.start(); // stdin stays a pipe: closing it (or our death) stops the broker
        awaitReady(Duration.ofSeconds(90));
    }

    private void awaitReady(Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2000);
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 2000);
        props.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 200);
        try (Admin admin = Admin.create(props)) {
            while (System.nanoTime() < deadline) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("the Kafka broker exited with " + process.exitValue() + "; log:\n"
                            + tail());
                }
                try {
                    if (!admin.describeCluster(new DescribeClusterOptions().timeoutMs(2000)).nodes()
                            .get(3, TimeUnit.SECONDS).isEmpty()) {
                        return;
                    }
                } catch (Exception notYet) {
                    sleep(100);
                }
            }
        }
        throw new IllegalStateException("the Kafka broker did not answer within " + timeout + "; log:\n" + tail());
    }

    /** Creates topics and waits for them. */
    public void createTopic(String name, int partitions) throws Exception {
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
    }

    Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers()));
    }

    /** Kills the broker JVM with SIGKILL (no controlled shutdown) and waits for it to be gone. */
    synchronized void kill() throws InterruptedException {
        if (process != null) {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }
    }

    /** The last lines of the broker's log, for failure messages. */
    String tail() {
        try {
            List<String> lines = Files.readAllLines(logFile, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    public static void deleteRecursively(Path path) {
        if (!Files.exists(path)) {
            return;
        }
        try (var walk = Files.walk(path)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Stops the broker JVM at once. Idempotent. */
    @Override
    public synchronized void close() {
        if (process != null) {
            process.destroyForcibly();
            try {
                process.waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            process = null;
        }
    }

    @Override
    public String toString() {
        return "KafkaBroker[" + bootstrapServers() + ", " + dir + "]";
    }
}
