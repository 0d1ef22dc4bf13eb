package dev.minibatch.kafka.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.minibatch.Minibatch;
import dev.minibatch.Stream;
import dev.minibatch.kafka.KafkaCluster;
import dev.minibatch.model.ConsumerHandle;
import dev.minibatch.model.Message;
import dev.minibatch.spi.store.Selection;
import java.time.Duration;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListShareGroupOffsetsSpec;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.SharePartitionOffsetInfo;
import org.apache.kafka.common.TopicPartition;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * A poison window (its function always throws) on {@code kafka://}: given back (RELEASE) after each
 * failure, dead-lettered after {@code maxAttempts} with its error, readable in {@code <stream>.dead}
 * the way {@code minibatch dead} reads it (the store's {@code read} and {@code stats} of the dead
 * stream), and moved back by {@code requeueDead}.
 */
class KafkaDeadLetterTest {

    private static final AtomicInteger RUNS = new AtomicInteger();
    private static final int MAX_ATTEMPTS = 3;

    @Test
    void aWindowThatAlwaysFailsIsDeadLetteredAfterMaxAttemptsAndRequeueDeadPutsItBack() throws Exception {
        String url = "kafka://" + KafkaCluster.shared().bootstrapServers() + "/?prefix=dead"
                + ProcessHandle.current().pid() + "-" + RUNS.incrementAndGet() + ".&partitions=2&replication=3&minInsync=2";
        try (Minibatch mb = Minibatch.builder().url(url).shutdownHook(false).build()) {
            Stream s = mb.stream("payments");
            List<Map<String, Object>> values = new ArrayList<>();
            for (int n = 0; n < 5; n++) {
                values.add(Map.of("n", n));
            }
            s.appendAll(values);

            AtomicInteger calls = new AtomicInteger();
            ConsumerHandle poison = mb.streaming("payments").size(5).maxAttempts(MAX_ATTEMPTS).workers(1)
                    .lease(Duration.ofSeconds(30)).backoff(Duration.ofMillis(10), Duration.ofMillis(50))
                    .start(window -> {
                        throw new IllegalStateException("poison pill, call " + calls.incrementAndGet());
                    });
            try {
                await("5 dead letters", Duration.ofSeconds(60), () -> deadPending(mb, "payments.dead") >= 5);
            } finally {
                poison.stop();
            }
            assertThat(calls.get()).as("the function ran once per attempt").isEqualTo(MAX_ATTEMPTS);

            // as 'minibatch dead payments' reads them (DeadCommand)
            List<Message> dead = mb.store().read("payments.dead", Selection.pending().limit(100), null);
            assertThat(dead).hasSize(5);
            assertThat(numbers(dead)).containsExactly(0, 1, 2, 3, 4);
            for (Message m : dead) {
                assertThat(m.attempts()).as("attempts of %s", m).isEqualTo(MAX_ATTEMPTS);
                assertThat(m.error()).as("error of %s", m).contains("poison pill, call " + MAX_ATTEMPTS);
            }
            long deadCount = mb.store().stats("payments.dead").pending(); // what 'minibatch dead' prints as the total
            assertThat(s.deadLetters().buffer()).hasSize(5);
            System.out.printf("dead letters: %d in 'payments.dead', stats(dead).pending() says %d%n", dead.size(),
                    mb.store().stats("payments.dead").pending());
            // what 'minibatch dead payments --requeue' does: one call
            int requeuedAtOnce = s.requeueDead(0);
            int requeued = requeuedAtOnce;
            long q0 = System.nanoTime();
            while (requeued < 5 && System.nanoTime() - q0 < Duration.ofSeconds(30).toNanos()) {
                Thread.sleep(200); // called again, so that the rest of the flow is checked whatever the first call did
                requeued += s.requeueDead(0);
            }
            System.out.printf("requeueDead: the first call moved %d, all 5 moved after %.1f s%n", requeuedAtOnce,
                    (System.nanoTime() - q0) / 1e9);
            assertThat(requeued).isEqualTo(5);
            String deadAfterRequeue = readEmptyOrWhy(mb, url, "payments.dead",
                    "requeued letters gone from the dead stream (all 5 accepted)");

            ConcurrentLinkedQueue<Message> again = new ConcurrentLinkedQueue<>();
            ConsumerHandle healed = mb.streaming("payments").size(5).maxAttempts(MAX_ATTEMPTS).workers(1)
                    .lease(Duration.ofSeconds(30)).start(window -> again.addAll(window.messages()));
            try {
                await("the requeued window", Duration.ofSeconds(60), () -> again.size() >= 5);
            } finally {
                healed.stop();
            }
            assertThat(again).hasSize(5);
            assertThat(numbers(List.copyOf(again))).containsExactly(0, 1, 2, 3, 4);
            assertThat(again).allSatisfy(m -> assertThat(m.attempts()).as("attempts reset by requeue").isZero());
            // checked last, so that the flow above is checked whatever these say
            // read shows pending messages only: the dead-lettered originals were accepted (the window above got
            // only the 5 requeued copies), the requeued copies too; the share group's start offset moves
            // asynchronously, so a read may see accepted records briefly
            String streamAfterAll = readEmptyOrWhy(mb, url, "payments", "no pending message left in 'payments' (all"
                    + " accepted: dead-lettered, then the requeued copies consumed)");
            System.out.printf("after requeueDead, 'payments.dead': %s%nafter all consumed, 'payments': %s%n",
                    deadAfterRequeue == null ? "read empty" : deadAfterRequeue, streamAfterAll == null ? "read empty" : streamAfterAll);
            assertThat(deadAfterRequeue).as("the dead stream after requeueDead").isNull();
            assertThat(streamAfterAll).as("the stream after everything was consumed").isNull();
            assertThat(requeuedAtOnce).as("the first requeueDead(0) call (one 'minibatch dead --requeue') moves all 5"
                    + " dead letters").isEqualTo(5);
            assertThat(deadCount).as("stats(\"payments.dead\").pending(), printed by 'minibatch dead' as the number of"
                    + " dead letters, with 5 dead letters (appended in one transaction)").isEqualTo(5);
        }
    }

    private static long deadPending(Minibatch mb, String dead) {
        return mb.store().findStream(dead).isPresent() ? mb.store().stats(dead).pending() : 0;
    }

    private static Set<Integer> numbers(List<Message> messages) {
        Set<Integer> out = new TreeSet<>();
        messages.forEach(m -> out.add(m.data().get("n").asInt()));
        return out;
    }

    /**
     * Waits (10 s at most) for a stream's read to be empty; null if it got empty, else what the read, the
     * share group and the log say.
     */
    private static String readEmptyOrWhy(Minibatch mb, String url, String stream, String what) throws Exception {
        try {
            await(what, Duration.ofSeconds(10), () -> mb.store().read(stream, Selection.pending().limit(100), null).isEmpty());
            return null;
        } catch (AssertionError e) {
            String topic = url.substring(url.indexOf("prefix=") + 7, url.indexOf('&')) + stream;
            return e.getMessage() + "; read still shows " + mb.store().read(stream, Selection.pending().limit(100), null).size()
                    + " messages and stats(" + stream + ").pending() says " + mb.store().stats(stream).pending() + "; "
                    + groupState(topic);
        }
    }

    /** The share group's start offsets (group = topic) and the topic's end offsets, as Kafka's admin reports them. */
    private static String groupState(String topic) throws Exception {
        try (Admin admin = KafkaCluster.shared().admin()) {
            Set<TopicPartition> partitions = Set.of(new TopicPartition(topic, 0), new TopicPartition(topic, 1));
            Map<TopicPartition, SharePartitionOffsetInfo> start = admin.listShareGroupOffsets(Map.of(topic,
                    new ListShareGroupOffsetsSpec().topicPartitions(partitions))).partitionsToOffsetInfo(topic).get();
            Map<TopicPartition, OffsetSpec> latest = new java.util.HashMap<>();
            partitions.forEach(tp -> latest.put(tp, OffsetSpec.latest()));
            Map<TopicPartition, Long> end = new java.util.TreeMap<>(java.util.Comparator.comparing(TopicPartition::toString));
            admin.listOffsets(latest).all().get().forEach((tp, info) -> end.put(tp, info.offset()));
            return "share group '" + topic + "' start offsets " + start + ", end offsets " + end;
        }
    }

    static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout + " waiting for " + what);
            }
            Thread.sleep(50);
        }
    }
}
