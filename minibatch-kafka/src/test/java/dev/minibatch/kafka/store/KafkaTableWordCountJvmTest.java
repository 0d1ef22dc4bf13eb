package dev.minibatch.kafka.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.IntNode;
import dev.minibatch.Minibatch;
import dev.minibatch.kafka.KafkaCluster;
import dev.minibatch.spi.store.NewMessage;
import dev.minibatch.test.JvmProcess;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Tables on {@code kafka://} across processes on the shared three-node cluster: word counts by
 * consumer JVMs ({@link TableCounterMain}) that are killed -9, stopped, started and joined mid-run,
 * one broker killed and restarted under them; at the end the table equals a batch count of what was
 * appended, word for word: no window lost, none applied twice. Each word is a message keyed by the
 * word (its partition is its key's, like the table entry it counts into).
 */
class KafkaTableWordCountJvmTest {

    private static final Duration PATIENCE = Duration.ofMinutes(4);

    /** A batch count of {@code n} words drawn from {@code vocabulary} (skewed: low numbers come often). */
    private static List<String> words(int n, int vocabulary, long seed) {
        Random random = new Random(seed);
        List<String> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            double u = random.nextDouble();
            out.add("w" + (int) (vocabulary * u * u));
        }
        return out;
    }

    private static void append(Minibatch mb, String stream, List<String> words) {
        List<NewMessage> batch = new ArrayList<>(words.size());
        for (String w : words) {
            batch.add(NewMessage.ofTree(Instant.now(), IntNode.valueOf(1), 0, null).withKey(w));
        }
        mb.store().append(stream, batch);
    }

    private static Map<String, Integer> table(Minibatch mb, String name) {
        return KafkaTablesTest.table(mb, name);
    }

    private static long sum(Map<String, Integer> counts) {
        return KafkaTablesTest.sum(counts);
    }

    private static JvmProcess counter(Fleet fleet, String name) throws Exception {
        JvmProcess p = fleet.track(JvmProcess.start(TableCounterMain.class, List.of(fleet.url, "words", "counts"),
                Map.of("org.slf4j.simpleLogger.log.dev.minibatch.kafka.store", "debug"), Fleet.CONSUMER_HEAP,
                fleet.dir.resolve(name + ".log")));
        p.awaitOutput("COUNTER READY", Duration.ofSeconds(90));
        return p;
    }

    /** Waits until the table counts {@code atLeast} words; fails at once if it ever counts more than were appended. */
    private static void awaitCounted(Minibatch mb, long atLeast, long appended, List<JvmProcess> counters) throws Exception {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        AtomicLong last = new AtomicLong();
        while (true) {
            long counted = sum(table(mb, "counts"));
            last.set(counted);
            assertThat(counted).as("words counted vs appended: more means a window applied twice").isLessThanOrEqualTo(appended);
            if (counted >= atLeast) {
                return;
            }
            if (System.nanoTime() > deadline) {
                StringBuilder s = new StringBuilder("timed out waiting for " + atLeast + " words counted; counted " + last
                        + "; words " + mb.stream("words").stats());
                for (JvmProcess p : counters) {
                    s.append("\n--- ").append(p.log()).append(p.isAlive() ? " (alive)" : " (gone)").append('\n').append(p.tail(15));
                }
                throw new AssertionError(s.toString());
            }
            Thread.sleep(250);
        }
    }

    @Test
    void aWordCountWithConsumersKilledFiveTimesAndABrokerKilledEqualsTheBatchCount() throws Exception {
        int total = 200_000;
        int rounds = 10;
        List<String> all = words(total, 1_000, 42);
        KafkaCluster cluster = KafkaCluster.shared();
        try (Fleet fleet = Fleet.onSharedCluster("wordcount", 6);
             Minibatch mb = Minibatch.connect(fleet.url)) {
            List<JvmProcess> counters = new ArrayList<>(List.of(counter(fleet, "counter-0"), counter(fleet, "counter-1")));
            int started = 2;
            int kills = 0;
            int per = total / rounds;
            for (int round = 0; round < rounds; round++) {
                int victim = -1;
                if (round == 4) { // a broker goes while words are appended and counted, and comes back
                    victim = cluster.leaderOf(fleet.topic("words"), 0);
                    cluster.kill(victim);
                }
                List<String> slice = all.subList(round * per, (round + 1) * per);
                for (int i = 0; i < slice.size(); i += 2_000) {
                    append(mb, "words", slice.subList(i, Math.min(slice.size(), i + 2_000)));
                }
                awaitCounted(mb, (long) round * per + per / 2, (long) (round + 1) * per, counters);
                if (victim >= 0) {
                    cluster.restart(victim, fleet.topic("words"));
                } else if (kills < 5 && round >= 1) {
                    JvmProcess killed = counters.remove(kills % counters.size());
                    killed.kill();
                    kills++;
                    counters.add(counter(fleet, "counter-" + started++));
                }
            }
            assertThat(kills).isEqualTo(5);
            awaitCounted(mb, total, total, counters);
            Thread.sleep(2_000); // a window applied twice would show up after the last one
            Map<String, Integer> expected = new TreeMap<>();
            all.forEach(w -> expected.merge(w, 1, Integer::sum));
            assertThat(table(mb, "counts")).isEqualTo(expected);
        }
    }

    @Test
    void consumersJoiningLeavingAndKilledMidRunApplyEveryWindowExactlyOnce() throws Exception {
        int total = 60_000;
        List<String> all = words(total, 300, 7);
        try (Fleet fleet = Fleet.onSharedCluster("rebalance", 6);
             Minibatch mb = Minibatch.connect(fleet.url)) {
            List<JvmProcess> counters = new ArrayList<>(List.of(counter(fleet, "first"), counter(fleet, "second")));
            int per = total / 4;
            append(mb, "words", all.subList(0, per));
            awaitCounted(mb, per / 2, per, counters);
            counters.add(counter(fleet, "third")); // two more join
            counters.add(counter(fleet, "fourth"));
            append(mb, "words", all.subList(per, 2 * per));
            awaitCounted(mb, per + per / 2, 2L * per, counters);
            assertThat(counters.get(0).terminate(Duration.ofSeconds(60))).as("stopped by SIGTERM, not killed").isEqualTo(143);
            append(mb, "words", all.subList(2 * per, 3 * per));
            awaitCounted(mb, 2L * per + per / 2, 3L * per, counters);
            counters.get(1).kill(); // one dies
            append(mb, "words", all.subList(3 * per, total));
            awaitCounted(mb, total, total, counters);
            Thread.sleep(2_000);
            Map<String, Integer> expected = new TreeMap<>();
            all.forEach(w -> expected.merge(w, 1, Integer::sum));
            assertThat(table(mb, "counts")).isEqualTo(expected);
        }
    }
}
