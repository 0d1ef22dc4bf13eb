package dev.minibatch.kafka.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.minibatch.Minibatch;
import dev.minibatch.Stream;
import dev.minibatch.kafka.KafkaCluster;
import dev.minibatch.model.ConsumerHandle;
import dev.minibatch.model.Message;
import dev.minibatch.spi.store.Selection;
import java.time.Duration;
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
            // the share group's start offset moves past accepted records asynchronously: a read may still see them briefly
            long r0 = System.nanoTime();
            await("the dead-lettered messages gone from 'payments' (read shows pending messages only)", Duration.ofSeconds(15),
                    () -> mb.store().read("payments", Selection.pending().limit(100), null).isEmpty());
            System.out.printf("dead letters: %d in 'payments.dead' (stats says %d); read of 'payments' empty %.1f s after"
                    + " the dead-lettering%n", dead.size(), mb.store().stats("payments.dead").pending(), (System.nanoTime() - r0) / 1e9);

            assertThat(s.requeueDead(0)).isEqualTo(5);
            await("requeued letters gone from the dead stream", Duration.ofSeconds(15),
                    () -> mb.store().read("payments.dead", Selection.pending().limit(100), null).isEmpty());
            assertThat(mb.store().stats("payments.dead").pending()).isZero();

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
            // checked last, so that the flow above is checked whatever this says
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
