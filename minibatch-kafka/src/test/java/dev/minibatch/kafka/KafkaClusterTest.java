package dev.minibatch.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The three-node {@link KafkaCluster}: a partition leader killed with SIGKILL loses nothing the
 * producer had acknowledged, the producer carries on after the failover, the node comes back in
 * sync; and a share group (KIP-932) delivers every record to an explicitly acknowledging consumer.
 */
class KafkaClusterTest {

    private static final int BATCH = 1_000;

    @BeforeAll
    static void startTheCluster() throws Exception {
        long starting = System.nanoTime();
        KafkaCluster cluster = KafkaCluster.shared();
        System.out.printf("KafkaCluster.shared(): %s ready in %d ms (0 if started earlier in this JVM)%n", cluster,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - starting));
    }

    @Test
    void killingALeaderLosesNoAcknowledgedRecordAndLeadershipMoves() throws Exception {
        KafkaCluster cluster = KafkaCluster.shared();
        String servers = cluster.bootstrapServers();
        String topic = "cluster-failover";
        cluster.createTopic(topic, 2);
        int victim = -1;
        long stallMs;
        int newLeader;
        long restartMs;
        try (KafkaProducer<byte[], byte[]> producer = TestKafka.producer(servers)) {
            produce(producer, topic, 0, BATCH);

            victim = cluster.leaderOf(topic, 0);
            assertThat(victim).isIn(cluster.nodeIds());
            long killed = System.nanoTime();
            cluster.kill(victim);
            assertThat(cluster.isRunning(victim)).isFalse();
            produce(producer, topic, BATCH, 2 * BATCH); // every record acknowledged, after the failover
            stallMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killed);
            newLeader = cluster.leaderOf(topic, 0);

            long restarting = System.nanoTime();
            cluster.restart(victim, topic);
            restartMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - restarting);
            assertThat(cluster.isRunning(victim)).isTrue();
        } finally {
            if (victim > 0 && !cluster.isRunning(victim)) {
                cluster.restart(victim); // the shared cluster stays whole for the other tests
            }
        }
        assertThat(newLeader).as("leader of partition 0 after node %d was killed", victim)
                .isNotEqualTo(victim).isIn(cluster.nodeIds());

        List<ConsumerRecord<byte[], byte[]>> records = TestKafka.readUntil(servers, topic, Duration.ofSeconds(60),
                r -> r.size() >= 2 * BATCH);
        Set<Integer> ids = new HashSet<>(TestKafka.ids(records));
        assertThat(ids).as("distinct ids read back (logs in %s)", cluster.log(victim).getParent().getParent())
                .hasSize(2 * BATCH);
        assertThat(records).as("an idempotent producer writes no duplicates").hasSize(2 * BATCH);
        assertThat(TestKafka.recordCount(servers, topic)).isEqualTo(2 * BATCH);
        System.out.printf("cluster failover: node %d killed, %d records acknowledged %d ms after the kill, "
                + "partition 0 led by node %d, node back and in sync %d ms after restart%n",
                victim, BATCH, stallMs, newLeader, restartMs);
    }

    @Test
    void aShareGroupDeliversEveryRecordToAnExplicitlyAcknowledgingConsumer() throws Exception {
        KafkaCluster cluster = KafkaCluster.shared();
        String servers = cluster.bootstrapServers();
        String topic = "cluster-share";
        String group = "cluster-share-group";
        int total = 500;
        cluster.createTopic(topic, 2);
        try (KafkaProducer<byte[], byte[]> producer = TestKafka.producer(servers)) {
            produce(producer, topic, 0, total);
        }
        // share groups start at "latest": set the group config before the first consumer joins
        try (Admin admin = cluster.admin()) {
            ConfigResource resource = new ConfigResource(ConfigResource.Type.GROUP, group);
            admin.incrementalAlterConfigs(Map.of(resource, List.of(new AlterConfigOp(
                    new ConfigEntry("share.auto.offset.reset", "earliest"), AlterConfigOp.OpType.SET))))
                    .all().get(30, TimeUnit.SECONDS);
        }

        Map<String, Object> props = new HashMap<>();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, servers);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        props.put("share.acknowledgement.mode", "explicit");
        Set<Integer> accepted = new HashSet<>();
        int deliveries = 0;
        long started = System.nanoTime();
        long firstDeliveryMs = -1;
        try (KafkaShareConsumer<byte[], byte[]> consumer = new KafkaShareConsumer<>(props,
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = started + Duration.ofSeconds(90).toNanos();
            while (accepted.size() < total && System.nanoTime() < deadline) {
                var batch = consumer.poll(Duration.ofMillis(500));
                for (ConsumerRecord<byte[], byte[]> r : batch) {
                    if (firstDeliveryMs < 0) {
                        firstDeliveryMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
                    }
                    deliveries++;
                    accepted.add(TestKafka.json(r.value()).get("id").asInt());
                    consumer.acknowledge(r, AcknowledgeType.ACCEPT);
                }
                if (!batch.isEmpty()) {
                    consumer.commitSync(Duration.ofSeconds(30));
                }
            }
        }
        assertThat(accepted).as("ids accepted within 90 s").hasSize(total);
        System.out.printf("share group: first delivery %d ms after the consumer started, %d records accepted "
                + "(%d deliveries) in %d ms%n", firstDeliveryMs, total, deliveries,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
    }

    /** Sends ids [from, to) keyed by id and waits until every one is acknowledged (acks=all). */
    private static void produce(KafkaProducer<byte[], byte[]> producer, String topic, int from, int to)
            throws Exception {
        List<Future<?>> acks = new ArrayList<>();
        for (int i = from; i < to; i++) {
            acks.add(producer.send(new ProducerRecord<>(topic, TestKafka.utf8(Integer.toString(i)),
                    TestKafka.utf8(TestKafka.idJson(i)))));
        }
        producer.flush();
        for (Future<?> ack : acks) {
            ack.get(90, TimeUnit.SECONDS);
        }
    }
}
