package dev.minibatch.kafka.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.minibatch.Minibatch;
import dev.minibatch.Stream;
import dev.minibatch.test.DeliveryRecord;
import dev.minibatch.test.JvmProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;

/**
 * Ordered consumption on {@code kafka://} by consumer JVMs ({@code RecordingConsumerMain} in
 * {@code keyed} and {@code ordered} mode) on the shared three-node cluster, streams of six
 * partitions: keyed count windows over three competing JVMs hold one sensor each, in order, every
 * reading once; and an ordered group whose membership changes while it runs (two more JVMs join,
 * one leaves gracefully, one is killed -9) loses nothing.
 */
class KafkaOrderedJvmTest {

    private static final int PARTITIONS = 6;
    private static final Duration LEASE = Duration.ofSeconds(60);

    /** Each recorded window as its numbers, per record file in recording order. */
    private static List<List<Long>> windows(Path record) throws IOException {
        List<List<Long>> out = new ArrayList<>();
        if (!Files.exists(record)) {
            return out;
        }
        for (String line : Files.readAllLines(record)) {
            String[] parts = line.trim().split(" ");
            List<Long> numbers = new ArrayList<>();
            for (int i = 1; i < parts.length; i++) {
                numbers.add(Long.parseLong(parts[i]));
            }
            if (!numbers.isEmpty()) {
                out.add(numbers);
            }
        }
        return out;
    }

