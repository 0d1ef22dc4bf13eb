package dev.minibatch.kafka.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.minibatch.Minibatch;
import dev.minibatch.Stream;
import dev.minibatch.test.DeliveryRecord;
import dev.minibatch.test.JvmProcess;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;

/**
 * Consumer JVMs killed with SIGKILL ten times while a producer appends 200,000 messages: each kill
 * is followed at once by a replacement, so four consumers run most of the time. Nothing is lost;
 * duplicates come only from windows in flight at a kill (a killed JVM's held records come back
 * when their broker acquisition locks lapse, undelivered ones without a duplicate).
 */
class KafkaConsumerCrashTest {

    private static final int MESSAGES = 200_000;
    private static final int KILLS = 10;
    private static final int RUNNING = 4;
    private static final int WINDOW = 50;
    private static final int WORKERS = 2;
    /** Longer than any pause of a loaded machine: only kills make duplicates here, never a lapsed lease. */
    private static final Duration LEASE = Duration.ofSeconds(60);
    /** Each window is held this long after it was recorded, so kills often land between record and commit. */
    private static final Duration HOLD = Duration.ofMillis(20);
    private static final int BATCH = 500;

    @Test
    void killingConsumerJvmsTenTimesLosesNothingAndDuplicatesOnlyWindowsInFlight() throws Exception {
        long t0 = System.nanoTime();
        try (Fleet fleet = Fleet.onSharedCluster("crash")) {
            String stream = "crash";
            List<JvmProcess> running = new ArrayList<>();
            int started = 0;
            for (; started < RUNNING; started++) {
                running.add(fleet.consumer(stream, "consumer-" + started, WINDOW, WORKERS, LEASE, HOLD));
            }
            for (JvmProcess c : running) {
                c.awaitOutput("CONSUMER READY", Duration.ofSeconds(90));
            }
            AtomicReference<Throwable> producerFailure = new AtomicReference<>();
            AtomicLong acknowledged = new AtomicLong();
            Thread producer = new Thread(() -> {
                try (Minibatch mb = Minibatch.connect(fleet.url)) {
                    Stream s = mb.stream(stream);
                    List<Map<String, Object>> batch = new ArrayList<>(BATCH);
                    for (long n = 0; n < MESSAGES; n++) {
                        batch.add(Map.of("n", n));
                        if (batch.size() == BATCH) {
                            s.appendAll(batch);
                            acknowledged.addAndGet(batch.size());
                            batch.clear();
                        }
                    }
                } catch (Throwable e) {
                    producerFailure.set(e);
                }
            }, "crash-test-producer");
            producer.start();

            // kills spread over the run: one each time another tenth of the messages was delivered
            int kills = 0;
            int killsWhileProducing = 0;
            List<String> killedAt = new ArrayList<>();
            while (kills < KILLS) {
                long target = (long) (kills + 1) * MESSAGES / (KILLS + 2);
                JvmProcess watched = running.get(running.size() - 1);
                watched.awaitCondition(target + " delivered before kill " + (kills + 1), Duration.ofMinutes(3),
                        () -> distinct(fleet) >= target || producerFailure.get() != null);
                assertThat(producerFailure.get()).as("the producer failed").isNull();
                JvmProcess victim = running.remove(0); // the oldest: it has windows in flight by now
                killsWhileProducing += producer.isAlive() ? 1 : 0;
                victim.kill();
                kills++;
                killedAt.add(String.valueOf(distinct(fleet)));
                running.add(fleet.consumer(stream, "consumer-" + started, WINDOW, WORKERS, LEASE, HOLD));
                started++;
            }
            long lastKill = System.nanoTime();
            producer.join(Duration.ofMinutes(3).toMillis());
            assertThat(producerFailure.get()).as("the producer failed").isNull();
            assertThat(acknowledged.get()).isEqualTo(MESSAGES);
            // A duplicate (a window in flight at a kill, delivered again) takes a place in some other
            // window, so after kills the last messages may fill less than a CountWindow: like the next
            // messages of a live stream would, fillers (numbers past MESSAGES) complete that window.
            int fillers = 0;
            long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
            long lastMissing = -1;
            long lastProgress = System.nanoTime();
            while (missing(fleet) > 0 && System.nanoTime() < deadline) {
                long now = missing(fleet);
                if (now != lastMissing) {
                    lastMissing = now;
                    lastProgress = System.nanoTime();
                } else if (now < WINDOW && System.nanoTime() - lastProgress > Duration.ofSeconds(10).toNanos()) {
                    try (Minibatch mb = Minibatch.connect(fleet.url)) {
                        List<Object> filler = new ArrayList<>();
                        for (int i = 0; i < WINDOW - 1; i++) {
                            filler.add(Map.of("n", MESSAGES + fillers + i));
                        }
                        mb.stream(stream).appendAll(filler);
                    }
                    fillers += WINDOW - 1;
                    lastProgress = System.nanoTime();
                }
                Thread.sleep(200);
            }
            AssertionError notAll = missing(fleet) == 0 ? null
                    : new AssertionError(missing(fleet) + " messages not delivered within 2 minutes of the last kill ("
                            + fillers + " fillers appended); run folder and logs: " + fleet.logs(4));
            System.out.printf("consumer crash test: %d fillers appended to complete the last windows%n", fillers);
            long drained = System.nanoTime();
            DeliveryRecord delivered = fleet.delivered();
            long bound = (long) kills * WINDOW * WORKERS;
            System.out.printf("consumer crash test: %d messages, %d delivered, %d kills (%d while the producer was appending;"
                            + " distinct delivered at each kill: %s), %d consumer JVMs started, %d windows recorded, %d duplicate"
                            + " deliveries (bound: %d kills x %d windows in flight x %d messages = %d); %s %.1f s after the"
                            + " last kill, total %.1f s%n",
                    MESSAGES, delivered.distinct(), kills, killsWhileProducing, killedAt, started, delivered.windows(),
                    delivered.duplicates(), kills, WORKERS, WINDOW, bound, notAll == null ? "all delivered" : "gave up waiting",
                    (drained - lastKill) / 1e9, (System.nanoTime() - t0) / 1e9);
            AssertionError stalled = notAll;
            int killCount = kills;
            SoftAssertions.assertSoftly(soft -> {
                soft.assertThat(stalled).as("every message delivered within 2 minutes of the last kill").isNull();
                soft.assertThat(delivered.missing(MESSAGES)).as("lost: %s", delivered.sampleMissing(MESSAGES)).isZero();
                soft.assertThat(delivered.duplicates()).as("duplicates beyond the windows in flight at %d kills", killCount)
                        .isLessThanOrEqualTo(bound);
            });
        }
    }

    private static long missing(Fleet fleet) {
        try {
            return fleet.delivered().missing(MESSAGES);
        } catch (IOException | RuntimeException e) {
            return MESSAGES;
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
