package dev.minibatch.kafka;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.Uuid;

/**
 * A real three-node Kafka cluster (KRaft, every node {@code process.roles=broker,controller}) in
 * three separate JVMs started from the test class path, on 127.0.0.1 with free ports. It is for
 * tests that lose a broker and for benchmarks of the {@code kafka://} stream store: topics are
 * replicated three times with {@code min.insync.replicas=2}, so one node can be killed (SIGKILL, no
 * controlled shutdown) and started again on the same ports and data while clients carry on.
 *
 * <p>Each node {@code N} lives in {@code dir/nodeN}: {@code server.properties}, its data in
 * {@code data/}, and its stdout and stderr in {@code broker.log} ({@link #log(int)}; a restart
 * appends). All three are formatted with one cluster id on their first start (see
 * {@link BrokerMain}, which also ends a node when the test JVM is gone) and use static
 * {@code controller.quorum.voters}. Settings: {@code default.replication.factor=3},
 * {@code min.insync.replicas=2}, {@code auto.create.topics.enable=false} (create topics with
 * {@link #createTopic}), {@code log.retention.ms=-1}, {@code group.initial.rebalance.delay.ms=0},
 * replication 3 and min ISR 2 for the offsets, transaction state and share-group state topics (3
 * partitions each instead of 50, to keep the first use of a group quick). The share-group version
 * is already 2 on a freshly formatted 4.4.0 cluster: share groups need nothing enabled, but start
 * at {@code latest} unless the group config {@code share.auto.offset.reset=earliest} is set before
 * the first consumer joins. JVM flags {@code -Xmx512m -XX:+UseSerialGC -XX:TieredStopAtLevel=1};
 * about 370–390 MB resident each once running.
 *
 * <p>{@code broker.session.timeout.ms} is lowered from 9000 to {@value #SESSION_TIMEOUT_MS} and
 * {@code broker.heartbeat.interval.ms} from 2000 to {@value #HEARTBEAT_MS}: a killed node stalls
 * <em>every</em> partition (acks=all produce requests, share deliveries) until the controller fences
 * it, and fencing waits for the session timeout.
 *
 * <p>Timings measured here (KafkaClusterTest, 2 cores shared with other builds, load 3–4, Kafka 4.4.0):
 * <ul>
 *   <li>{@link #start}: all three nodes registered 5.8–11.2 s after the call (three JVMs started in
 *       parallel, each formatting its storage first);
 *   <li>after {@link #kill} of the leader of a partition, 1,000 records produced with {@code acks=all}
 *       were all acknowledged 5.6–6.8 s after the kill (with the default 9 s session timeout and
 *       2 s heartbeat: 8.0–11.2 s): the stall is the fencing, the records themselves take milliseconds;
 *   <li>{@link #restart(int, String)}: the node back in the cluster and every replica of a small topic
 *       in sync again 2.8–5.2 s after the call;
 *   <li>a share consumer's first delivery came 5.7–6.7 s after it subscribed (internal topics are
 *       created on first use): wait for it on a condition.
 * </ul>
 *
 * <p>A test that kills a node of the {@link #shared()} cluster starts it again (in a {@code finally}),
 * or the next test class finds a cluster of two.
 *
 * <p>{@link #shared()} is one cluster for all test classes of the JVM, stopped at JVM exit. Public,
 * and shipped in this module's test jar, so the benchmarks measure against the same real cluster.
 */
public final class KafkaCluster implements AutoCloseable {

    /** {@code broker.session.timeout.ms}: how long a killed node stalls the cluster before it is fenced. */
    static final int SESSION_TIMEOUT_MS = 6000;
    /** {@code broker.heartbeat.interval.ms}. */
    static final int HEARTBEAT_MS = 1000;

    private static final Duration READY_TIMEOUT = Duration.ofSeconds(120);
    private static final int SIZE = 3;

    private static KafkaCluster shared;

    private final Path dir;
    private final String clusterId = Uuid.randomUuid().toString();
    private final Map<Integer, NodeProcess> nodes = new LinkedHashMap<>();
    private boolean closed;

