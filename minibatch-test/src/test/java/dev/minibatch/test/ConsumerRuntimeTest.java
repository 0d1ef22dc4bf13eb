package dev.minibatch.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.minibatch.model.ConsumerHandle;
import dev.minibatch.model.Message;
import dev.minibatch.model.MessageState;
import dev.minibatch.Minibatch;
import dev.minibatch.Stream;
import dev.minibatch.model.Window;
import dev.minibatch.spi.connector.Sink;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The consumer runtime on real threads, on the memory and the SQLite store. */
class ConsumerRuntimeTest extends MemoryOrSqliteTest {

    static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout + " waiting for " + what);
            }
            Thread.sleep(5);
        }
    }

    private static List<Map<String, Integer>> numbered(int from, int count) {
        List<Map<String, Integer>> out = new ArrayList<>();
        for (int i = from; i < from + count; i++) {
            out.add(Map.of("n", i));
        }
        return out;
    }

    private static List<Integer> ns(Window w) {
        List<Integer> out = new ArrayList<>();
        for (JsonNode v : w.data()) {
            out.add(v.get("n").asInt());
        }
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"memory", "sqlite"})
    void aPoisonMessageIsDeadLetteredAfterExactlyMaxAttemptsWhileOthersFlow(String store) throws Exception {
        connect(store);
        Stream stream = mb.stream("orders");
        stream.appendAll(numbered(0, 30));
        AtomicInteger poisonTries = new AtomicInteger();
        List<Integer> delivered = new CopyOnWriteArrayList<>();
        ConsumerHandle consumer = mb.streaming("orders").size(1).maxAttempts(4)
                .backoff(Duration.ofMillis(5), Duration.ofMillis(20))
                .start(window -> {
                    int n = ns(window).get(0);
                    if (n == 7) {
                        poisonTries.incrementAndGet();
                        throw new IllegalArgumentException("cannot price order 7");
                    }
                    delivered.add(n);
                });
        await("the poison message in the dead-letter stream", Duration.ofSeconds(30),
                () -> !stream.deadLetters().buffer().isEmpty() && delivered.size() == 29);
        consumer.stop();
        assertEquals(4, poisonTries.get(), "exactly maxAttempts tries");
        List<Message> dead = stream.deadLetters().buffer();
        assertEquals(1, dead.size());
        assertEquals(7, dead.get(0).data().get("n").asInt());
        assertEquals(4, dead.get(0).attempts());
        assertTrue(dead.get(0).error().contains("cannot price order 7"), dead.get(0).error());
        assertTrue(dead.get(0).error().contains("attempt 4 of 4"), dead.get(0).error());
        assertEquals(29, delivered.size());
        assertFalse(delivered.contains(7));
        assertEquals(1, consumer.stats().deadLettered());

        assertEquals(1, stream.requeueDead(0), "dead letters can be re-queued");
        assertTrue(stream.deadLetters().buffer().isEmpty());
        Message back = stream.buffer().get(0);
        assertEquals(7, back.data().get("n").asInt());
        assertEquals(0, back.attempts());
    }

    @ParameterizedTest
    @ValueSource(strings = {"memory", "sqlite"})
    void aFailingSinkMakesTheWindowRetryAndNothingIsCommittedBeforeItSucceeds(String store) throws Exception {
        connect(store);
        Stream stream = mb.stream("events");
        stream.appendAll(numbered(0, 20));
        AtomicInteger failuresLeft = new AtomicInteger(3);
        List<Integer> received = new CopyOnWriteArrayList<>();
        List<String> violations = new CopyOnWriteArrayList<>();
        Sink sink = new Sink() {
            @Override
            public void put(Object message) {
                throw new AssertionError("put(message, window) is the one called");
            }

            @Override
            public void put(Object message, Window window) {
                // the window's messages must still be held (claimed), not committed
                List<Message> claimed = stream.messages(List.of(MessageState.CLAIMED), 0);
                if (!claimed.stream().map(Message::id).toList().containsAll(window.messages().stream().map(Message::id).toList())) {
                    violations.add("window " + window.id() + " was committed before the sink accepted it");
                }
                if (failuresLeft.getAndDecrement() > 0) {
                    throw new IllegalStateException("downstream unavailable");
                }
                for (Object v : (List<?>) message) {
                    received.add(((JsonNode) v).get("n").asInt());
                }
            }
        };
        ConsumerHandle consumer = mb.streaming("events").size(5).sink(sink)
                .backoff(Duration.ofMillis(5), Duration.ofMillis(10)).start(window -> { });
        await("all 20 messages in the sink", Duration.ofSeconds(30), () -> received.size() >= 20);
        consumer.stop();
        assertEquals(List.of(), violations);
        List<Integer> sorted = new ArrayList<>(received);
        Collections.sort(sorted);
        assertEquals(ConcurrentRange.of(0, 20), sorted, "each message reaches the sink once its window succeeds");
        assertEquals(3, consumer.stats().failures());
        assertTrue(stream.buffer().isEmpty());
        assertTrue(stream.deadLetters().buffer().isEmpty(), "3 failures < maxAttempts 5: nothing dead");
    }

    @ParameterizedTest
    @ValueSource(strings = {"memory", "sqlite"})
    void oneWorkerProcessesAndCommitsWindowsInAppendOrder(String store) throws Exception {
        connect(store);
        Stream stream = mb.stream("ordered");
        for (int i = 0; i < 1000; i += 100) {
            stream.appendAll(numbered(i, 100));
        }
        List<Integer> seen = new CopyOnWriteArrayList<>();
        ConsumerHandle consumer = mb.streaming("ordered").size(10).start(window -> seen.addAll(ns(window)));
        await("1000 messages", Duration.ofSeconds(60), () -> seen.size() >= 1000);
        consumer.stop();
        assertEquals(ConcurrentRange.of(0, 1000), seen);
    }

    @ParameterizedTest
    @ValueSource(strings = {"memory", "sqlite"})
    void workersRunWindowsInParallel(String store) throws Exception {
        connect(store);
        mb.stream("parallel").appendAll(numbered(0, 8));
        CyclicBarrier fourAtOnce = new CyclicBarrier(4);
        AtomicInteger passed = new AtomicInteger();
        ConsumerHandle consumer = mb.streaming("parallel").size(2).workers(4).start(window -> {
            fourAtOnce.await(20, TimeUnit.SECONDS); // only passes if 4 windows run concurrently
            passed.incrementAndGet();
        });
        await("4 windows through the barrier", Duration.ofSeconds(30), () -> passed.get() == 4);
        consumer.stop();
        assertEquals(4, consumer.stats().windows());
        assertEquals(0, consumer.stats().failures());
    }

    @ParameterizedTest
    @ValueSource(strings = {"memory", "sqlite"})
    void stopReleasesWindowsThatDoNotFinishInTime(String store) throws Exception {
        connect(store);
        Stream stream = mb.stream("slow");
        stream.appendAll(numbered(0, 3));
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch never = new CountDownLatch(1);
        ConsumerHandle consumer = mb.streaming("slow").size(3).stopTimeout(Duration.ofMillis(200)).start(window -> {
            started.countDown();
            never.await();
        });
        assertTrue(started.await(20, TimeUnit.SECONDS));
        assertEquals(3, stream.stats().claimed());
        consumer.stop();
        assertFalse(consumer.isRunning());
        List<Message> back = stream.buffer();
        assertEquals(3, back.size(), "released, not lost");
        assertEquals(0, back.get(0).attempts(), "a stop is not a failed attempt");
    }

    @ParameterizedTest
    @ValueSource(strings = {"memory", "sqlite"})
    void stopLetsInFlightWindowsFinish(String store) throws Exception {
        connect(store);
        Stream stream = mb.stream("finishing");
        stream.appendAll(numbered(0, 2));
        CountDownLatch started = new CountDownLatch(1);
        ConsumerHandle consumer = mb.streaming("finishing").size(2).start(window -> {
            started.countDown();
            Thread.sleep(300);
        });
        assertTrue(started.await(20, TimeUnit.SECONDS));
        consumer.stop();
        assertEquals(1, consumer.stats().windows(), "the in-flight window finished and was committed");
        assertEquals(0, stream.stats().pending() + stream.stats().claimed());
    }

    @ParameterizedTest
    @ValueSource(strings = {"memory", "sqlite"})
    void leasesAreRenewedWhileTheFunctionRuns(String store) throws Exception {
        connect(store);
        Stream stream = mb.stream("long");
        stream.appendAll(numbered(0, 2));
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger calls = new AtomicInteger();
        ConsumerHandle slow = mb.streaming("long").size(2).lease(Duration.ofMillis(300)).start(window -> {
            calls.incrementAndGet();
            started.countDown();
            release.await();
        });
        assertTrue(started.await(20, TimeUnit.SECONDS));
        List<Window> stolen = new CopyOnWriteArrayList<>();
        ConsumerHandle other = mb.streaming("long").size(1).lease(Duration.ofMillis(300)).start(stolen::add);
        Thread.sleep(1_200); // four lease lengths: without renewal the other consumer would take them
        release.countDown();
        await("the window committed", Duration.ofSeconds(20), () -> slow.stats().windows() == 1);
        other.stop();
        slow.stop();
        assertEquals(List.of(), stolen, "a renewed lease keeps messages from other consumers");
        assertEquals(1, calls.get());
        assertEquals(0, slow.stats().leasesLost());
    }

    @ParameterizedTest
    @ValueSource(strings = {"memory", "sqlite"})
    void mapResultGoesToTheSinkAndNullForwardsTheData(String store) throws Exception {
        connect(store);
        mb.stream("m").appendAll(numbered(0, 4));
        List<Object> sunk = new CopyOnWriteArrayList<>();
        Sink sink = sunk::add;
        AtomicInteger round = new AtomicInteger();
        ConsumerHandle consumer = mb.streaming("m").size(2).sink(sink)
                .map(window -> round.incrementAndGet() == 1 ? Map.of("sum", ns(window).stream().mapToInt(i -> i).sum()) : null)
                .start();
        await("two windows in the sink", Duration.ofSeconds(20), () -> sunk.size() == 2);
        consumer.stop();
        assertEquals(Map.of("sum", 1), sunk.get(0));
        assertTrue(sunk.get(1) instanceof List<?> list && list.size() == 2, "null result forwards window.data(): " + sunk.get(1));
    }

    @ParameterizedTest
    @ValueSource(strings = {"memory", "sqlite"})
    void closingTheClientStopsABlockingRun(String store) throws Exception {
        connect(store);
        mb.stream("b").append(Map.of("n", 1));
        CountDownLatch got = new CountDownLatch(1);
        Thread runner = new Thread(() -> mb.streaming("b").size(1).run(window -> got.countDown()));
        runner.setDaemon(true);
        runner.start();
        assertTrue(got.await(20, TimeUnit.SECONDS));
        mb.close();
        runner.join(20_000);
        assertFalse(runner.isAlive(), "run() returns once the client is closed");
    }

    @ParameterizedTest
    @ValueSource(strings = {"memory", "sqlite"})
    void interruptingABlockingRunStopsItCleanly(String store) throws Exception {
        connect(store);
        mb.stream("i").append(Map.of("n", 1));
        CountDownLatch got = new CountDownLatch(1);
        java.util.concurrent.atomic.AtomicReference<Throwable> thrown = new java.util.concurrent.atomic.AtomicReference<>();
        java.util.concurrent.atomic.AtomicBoolean stillInterrupted = new java.util.concurrent.atomic.AtomicBoolean();
        Thread runner = new Thread(() -> {
            try {
                mb.streaming("i").size(1).run(window -> got.countDown());
            } catch (Throwable e) {
                thrown.set(e);
            }
            stillInterrupted.set(Thread.currentThread().isInterrupted());
        });
        runner.setDaemon(true);
        runner.start();
        assertTrue(got.await(20, TimeUnit.SECONDS));
        runner.interrupt();
        runner.join(20_000);
        assertFalse(runner.isAlive(), "run() returns when its thread is interrupted");
        assertEquals(null, thrown.get(), "an interrupt is a stop, not a failure");
        assertTrue(stillInterrupted.get(), "run() keeps the thread's interrupt status for its caller");
        assertTrue(mb.consumers().isEmpty(), "the consumer unregistered itself");
    }

    @ParameterizedTest
    @ValueSource(strings = {"memory", "sqlite"})
    void competingConsumersInOneProcessShareTheWorkWithoutOverlap(String store) throws Exception {
        connect(store);
        Stream stream = mb.stream("shared");
        for (int i = 0; i < 2000; i += 200) {
            stream.appendAll(numbered(i, 200));
        }
        Map<Integer, Integer> seen = new ConcurrentHashMap<>();
        List<ConsumerHandle> consumers = new ArrayList<>();
        for (int c = 0; c < 3; c++) {
            consumers.add(mb.streaming("shared").size(7).workers(2).start(window -> {
                for (int n : ns(window)) {
                    seen.merge(n, 1, Integer::sum);
                }
            }));
        }
        await("all 2000 minus the tail", Duration.ofSeconds(60), () -> seen.size() >= 1995);
        for (ConsumerHandle c : consumers) {
            c.stop();
        }
        assertEquals(0, seen.values().stream().filter(v -> v > 1).count(), "no message in two windows");
        assertEquals(2000 - 2000 % 7, seen.size(), "every full window was delivered");
        assertNotNull(consumers.get(0).stats());
    }

    @ParameterizedTest
    @ValueSource(strings = {"memory", "sqlite"})
    void consumersReportHeartbeatsToTheStore(String store) throws Exception {
        connect(store);
        mb.stream("hb").appendAll(numbered(0, 6));
        ConsumerHandle consumer = mb.streaming("hb").size(3).start(window -> { });
        await("two windows", Duration.ofSeconds(20), () -> consumer.stats().windows() == 2);
        consumer.stop();
        var activity = (dev.minibatch.spi.store.StreamActivity) mb.store();
        var seen = activity.consumers("hb", java.time.Instant.EPOCH);
        assertEquals(1, seen.size());
        assertTrue(seen.get(0).stopped(), "the last heartbeat says it stopped");
        assertEquals(2, seen.get(0).stats().windows());
        assertEquals(6, seen.get(0).stats().messages());
        assertEquals("CountWindow(3)", seen.get(0).emitter());
        assertEquals(6, activity.appendedTotal("hb"));
    }

    /** An ascending list of ints, for readable assertions. */
    static final class ConcurrentRange {
        static List<Integer> of(int from, int to) {
            List<Integer> out = new ArrayList<>();
            for (int i = from; i < to; i++) {
                out.add(i);
            }
            return out;
        }
    }
}
