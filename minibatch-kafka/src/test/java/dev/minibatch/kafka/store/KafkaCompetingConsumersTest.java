package dev.minibatch.kafka.store;

import dev.minibatch.Minibatch;
import dev.minibatch.Stream;
import dev.minibatch.test.DeliveryRecord;
import dev.minibatch.test.JvmProcess;
import org.assertj.core.api.SoftAssertions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Competing consumers past the partition count: eight consumer JVMs share one stream of two
 * partitions (one KIP-932 share group; a classic consumer group would leave six of them idle).
 * Nobody is killed, so every message is delivered exactly once, and every JVM gets work.
 */
class KafkaCompetingConsumersTest {

    private static final int CONSUMERS = 8;
    private static final int MESSAGES = 100_000;
    /**
     * CountWindow(50): each process fills its windows from the records its own share consumers hold,
     * so at the end of the stream each of the eight JVMs may hold a remainder smaller than a window,
     * which the store must move to where another JVM can complete it. A small window keeps that
     * tail small (at most 8 × 49 records) and gives every JVM many windows (2,000 in all, ~250 each),
     * so "every consumer got work" cannot pass by luck of one big window; 50 divides 100,000, so
     * every window can fill. Two workers per JVM: 16 windows in flight, enough to keep the brokers busy.
     */
    private static final int WINDOW = 50;
    private static final int WORKERS = 2;
    /** Nobody is killed: a lease long enough that no pause of a loaded machine lapses it (a lapse redelivers). */
    private static final Duration LEASE = Duration.ofSeconds(60);
    /** Appended in transactions of this many messages. */
    private static final int BATCH = 500;

    @Test
    void eightConsumerJvmsOnTwoPartitionsGetEveryMessageExactlyOnceAndAllGetWork() throws Exception {
        long t0 = System.nanoTime();
        try (Fleet fleet = Fleet.onSharedCluster("competing")) {
            String stream = "work";
            List<JvmProcess> consumers = new ArrayList<>();
            for (int i = 0; i < CONSUMERS; i++) { // started in parallel: each JVM starts on its own
                consumers.add(fleet.consumer(stream, "consumer-" + i, WINDOW, WORKERS, LEASE, Duration.ZERO));
            }
            for (JvmProcess c : consumers) {
                c.awaitOutput("CONSUMER READY", Duration.ofSeconds(90));
            }
            long ready = System.nanoTime();
            try (Minibatch mb = Minibatch.connect(fleet.url)) {
                Stream s = mb.stream(stream);
                List<Map<String, Object>> batch = new ArrayList<>(BATCH);
                for (long n = 0; n < MESSAGES; n++) {
                    batch.add(Map.of("n", n));
                    if (batch.size() == BATCH) {
                        s.appendAll(batch);
                        batch.clear();
                    }
                }
            }
            long appended = System.nanoTime();
            AssertionError notAll = null;
            try {
                fleet.awaitDistinct(consumers.get(0), MESSAGES, Duration.ofMinutes(2));
            } catch (AssertionError e) {
                notAll = e; // reported below with everything else this run shows
            }
            long drained = System.nanoTime();
            // a short grace period: a duplicate would be recorded late, after the last new number
            consumers.get(0).awaitCondition("no window in flight", Duration.ofSeconds(30), () -> {
                long before = fleet.recordedBytes();
                try {
                    Thread.sleep(500);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return fleet.recordedBytes() == before;
            });
            DeliveryRecord delivered = fleet.delivered();
            long deadLettered;
            try (Minibatch mb = Minibatch.connect(fleet.url)) {
                deadLettered = mb.stream(stream).deadLetters().stats().pending();
            }
            List<Integer> windowsPerJvm = new ArrayList<>();
            for (int i = 0; i < CONSUMERS; i++) {
                windowsPerJvm.add(DeliveryRecord.read(List.of(fleet.record("consumer-" + i))).windows());
            }
            System.out.printf("competing consumers: %d JVMs on 2 partitions, %d messages, %d delivered, windows per JVM %s,"
                            + " %d windows, %d duplicates; JVMs ready in %.1f s, appended in %.1f s, %s %.1f s after the"
                            + " first append (total %.1f s)%n",
                    CONSUMERS, MESSAGES, delivered.distinct(), windowsPerJvm, delivered.windows(), delivered.duplicates(),
                    (ready - t0) / 1e9, (appended - ready) / 1e9, notAll == null ? "all delivered" : "gave up waiting",
                    (drained - ready) / 1e9, (System.nanoTime() - t0) / 1e9);
            AssertionError stalled = notAll;
            SoftAssertions.assertSoftly(soft -> {
                soft.assertThat(stalled).as("every message delivered within 2 minutes").isNull();
                soft.assertThat(delivered.missing(MESSAGES)).as("lost: %s", delivered.sampleMissing(MESSAGES)).isZero();
                soft.assertThat(deadLettered).as("dead-lettered (no window failed, nobody crashed)").isZero();
                soft.assertThat(delivered.duplicates()).as("nobody was killed, so nothing may be delivered twice").isZero();
                soft.assertThat(delivered.windows()).as("every window full").isEqualTo(MESSAGES / WINDOW);
                soft.assertThat(windowsPerJvm).as("every one of the %d consumer JVMs got work", CONSUMERS)
                        .allMatch(w -> w > 0);
            });
        }
    }
}