    @Test
    void keyedCountWindowsOverThreeConsumerJvmsHoldOneSensorEachInOrderAndEveryReadingOnce() throws Exception {
        int sensors = 50;
        int readings = 20;
        int total = sensors * readings;
        try (Fleet fleet = Fleet.onSharedCluster("keyed", PARTITIONS)) {
            List<JvmProcess> consumers = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                consumers.add(fleet.consumer("sensors", "consumer-" + i, 10, 1, LEASE, Duration.ZERO, "keyed"));
            }
            for (JvmProcess c : consumers) {
                c.awaitOutput("CONSUMER READY", Duration.ofSeconds(90));
            }
            try (Minibatch mb = Minibatch.connect(fleet.url)) {
                Stream s = mb.stream("sensors");
                for (int i = 0; i < readings; i++) {
                    for (int sensor = 0; sensor < sensors; sensor++) { // reading i of sensor s is number i * 50 + s
                        s.append("s" + sensor, Map.of("n", (long) i * sensors + sensor, "sensor", "s" + sensor));
                    }
                }
            }
            fleet.awaitDistinct(consumers.get(0), total, Duration.ofMinutes(2));
            DeliveryRecord delivered = fleet.delivered();
            List<String> wrong = new ArrayList<>();
            List<Integer> windowsPerJvm = new ArrayList<>();
            for (int c = 0; c < 3; c++) {
                List<List<Long>> recorded = windows(fleet.record("consumer-" + c));
                windowsPerJvm.add(recorded.size());
                Map<Long, Long> lastReadingOfSensor = new HashMap<>();
                for (List<Long> w : recorded) {
                    long sensor = w.get(0) % sensors;
                    long first = w.get(0) / sensors;
                    for (int k = 0; k < w.size(); k++) {
                        if (w.get(k) % sensors != sensor || w.get(k) / sensors != first + k) {
                            wrong.add("consumer-" + c + ": window " + w + " is not 10 consecutive readings of one sensor");
                            break;
                        }
                    }
                    Long last = lastReadingOfSensor.put(sensor, w.get(w.size() - 1) / sensors);
                    if (last != null && last >= first) {
                        wrong.add("consumer-" + c + ": sensor " + sensor + " window from reading " + first
                                + " after one up to " + last);
                    }
                }
            }
            List<Integer> perJvm = windowsPerJvm;
            SoftAssertions.assertSoftly(soft -> {
                soft.assertThat(wrong).as("every window 10 consecutive readings of one sensor, each JVM's in order").isEmpty();
                soft.assertThat(delivered.missing(total)).as("lost").isZero();
                soft.assertThat(delivered.duplicates()).as("nobody was killed: no reading twice").isZero();
                soft.assertThat(delivered.windows()).as("every window full").isEqualTo(total / 10);
                soft.assertThat(perJvm).as("windows per JVM: six partitions over three members").allMatch(n -> n > 0);
            });
        }
    }

    @Test
    void anOrderedGroupWhoseMembersJoinLeaveAndDieLosesNothing() throws Exception {
        int phase = 10_000;
        try (Fleet fleet = Fleet.onSharedCluster("rebalance", PARTITIONS);
             Minibatch producer = Minibatch.connect(fleet.url)) {
            Duration hold = Duration.ofMillis(10); // slows each window so every phase outlasts its membership change
            JvmProcess a = fleet.consumer("orders", "a", 20, 1, LEASE, hold, "ordered");
            JvmProcess b = fleet.consumer("orders", "b", 20, 1, LEASE, hold, "ordered");
            awaitAssigned(a, b);
            append(producer, 0, phase);
            awaitWork(fleet, a, "a", "b");
            JvmProcess c = fleet.consumer("orders", "c", 20, 1, LEASE, hold, "ordered");
            JvmProcess d = fleet.consumer("orders", "d", 20, 1, LEASE, hold, "ordered");
            awaitAssigned(c, d); // the group handed partitions over to them before the phase's records come
            append(producer, phase, phase);
            awaitWork(fleet, c, "c", "d"); // two members joined: partitions were handed over to them
            int exit = a.terminate(Duration.ofSeconds(30)); // leaves the group: hands its partitions over
            append(producer, 2 * phase, phase);
            c.awaitCondition("the third phase under way", Duration.ofMinutes(2), () -> distinct(fleet) >= 2 * phase + phase / 2);
            b.kill(); // dies: its partitions go over once its session lapses, from its last committed offsets
            append(producer, 3 * phase, phase);
            fleet.awaitDistinct(c, 4 * phase, Duration.ofMinutes(3));
            DeliveryRecord delivered = fleet.delivered();
            List<Integer> windowsPerJvm = new ArrayList<>();
            for (String name : List.of("a", "b", "c", "d")) {
                windowsPerJvm.add(windows(fleet.record(name)).size());
            }
            System.out.printf("ordered rebalance: %d messages, %d delivered, %d duplicates, windows per JVM (a b c d) %s,"
                    + " a exited %d%n", 4 * phase, delivered.distinct(), delivered.duplicates(), windowsPerJvm, exit);
            SoftAssertions.assertSoftly(soft -> {
                soft.assertThat(delivered.missing(4 * phase)).as("lost: %s", delivered.sampleMissing(4 * phase)).isZero();
                // only the killed member's windows after its last offset commit (about a poll's worth) come again
                soft.assertThat(delivered.duplicates()).as("duplicates after one kill").isLessThanOrEqualTo(1_000);
            });
        }
    }

    /** Waits until each consumer JVM was assigned partitions (its log says so: the fetcher logs at debug). */
    private static void awaitAssigned(JvmProcess... consumers) throws InterruptedException {
        for (JvmProcess c : consumers) {
            c.awaitOutput(": assigned [", Duration.ofSeconds(90));
        }
    }

    /** Appends {@code count} numbers from {@code from} in batches of 500, each batch to the next partition. */
    private static void append(Minibatch producer, long from, int count) {
        Stream s = producer.stream("orders");
        for (long start = from; start < from + count; start += 500) {
            List<Map<String, Object>> values = new ArrayList<>();
            for (long n = start; n < start + 500; n++) {
                values.add(Map.of("n", n));
            }
            s.appendAll(values);
        }
    }

    /** Waits until each named consumer recorded a window (it was assigned partitions holding records). */
    private static void awaitWork(Fleet fleet, JvmProcess watched, String... names) throws InterruptedException {
        watched.awaitCondition("windows in each of " + List.of(names), Duration.ofMinutes(2), () -> {
            try {
                for (String name : names) {
                    if (windows(fleet.record(name)).isEmpty()) {
                        return false;
                    }
                }
                return true;
            } catch (IOException e) {
                return false;
            }
        });
    }

    private static long distinct(Fleet fleet) {
        try {
            return fleet.delivered().distinct();
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }
}
