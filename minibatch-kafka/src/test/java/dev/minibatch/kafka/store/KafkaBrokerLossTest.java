package dev.minibatch.kafka.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.minibatch.Minibatch;
import dev.minibatch.Stream;
import dev.minibatch.kafka.KafkaCluster;
import dev.minibatch.test.DeliveryRecord;
import dev.minibatch.test.JvmProcess;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The leader of a partition is killed with SIGKILL while a producer appends and two consumer JVMs
 * consume, and started again later: every acknowledged append is delivered, the run finishes by
 * itself, and the stall (longest time with no window delivered) and the duplicates it caused are
 * printed. Appends that fail around the kill are retried until acknowledged (Kafka may have stored
 * one it reported as failed: duplicates are allowed, losses are not).
 */
class KafkaBrokerLossTest {

    private static final int MESSAGES = 30_000;
    private static final int BATCH = 50;
    private static final int WINDOW = 50;
    private static final int WORKERS = 2;
    private static final Duration LEASE = Duration.ofSeconds(60);

    @Test
    void killingAPartitionLeaderLosesNoAcknowledgedAppend() throws Exception {
        KafkaCluster cluster = KafkaCluster.shared();
        long t0 = System.nanoTime();
        try (Fleet fleet = Fleet.onSharedCluster("brokerloss")) {
            String stream = "orders";
            String topic = fleet.topic(stream);
            try (Minibatch mb = Minibatch.connect(fleet.url)) {
                mb.stream(stream); // opening the stream creates its topic, so its leader can be found
            }
            List<JvmProcess> consumers = List.of(
                    fleet.consumer(stream, "consumer-0", WINDOW, WORKERS, LEASE, Duration.ZERO),
                    fleet.consumer(stream, "consumer-1", WINDOW, WORKERS, LEASE, Duration.ZERO));
            for (JvmProcess c : consumers) {
                c.awaitOutput("CONSUMER READY", Duration.ofSeconds(90));
            }
            JvmProcess watched = consumers.get(0);

            // the producer: batches of 50 in transactions, each retried until acknowledged
            AtomicReference<Throwable> producerFailure = new AtomicReference<>();
            AtomicLong acknowledged = new AtomicLong();
            AtomicLong failedAppends = new AtomicLong();
            AtomicLong longestAppend = new AtomicLong();
            List<String> appendErrors = new java.util.concurrent.CopyOnWriteArrayList<>();
            Thread producer = new Thread(() -> {
                try (Minibatch mb = Minibatch.connect(fleet.url)) {
                    Stream s = mb.stream(stream);
                    for (long from = 0; from < MESSAGES; from += BATCH) {
                        List<Map<String, Object>> batch = new ArrayList<>(BATCH);
                        for (long n = from; n < from + BATCH; n++) {
                            batch.add(Map.of("n", n));
                        }
                        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
                        while (true) {
                            long a0 = System.nanoTime();
                            try {
                                s.appendAll(batch);
                                longestAppend.accumulateAndGet(System.nanoTime() - a0, Math::max);
                                acknowledged.addAndGet(BATCH);
                                break;
                            } catch (RuntimeException e) {
                                failedAppends.incrementAndGet();
                                if (appendErrors.size() < 5) {
                                    appendErrors.add(e.toString());
                                }
                                if (System.nanoTime() > deadline) {
                                    throw e;
                                }
                                Thread.sleep(100);
                            }
                        }
                        Thread.sleep(5);
                    }
                } catch (Throwable e) {
                    producerFailure.set(e);
                }
            }, "broker-loss-producer");

            // watches the record files: the longest time with nothing recorded while work remained
            AtomicBoolean watching = new AtomicBoolean(true);
            AtomicLong longestGap = new AtomicLong();
            AtomicLong gapStartedAt = new AtomicLong();
            Thread watcher = new Thread(() -> {
                long lastBytes = -1;
                long lastChange = System.nanoTime();
                while (watching.get()) {
                    long bytes = fleet.recordedBytes();
                    long now = System.nanoTime();
                    if (bytes != lastBytes) {
                        if (lastBytes > 0 && now - lastChange > longestGap.get()) {
                            longestGap.set(now - lastChange);
                            gapStartedAt.set(lastChange);
                        }
                        lastBytes = bytes;
                        lastChange = now;
                    }
                    try {
                        Thread.sleep(20);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "broker-loss-watcher");
            producer.start();
            watcher.start();

            int victim = -1;
            long killedAt = 0;
            long restartedAt = 0;
            long deliveredAtKill;
            try {
                watched.awaitCondition("a third delivered", Duration.ofMinutes(2),
                        () -> distinct(fleet) >= MESSAGES / 3 || producerFailure.get() != null);
                assertThat(producerFailure.get()).isNull();
                victim = cluster.leaderOf(topic, 0);
                assertThat(victim).as("partition 0 of %s has a leader", topic).isPositive();
                deliveredAtKill = distinct(fleet);
                cluster.kill(victim);
                killedAt = System.nanoTime();
                // restarted later: once the survivors delivered a good deal more, or after 30 s at most
                long resumeTarget = deliveredAtKill + MESSAGES / 6;
                long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                watched.awaitCondition("progress without the killed broker", Duration.ofSeconds(60),
                        () -> distinct(fleet) >= resumeTarget || System.nanoTime() > until);
            } finally {
                if (victim > 0 && !cluster.isRunning(victim)) {
                    cluster.restart(victim, topic); // the cluster is shared: always whole again
                    restartedAt = System.nanoTime();
                }
            }
            long deliveredAtRestart = distinct(fleet);
            producer.join(Duration.ofMinutes(3).toMillis());
            assertThat(producer.isAlive()).as("the producer finished").isFalse();
            assertThat(producerFailure.get()).as("the producer gave up").isNull();
            fleet.awaitDistinct(watched, MESSAGES, Duration.ofMinutes(3));
            watching.set(false);
            watcher.join();
            DeliveryRecord delivered = fleet.delivered();
            System.out.printf("broker loss: killed node %d (leader of %s-0) with %d of %d delivered, restarted it %.1f s"
                            + " later with %d delivered; producer: %d acknowledged, %d failed appends (retried; e.g. %s),"
                            + " slowest acknowledged append %.1f s; longest stall with no window delivered %.1f s,"
                            + " starting %.1f s after the kill; %d windows, %d duplicates; total %.1f s%n",
                    victim, topic, deliveredAtKill, MESSAGES, (restartedAt - killedAt) / 1e9, deliveredAtRestart,
                    acknowledged.get(), failedAppends.get(), appendErrors, longestAppend.get() / 1e9,
                    longestGap.get() / 1e9, (gapStartedAt.get() - killedAt) / 1e9, delivered.windows(),
                    delivered.duplicates(), (System.nanoTime() - t0) / 1e9);
            assertThat(acknowledged.get()).isEqualTo(MESSAGES);
            assertThat(delivered.missing(MESSAGES)).as("acknowledged appends lost: %s",
                    delivered.sampleMissing(MESSAGES)).isZero();
        }
    }

    private static long distinct(Fleet fleet) {
        try {
            return fleet.delivered().distinct();
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }
}
