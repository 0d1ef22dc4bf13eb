package dev.minibatch.observe;

import static org.assertj.core.api.Assertions.assertThat;

import dev.minibatch.model.ConsumerHandle;
import dev.minibatch.Minibatch;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConsumerListenerTest {

    @TempDir
    Path dir;

    /** Records every event; thread-safe as the contract asks. */
    static final class Recorder implements ConsumerListener {
        final List<WindowEvent> committed = new CopyOnWriteArrayList<>();
        final List<Throwable> failed = new CopyOnWriteArrayList<>();
        final AtomicInteger dead = new AtomicInteger();
        final List<String> emitters = new CopyOnWriteArrayList<>();

        @Override
        public void windowCommitted(WindowEvent event) {
            committed.add(event);
        }

        @Override
        public void windowFailed(WindowEvent event, Throwable error) {
            failed.add(error);
        }

        @Override
        public void deadLettered(String stream, String emitter, int messages, String reason) {
            dead.addAndGet(messages);
            emitters.add(emitter);
        }
    }

    private Minibatch open(ConsumerListener shared) {
        return Minibatch.builder().url("sqlite:" + dir.resolve("l.db")).shutdownHook(false).listener(shared).build();
    }

    @Test
    void aKeyedConsumerWhoseCommitsAreBatchedTellsListenersOnlyOnceTheWindowIsInTheStore() throws Exception {
        List<String> notYetCommitted = new CopyOnWriteArrayList<>();
        AtomicInteger committedEvents = new AtomicInteger();
        try (Minibatch mb = Minibatch.builder().url("sqlite:" + dir.resolve("k.db")).shutdownHook(false).build()) {
            for (int i = 0; i < 600; i++) {
                mb.stream("keyed").append("k" + (i % 20), Map.of("i", i));
            }
            ConsumerHandle h = mb.streaming("keyed").keyBy().size(10)
                    .listener(new ConsumerListener() {
                        @Override
                        public void windowCommitted(WindowEvent event) {
                            // SQLite claims the next keys' windows ahead and commits them together: by the time
                            // a listener hears of a window, its messages must be gone from the store
                            List<String> ids = event.window().messages().stream().map(m -> m.id()).toList();
                            if (!mb.store().read("keyed", dev.minibatch.spi.store.Selection.ids(ids),
                                    List.of(dev.minibatch.model.MessageState.PENDING, dev.minibatch.model.MessageState.CLAIMED)).isEmpty()) {
                                notYetCommitted.add(event.window().id());
                            }
                            committedEvents.incrementAndGet();
                        }
                    })
                    .start(w -> { });
            waitUntil(() -> committedEvents.get() == 60);
            h.stop();
        }
        assertThat(notYetCommitted).as("windows announced before their commit").isEmpty();
        assertThat(committedEvents).hasValue(60);
    }

    @Test
    void perConsumerAndClientListenersSeeEveryCommittedWindowAndAThrowingListenerChangesNothing() throws Exception {
        Recorder shared = new Recorder();
        Recorder own = new Recorder();
        try (Minibatch mb = open(shared)) {
            mb.stream("events").appendAll(IntStream.range(0, 250).mapToObj(i -> Map.of("i", i)).toList());
            AtomicInteger received = new AtomicInteger();
            ConsumerHandle h = mb.streaming("events").size(10)
                    .listener(new ConsumerListener() {
                        @Override
                        public void windowCommitted(WindowEvent event) {
                            throw new IllegalStateException("a broken listener");
                        }
                    })
                    .listener(own)
                    .start(w -> received.addAndGet(w.size()));
            waitUntil(() -> own.committed.size() == 25);
            h.stop();
            assertThat(received).hasValue(250);
            assertThat(own.committed).hasSize(25);
            assertThat(shared.committed).hasSize(25);
            assertThat(own.committed).allSatisfy(e -> {
                assertThat(e.stream()).isEqualTo("events");
                assertThat(e.emitter()).isEqualTo("count");
                assertThat(e.messageCount()).isEqualTo(10);
                assertThat(e.processing().isNegative()).isFalse();
                assertThat(e.oldestLatency().isNegative()).isFalse();
                assertThat(e.oldestLatency()).isGreaterThanOrEqualTo(e.latencyOf(e.window().messages().get(9)));
            });
            assertThat(mb.stream("events").stats().pending()).isZero();
        }
    }

    @Test
    void failingWindowsAreReportedThenDeadLettered() throws Exception {
        Recorder shared = new Recorder();
        try (Minibatch mb = open(shared)) {
            List<Integer> values = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                values.add(i);
            }
            mb.stream("bad").appendAll(values);
            ConsumerHandle h = mb.streaming("bad").size(10).maxAttempts(2)
                    .backoff(Duration.ofMillis(1), Duration.ofMillis(5))
                    .emitter("count", Map.of("size", "10"))
                    .start(w -> {
                        throw new IllegalArgumentException("no");
                    });
            waitUntil(() -> shared.dead.get() == 20);
            h.stop();
            assertThat(shared.failed).hasSize(4).allSatisfy(e -> assertThat(e).hasMessage("no"));
            assertThat(shared.committed).isEmpty();
            assertThat(shared.emitters).containsOnly("count");
            assertThat(mb.stream("bad").deadLetters().stats().pending()).isEqualTo(20);
        }
    }

    @Test
    void aKeyedConsumerWhoseKeyCannotBeComputedDeadLettersTheMessageAndCountsIt() throws Exception {
        Recorder own = new Recorder();
        Recorder shared = new Recorder();
        try (Minibatch mb = open(shared)) {
            for (int i = 0; i < 12; i++) {
                // every fourth reading has no sensor: its key cannot be computed
                mb.stream("readings").append(i % 4 == 3 ? Map.of("i", i) : Map.of("sensor", "s" + (i % 2), "i", i));
            }
            AtomicInteger delivered = new AtomicInteger();
            ConsumerHandle h = mb.streaming("readings").keyBy("sensor").size(1).listener(own)
                    .start(w -> delivered.addAndGet(w.size()));
            waitUntil(() -> delivered.get() == 9 && mb.stream("readings.dead").stats().pending() == 3);
            waitUntil(() -> h.stats().deadLettered() == 3 || !h.isRunning());
            h.stop();
            assertThat(h.stats().deadLettered()).as("dead letters in ConsumerStats").isEqualTo(3);
            assertThat(own.dead).as("dead letters heard by the consumer's listener").hasValue(3);
            assertThat(shared.dead).as("dead letters heard by the client's listener").hasValue(3);
            assertThat(mb.stream("readings.dead").buffer()).allSatisfy(m ->
                    assertThat(m.error()).contains("key field 'sensor' is missing"));
        }
    }

    static void waitUntil(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within 30 s");
            }
            Thread.sleep(10);
        }
    }
}