    private KafkaCluster(Path dir) throws IOException {
        this.dir = dir;
        List<int[]> ports = new ArrayList<>();
        for (int id = 1; id <= SIZE; id++) {
            ports.add(new int[] {freePort(), freePort()});
        }
        String voters = votersOf(ports);
        for (int id = 1; id <= SIZE; id++) {
            int[] p = ports.get(id - 1);
            NodeProcess node = new NodeProcess(id, p[0], p[1], dir.resolve("node" + id));
            node.writeConfig(voters);
            nodes.put(id, node);
        }
    }

    private static String votersOf(List<int[]> ports) {
        List<String> voters = new ArrayList<>();
        for (int i = 0; i < ports.size(); i++) {
            voters.add((i + 1) + "@127.0.0.1:" + ports.get(i)[1]);
        }
        return String.join(",", voters);
    }

    /**
     * Starts the three nodes with their files in {@code dir} (in parallel); ready when this
     * returns: all three brokers registered and unfenced ({@code describeCluster} lists 3 nodes).
     */
    public static KafkaCluster start(Path dir) throws IOException {
        Files.createDirectories(dir);
        KafkaCluster cluster = new KafkaCluster(dir);
        try {
            for (NodeProcess node : cluster.nodes.values()) {
                node.launch(cluster.clusterId);
            }
            cluster.awaitNodes(cluster.nodes.keySet(), READY_TIMEOUT);
        } catch (IOException | RuntimeException e) {
            cluster.close();
            throw e;
        }
        return cluster;
    }

    /** The cluster shared by the test classes of this JVM, started on first use and stopped at JVM exit. */
    public static synchronized KafkaCluster shared() throws IOException {
        if (shared == null) {
            Path dir = Path.of("target", "kafka-cluster-" + ProcessHandle.current().pid()).toAbsolutePath();
            KafkaBroker.deleteRecursively(dir);
            Files.createDirectories(dir);
            KafkaCluster cluster = start(dir);
            Runtime.getRuntime().addShutdownHook(new Thread(cluster::close, "kafka-test-cluster-stop"));
            shared = cluster;
        }
        return shared;
    }

    /** All three PLAINTEXT listeners, {@code 127.0.0.1:p1,127.0.0.1:p2,127.0.0.1:p3}. */
    public String bootstrapServers() {
        return nodes.values().stream().map(n -> "127.0.0.1:" + n.port).collect(Collectors.joining(","));
    }

    /** The node ids, 1, 2 and 3. */
    public List<Integer> nodeIds() {
        return List.copyOf(nodes.keySet());
    }

    /** The PLAINTEXT listener of one node, {@code 127.0.0.1:port}. */
    public String bootstrapServer(int nodeId) {
        return "127.0.0.1:" + node(nodeId).port;
    }

    /** The node's stdout and stderr (appended over restarts). */
    public Path log(int nodeId) {
        return node(nodeId).logFile;
    }

    /** Whether the node's JVM is alive. */
    public synchronized boolean isRunning(int nodeId) {
        return node(nodeId).isAlive();
    }

    /** A new admin client on all three nodes; the caller closes it. */
    public Admin admin() {
        return Admin.create(adminProps(10_000));
    }

