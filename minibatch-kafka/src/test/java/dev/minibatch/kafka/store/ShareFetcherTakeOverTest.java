package dev.minibatch.kafka.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.minibatch.Minibatch;
import dev.minibatch.Stream;
import dev.minibatch.kafka.KafkaCluster;
import dev.minibatch.model.Message;
import dev.minibatch.model.MessageState;
import dev.minibatch.spi.store.Claim;
import dev.minibatch.spi.store.Lease;
import dev.minibatch.spi.store.Selection;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;

/**
 * The broker delivers a record to a second lane of a process while the first still holds it (here
 * its lock expires while the fetcher thread stalls; in production also a partition leader change,
 * which drops in-flight locks): the record must be settled through the lane that holds its lock
 * now. Found by KafkaBrokerLossTest in CI: a redelivered record was never put in the pool, its new
 * lane held and renewed it for ever, and once 2,000 records were behind it the broker stopped
 * delivering its partition (7,800 of 30,000 messages never came).
 */
class ShareFetcherTakeOverTest {

    private static final int RECORDS = 5;
    private static final Duration LOCK = Duration.ofSeconds(1);

    /** Whether another lane's fetch gets the records during the stall is up to the consumers' background fetches. */
    private static final int ATTEMPTS = 5;

    @Test
    void aRecordDeliveredAgainToAnotherLaneIsSettledThroughThatLane() throws Exception {
        KafkaCluster cluster = KafkaCluster.shared();
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            if (takeOverSettlesThroughTheNewLane(cluster, attempt)) {
                return;
            }
        }
        throw new AssertionError("in " + ATTEMPTS + " attempts the broker never delivered the records to another lane"
                + " while the fetcher thread stalled past their lock");
    }

    /** One attempt on a fresh topic and group: false if no other lane got the records; else checks the outcome. */
    private boolean takeOverSettlesThroughTheNewLane(KafkaCluster cluster, int attempt) throws Exception {
        String prefix = "takeover" + ProcessHandle.current().pid() + "-" + System.nanoTime() % 100_000 + "-" + attempt + ".";
        String url = "kafka://" + cluster.bootstrapServers() + "/?prefix=" + prefix
                + "&partitions=1&replication=3&minInsync=2";
        String stream = "orders";
        String topic = prefix + stream;
        String group = topic + "#takeover";
        List<Map<String, Object>> batch = new ArrayList<>();
        for (int n = 0; n < RECORDS; n++) {
            batch.add(Map.of("n", n));
        }
        try (Minibatch mb = Minibatch.connect(url)) {
            mb.stream(stream); // creates the topic; the records come once two lanes can fetch them
        }
        KafkaClients clients = new KafkaClients(KafkaStoreSettings.parse(url));
        try (Admin admin = clients.admin()) {
            ConfigResource resource = new ConfigResource(ConfigResource.Type.GROUP, group);
            admin.incrementalAlterConfigs(Map.of(resource, List.of(
                    new AlterConfigOp(new ConfigEntry("share.auto.offset.reset", "earliest"), AlterConfigOp.OpType.SET),
                    new AlterConfigOp(new ConfigEntry("share.record.lock.duration.ms", Long.toString(LOCK.toMillis())),
                            AlterConfigOp.OpType.SET)))).all().get(30, TimeUnit.SECONDS);
        }

        // the first arrival stalls the fetcher thread for one lock and a half: the broker takes the
        // lock back meanwhile, and the other lane's fetch (a consumer fetches in the background) gets
        // the records. Not two locks or more: that lane's lock would lapse in turn before it is
        // renewed, and which delivery still holds a lock would be a race.
        CountDownLatch firstArrival = new CountDownLatch(1);
        AtomicInteger arrivals = new AtomicInteger();
        Runnable stallOnFirstArrival = () -> {
            if (arrivals.getAndIncrement() == 0) {
                firstArrival.countDown();
                try {
                    Thread.sleep(LOCK.toMillis() * 3 / 2);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        StallMover keep = new StallMover() {
            @Override
            public StallRole role(int lanes, int held) {
                return StallRole.KEEP;
            }

            @Override
            public void moveToEnd(List<HeldRecord> records) {
                throw new AssertionError("nothing is moved in this test");
            }
        };
        try (ShareFetcher fetcher = new ShareFetcher(stream, topic, group, clients, 4, stallOnFirstArrival, keep)) {
            // a claim for a window of 10 before anything arrived: the fetcher opens two lanes at once
            Claim none = fetcher.pool().claim(Selection.pending().limit(RECORDS * 2).minCount(RECORDS * 2),
                    lease("t0"));
            assertThat(none.messages()).isEmpty();
            try (Admin admin = clients.admin()) {
                KafkaDeadLetterTest.await("two lanes assigned the partition", Duration.ofSeconds(60),
                        () -> lanesAssigned(admin, group) >= 2);
            }
            try (Minibatch mb = Minibatch.connect(url)) {
                mb.stream(stream).appendAll(batch);
            }
            assertThat(firstArrival.await(60, TimeUnit.SECONDS)).as("the records arrived").isTrue();
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (fetcher.takenOver() < RECORDS && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            if (fetcher.takenOver() < RECORDS) {
                return false; // the lane holding them got them back itself
            }

            Claim claim = fetcher.pool().claim(Selection.pending().limit(RECORDS * 2), lease("t1"));
            assertThat(claim.messages()).extracting(m -> m.data().get("n").asInt())
                    .containsExactlyInAnyOrder(0, 1, 2, 3, 4);
            List<HeldRecord> held = fetcher.pool().take("t1");
            assertThat(fetcher.await(fetcher.settle(held, AcknowledgeType.ACCEPT, System.nanoTime()), "committing"))
                    .isEqualTo(RECORDS);
        }

        // what Kafka holds now: a record appended afterwards comes, none of the accepted ones does
        try (Minibatch mb = Minibatch.connect(url)) {
            mb.stream(stream).append(Map.of("n", RECORDS));
        }
        List<Integer> delivered = new ArrayList<>();
        try (KafkaShareConsumer<byte[], byte[]> consumer = clients.shareConsumer(group, 99, 100, false)) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!delivered.contains(RECORDS) && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    Message m = RecordCodec.decode(stream, r, MessageState.PENDING);
                    delivered.add(m.data().get("n").asInt());
                    consumer.acknowledge(r, AcknowledgeType.ACCEPT);
                }
            }
            consumer.commitSync();
        }
        assertThat(delivered).as("delivered after the window was committed").containsExactly(RECORDS);
        return true;
    }

    private static long lanesAssigned(Admin admin, String group) {
        try {
            return admin.describeShareGroups(List.of(group)).all().get(10, TimeUnit.SECONDS).get(group).members()
                    .stream().filter(m -> !m.assignment().topicPartitions().isEmpty()).count();
        } catch (Exception e) {
            return 0; // the group is not there yet
        }
    }

    private static Lease lease(String token) {
        Instant now = Instant.now();
        return new Lease(token, "test", now, now.plus(Duration.ofMinutes(5)));
    }
}