    /** Creates a topic replicated on all three nodes and waits until every partition has a leader. */
    public void createTopic(String name, int partitions) throws Exception {
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic(name, partitions, (short) SIZE))).all().get(60, TimeUnit.SECONDS);
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            TopicDescription d = describe(name);
            if (d != null && d.partitions().size() == partitions
                    && d.partitions().stream().allMatch(p -> p.leader() != null && !p.leader().isEmpty())) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("topic " + name + " has no leaders after 60 s: " + d);
            }
            sleep(100);
        }
    }

    /**
     * The node that leads {@code partition} of {@code topic} (Admin {@code describeTopics}), or -1
     * when the partition has no leader right now.
     */
    public int leaderOf(String topic, int partition) {
        TopicDescription d = describe(topic);
        if (d == null) {
            throw new IllegalStateException("cannot describe topic " + topic);
        }
        for (TopicPartitionInfo p : d.partitions()) {
            if (p.partition() == partition) {
                Node leader = p.leader();
                return leader == null || leader.isEmpty() ? -1 : leader.id();
            }
        }
        throw new IllegalArgumentException(topic + " has no partition " + partition);
    }

    /**
     * Kills the node's JVM with SIGKILL (no controlled shutdown) and waits until the process has
     * exited, so its ports and data directory are free.
     */
    public synchronized void kill(int nodeId) {
        node(nodeId).kill();
    }

    /**
     * Starts a killed node again on the same ports and data and waits until it is back in the
     * cluster (registered and unfenced). Its replicas may still be catching up: see
     * {@link #restart(int, String)} or {@link #awaitInSync(String, Duration)}.
     */
    public synchronized void restart(int nodeId) throws IOException {
        NodeProcess node = node(nodeId);
        if (node.isAlive()) {
            throw new IllegalStateException("node " + nodeId + " is running");
        }
        node.launch(clusterId);
        awaitNodes(Set.of(nodeId), READY_TIMEOUT);
    }

    /** {@link #restart(int)}, then waits until every partition of {@code topic} has 3 in-sync replicas again. */
    public void restart(int nodeId, String topic) throws IOException {
        restart(nodeId);
        awaitInSync(topic, READY_TIMEOUT);
    }

    /** Waits (up to 2 minutes) until every partition of {@code topic} has all 3 replicas in sync. */
    public void awaitInSync(String topic) {
        awaitInSync(topic, READY_TIMEOUT);
    }

    /** Waits until every partition of {@code topic} has all 3 replicas in sync. */
    public void awaitInSync(String topic, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        TopicDescription d = null;
        while (System.nanoTime() < deadline) {
            d = describe(topic);
            if (d != null && !d.partitions().isEmpty()
                    && d.partitions().stream().allMatch(p -> p.isr().size() == SIZE)) {
                return;
            }
            sleep(200);
        }
        throw new IllegalStateException("the replicas of " + topic + " are not in sync after " + timeout + ": " + d);
    }

    private TopicDescription describe(String topic) {
        try (Admin admin = Admin.create(adminProps(5_000))) {
            return admin.describeTopics(List.of(topic), new DescribeTopicsOptions().timeoutMs(5_000))
                    .allTopicNames().get(10, TimeUnit.SECONDS).get(topic);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (Exception e) {
            return null;
        }
    }

    private Properties adminProps(int timeoutMs) {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, Math.min(timeoutMs, 5_000));
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, timeoutMs);
        props.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 200);
        return props;
    }

    /** Waits until {@code describeCluster} lists all of {@code ids} (registered, unfenced brokers). */
    private void awaitNodes(Collection<Integer> ids, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Set<Integer> seen = Set.of();
        try (Admin admin = Admin.create(adminProps(3_000))) {
            while (System.nanoTime() < deadline) {
                for (int id : ids) {
                    NodeProcess node = nodes.get(id);
                    if (!node.isAlive()) {
                        throw new IllegalStateException("Kafka node " + id + " exited with " + node.exitValue()
                                + "; log " + node.logFile + ":\n" + node.tail());
                    }
                }
                try {
                    seen = admin.describeCluster(new DescribeClusterOptions().timeoutMs(3_000)).nodes()
                            .get(5, TimeUnit.SECONDS).stream().map(Node::id).collect(Collectors.toSet());
                    if (seen.containsAll(ids)) {
                        return;
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted", e);
                } catch (Exception notYet) {
                    // not answering yet
                }
                sleep(100);
            }
        }
        StringBuilder logs = new StringBuilder();
        for (int id : ids) {
            logs.append("\n--- node ").append(id).append(" (").append(nodes.get(id).logFile).append("):\n")
                    .append(nodes.get(id).tail());
        }
        throw new IllegalStateException("Kafka nodes " + ids + " not all in the cluster within " + timeout
                + " (seen " + seen + ")" + logs);
    }

    private NodeProcess node(int nodeId) {
        NodeProcess node = nodes.get(nodeId);
        if (node == null) {
            throw new IllegalArgumentException("no node " + nodeId + " (nodes " + nodes.keySet() + ")");
        }
        return node;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            s.setReuseAddress(true);
            return s.getLocalPort();
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

    /** Kills all three nodes and waits for their exit. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (NodeProcess node : nodes.values()) { // all at once, then wait for each
            if (node.process != null) {
                node.process.destroyForcibly();
            }
        }
        for (NodeProcess node : nodes.values()) {
            try {
                node.kill();
            } catch (IllegalStateException e) {
                System.err.println("KafkaCluster.close: " + e.getMessage());
            }
        }
    }

    @Override
    public String toString() {
        return "KafkaCluster[" + bootstrapServers() + ", " + dir + "]";
    }

    /** One node: its ports, folder and JVM. */
    private static final class NodeProcess {
        final int id;
        final int port;
        final int controllerPort;
        final Path dir;
        final Path config;
        final Path dataDir;
        final Path logFile;
        Process process;

        NodeProcess(int id, int port, int controllerPort, Path dir) throws IOException {
            this.id = id;
            this.port = port;
            this.controllerPort = controllerPort;
            this.dir = dir;
            this.config = dir.resolve("server.properties");
            this.dataDir = dir.resolve("data");
            this.logFile = dir.resolve("broker.log");
            Files.createDirectories(dir);
        }

        void writeConfig(String voters) throws IOException {
            String text = String.join("\n",
                    "process.roles=broker,controller",
                    "node.id=" + id,
                    "controller.quorum.voters=" + voters,
                    "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort,
                    "advertised.listeners=PLAINTEXT://127.0.0.1:" + port,
                    "controller.listener.names=CONTROLLER",
                    "inter.broker.listener.name=PLAINTEXT",
                    "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
                    "log.dirs=" + dataDir,
                    "num.partitions=2",
                    "default.replication.factor=3",
                    "min.insync.replicas=2",
                    "auto.create.topics.enable=false",
                    "log.retention.ms=-1",
                    "offsets.topic.replication.factor=3",
                    "offsets.topic.min.isr=2",
                    "offsets.topic.num.partitions=3",
                    "transaction.state.log.replication.factor=3",
                    "transaction.state.log.min.isr=2",
                    "transaction.state.log.num.partitions=3",
                    "share.coordinator.state.topic.replication.factor=3",
                    "share.coordinator.state.topic.min.isr=2",
                    "share.coordinator.state.topic.num.partitions=3",
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
                    // lets a test give one share group a lock of a second (ShareFetcherTakeOverTest)
                    "group.share.min.record.lock.duration.ms=1000",
                    "broker.session.timeout.ms=" + SESSION_TIMEOUT_MS,
                    "broker.heartbeat.interval.ms=" + HEARTBEAT_MS,
                    "");
            Files.writeString(config, text, StandardCharsets.UTF_8);
        }

        void launch(String clusterId) throws IOException {
            List<String> cmd = List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                    "-Dorg.slf4j.simpleLogger.defaultLogLevel=info",
                    "-Dorg.slf4j.simpleLogger.showDateTime=true",
                    "-Dorg.slf4j.simpleLogger.log.org.apache.kafka=info",
                    "-cp", System.getProperty("java.class.path"),
                    BrokerMain.class.getName(), config.toString(), clusterId, dataDir.toString());
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
            process = pb.start(); // stdin stays a pipe: closing it (or our death) stops the node
        }

        boolean isAlive() {
            return process != null && process.isAlive();
        }

        String exitValue() {
            return process == null ? "(never started)" : Integer.toString(process.exitValue());
        }

        void kill() {
            if (process == null) {
                return;
            }
            process.destroyForcibly();
            try {
                if (!process.waitFor(60, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("Kafka node " + id + " (pid " + process.pid()
                            + ") still alive 60 s after SIGKILL");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }

        String tail() {
            try {
                List<String> lines = Files.readAllLines(logFile, StandardCharsets.UTF_8);
                return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
            } catch (IOException e) {
                return "(no log: " + e + ")";
            }
        }
    }
}
