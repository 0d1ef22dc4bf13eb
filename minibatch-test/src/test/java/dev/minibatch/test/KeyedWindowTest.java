package dev.minibatch.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.minibatch.model.ConfigurationException;
import dev.minibatch.model.ConsumerHandle;
import dev.minibatch.model.Message;
import dev.minibatch.Minibatch;
import dev.minibatch.Stream;
import dev.minibatch.model.Window;
import dev.minibatch.emitter.CountWindow;
import dev.minibatch.emitter.FixedTimeWindow;
import dev.minibatch.spi.emitter.EmitterContext;
import dev.minibatch.spi.store.Selection;
import dev.minibatch.spi.emitter.WindowEmitter;
import dev.minibatch.spi.emitter.WindowQuery;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Keyed windows: streaming(s).keyBy(…) with count, time and custom emitters, on memory and SQLite. */
class KeyedWindowTest extends MemoryOrSqliteTest {

    private static int n(JsonNode v) {
        return v.get("n").asInt();
    }

    @ParameterizedTest
    @ValueSource(strings = {"memory", "sqlite"})
    void countWindowsHoldNMessagesOfOneKeyInOrder(String store) throws Exception {
        connect(store);
        Stream s = mb.stream("readings");
        for (int i = 0; i < 21; i++) {
            s.append("k" + (i % 3), Map.of("n", i, "sensor", "k" + (i % 3)));
        }
        List<Window> windows = new CopyOnWriteArrayList<>();
        ConsumerHandle h = mb.streaming("readings").size(3).keyBy().start(windows::add);
        ConsumerRuntimeTest.await("six keyed windows", Duration.ofSeconds(20), () -> windows.size() >= 6);
        Thread.sleep(100);
        h.stop();
        assertEquals(6, windows.size(), "7 readings a key make two windows of 3 each, one left over: " + windows);
        Map<String, List<Integer>> byKey = new HashMap<>();
        for (Window w : windows) {
            assertNotNull(w.key());
            assertEquals(3, w.size());
            for (JsonNode v : w.data()) {
                assertEquals(w.key(), v.get("sensor").asText(), "a window holds one key only");
                byKey.computeIfAbsent(w.key(), k -> new ArrayList<>()).add(n(v));
            }
            for (Message m : w.messages()) {
                assertEquals(w.key(), m.key());
            }
        }
        for (List<Integer> ns : byKey.values()) {
            List<Integer> sorted = new ArrayList<>(ns);
            sorted.sort(null);
            assertEquals(sorted, ns, "with workers(1) each key's windows come in order");
        }
        assertEquals(3, s.buffer().size(), "the seventh reading of each key waits for its window");
    }

    @ParameterizedTest
    @ValueSource(strings = {"memory", "sqlite"})
    void aFieldPathKeysStreamsWrittenWithoutKeysAndDeadLettersMessagesWithoutTheField(String store) throws Exception {
        connect(store);
        Stream s = mb.stream("py");
        for (int i = 0; i < 8; i++) {
            s.append(Map.of("n", i, "sensor", i % 2 == 0 ? "even" : "odd"));
            if (i == 3) {
                s.append(Map.of("n", 99, "other", "no sensor here"));
            }
        }
        List<Window> windows = new CopyOnWriteArrayList<>();
        ConsumerHandle h = mb.streaming("py").size(2).keyBy("sensor").start(windows::add);
        ConsumerRuntimeTest.await("four windows", Duration.ofSeconds(20), () -> windows.size() >= 4);
        ConsumerRuntimeTest.await("the keyless message dead-lettered", Duration.ofSeconds(20),
                () -> !s.deadLetters().buffer().isEmpty());
        h.stop();
        Set<Integer> seen = new HashSet<>();
        for (Window w : windows) {
            assertEquals(2, w.size());
            for (JsonNode v : w.data()) {
                assertEquals(w.key(), v.get("sensor").asText());
                assertTrue(seen.add(n(v)), "message " + n(v) + " in two windows");
            }
        }
        assertEquals(Set.of(0, 1, 2, 3, 4, 5, 6, 7), seen);
        List<Message> dead = s.deadLetters().buffer();
        assertEquals(1, dead.size(), "only the message without the field is dead-lettered");
        assertEquals(99, n(dead.get(0).data()));
        assertTrue(dead.get(0).error().contains("key field 'sensor' is missing"), dead.get(0).error());
    }

    @ParameterizedTest
    @ValueSource(strings = {"memory", "sqlite"})
    void fixedTimeWindowsGiveOneWindowPerKeyPerInterval(String store) throws Exception {
        ManualClock clock = new ManualClock(Instant.parse("2025-01-01T10:00:00Z"));
        mb = Minibatch.builder().url(store.equals("sqlite") ? "sqlite:" + dir.resolve("t.db") : "memory:").clock(clock)
                .shutdownHook(false).build();
        Stream s = mb.stream("t");
        for (int i = 0; i < 6; i++) {
            clock.advanceMillis(100);
            s.append("k" + (i % 2), Map.of("n", i));
        }
        clock.advance(Duration.ofSeconds(1)); // the first interval, [10:00:00, 10:00:01), has ended
        List<Window> windows = new CopyOnWriteArrayList<>();
        ConsumerHandle h = mb.streaming("t").interval(Duration.ofSeconds(1)).relaxed(false).keyBy().start(windows::add);
        ConsumerRuntimeTest.await("a window per key", Duration.ofSeconds(20), () -> windows.size() >= 2);
        clock.advanceMillis(200);
        s.append("k0", Map.of("n", 6)); // in the next interval
        clock.advance(Duration.ofSeconds(2));
        ConsumerRuntimeTest.await("the next interval's window", Duration.ofSeconds(20), () -> windows.size() >= 3);
        Thread.sleep(100);
        h.stop();
        assertEquals(3, windows.size(), windows.toString());
        Map<String, List<Integer>> first = new HashMap<>();
        for (Window w : windows.subList(0, 2)) {
            assertEquals(Instant.parse("2025-01-01T10:00:01Z"), w.to());
            first.put(w.key(), w.data().stream().map(KeyedWindowTest::n).toList());
        }
        assertEquals(Map.of("k0", List.of(0, 2, 4), "k1", List.of(1, 3, 5)), first);
        assertEquals("k0", windows.get(2).key());
        assertEquals(List.of(6), windows.get(2).data().stream().map(KeyedWindowTest::n).toList());
    }

    @ParameterizedTest
    @ValueSource(strings = {"memory", "sqlite"})
    void competingKeyedConsumersNeverShareAMessage(String store) throws Exception {
        connect(store);
        Stream s = mb.stream("c");
        List<Map<String, Object>> batch = new ArrayList<>();
        for (int i = 0; i < 600; i++) {
            batch.add(Map.of("n", i, "sensor", "s" + (i % 12)));
        }
        s.appendAll(batch);
        ConcurrentHashMap<Integer, String> owner = new ConcurrentHashMap<>();
        List<String> problems = new CopyOnWriteArrayList<>();
        List<ConsumerHandle> handles = new ArrayList<>();
        for (int c = 0; c < 3; c++) {
            handles.add(mb.streaming("c").size(5).keyBy("sensor").workers(2).start(w -> {
                for (JsonNode v : w.data()) {
                    if (!v.get("sensor").asText().equals(w.key())) {
                        problems.add("window " + w.id() + " of key " + w.key() + " holds " + v);
                    }
                    if (owner.putIfAbsent(n(v), w.id()) != null) {
                        problems.add("reading " + n(v) + " in two windows");
                    }
                }
                if (w.size() != 5) {
                    problems.add("window of " + w.size());
                }
            }));
        }
        ConsumerRuntimeTest.await("every reading in a window", Duration.ofSeconds(60), () -> owner.size() == 600);
        handles.forEach(ConsumerHandle::stop);
        assertEquals(List.of(), problems);
        assertEquals(600, owner.size());
    }

    @Test
    void windowsClaimedAheadGoBackAtStopAndEveryMessageIsConsumedOnce() throws Exception {
        connect("sqlite"); // a BatchClaims store: a keyed count claim takes the next keys' windows with it
        Stream s = mb.stream("ahead");
        for (int i = 0; i < 500; i++) {
            s.append("k" + (i % 50), Map.of("n", i, "sensor", "k" + (i % 50)));
        }
        s.flush();
        java.util.concurrent.CountDownLatch first = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
        ConcurrentHashMap<Integer, String> owner = new ConcurrentHashMap<>();
        List<String> problems = new CopyOnWriteArrayList<>();
        WindowHandlerProbe probe = w -> {
            for (JsonNode v : w.data()) {
                if (!v.get("sensor").asText().equals(w.key())) {
                    problems.add("window of key " + w.key() + " holds " + v);
                }
                if (owner.putIfAbsent(n(v), w.id()) != null) {
                    problems.add("reading " + n(v) + " in two windows");
                }
            }
            if (w.size() != 10) {
                problems.add("window of " + w.size());
            }
        };
        ConsumerHandle h = mb.streaming("ahead").size(10).keyBy().start(w -> {
            probe.see(w);
            first.countDown();
            go.await();
        });
        assertTrue(first.await(20, java.util.concurrent.TimeUnit.SECONDS), "no first window");
        assertTrue(s.stats().claimed() > 10, "the windows of several keys are claimed together: " + s.stats());
        h.requestStop();
        go.countDown();
        h.stop();
        assertEquals(0, s.stats().claimed(), "windows claimed ahead go back at stop: " + s.stats());
        assertEquals(1, h.stats().windows(), "the running window was committed at stop");
        assertEquals(490, s.stats().pending());
        ConsumerHandle rest = mb.streaming("ahead").size(10).keyBy().start(probe::see);
        ConsumerRuntimeTest.await("every reading in a window", Duration.ofSeconds(60), () -> owner.size() == 500);
        rest.stop();
        assertEquals(List.of(), problems);
        assertEquals(0, s.stats().pending() + s.stats().claimed(), "every window committed: " + s.stats());
        assertEquals(49, rest.stats().windows());
    }

    @FunctionalInterface
    interface WindowHandlerProbe {
        void see(Window w);
    }

    /** A custom emitter: windows of its key's messages, counting the key it sees without bookkeeping. */
    static final class KeyEcho implements WindowEmitter {
        static final List<String> KEYS_SEEN = new CopyOnWriteArrayList<>();

        @Override
        public Optional<WindowQuery> windowReady(EmitterContext context) {
            KEYS_SEEN.add(context.keyed() + ":" + context.key());
            return context.peek(Selection.pending().limit(1)).isEmpty() ? Optional.empty() : Optional.of(new WindowQuery(null, null, 0));
        }
    }

    @Test
    void customEmittersGetTheirKeyFromTheContext() throws Exception {
        connect("memory");
        KeyEcho.KEYS_SEEN.clear();
        Stream s = mb.stream("e");
        s.append("a", Map.of("n", 1));
        s.append("b", Map.of("n", 2));
        s.append("a", Map.of("n", 3));
        List<Window> windows = new CopyOnWriteArrayList<>();
        ConsumerHandle h = mb.streaming("e").emitterFactory(KeyEcho::new).keyBy().start(windows::add);
        ConsumerRuntimeTest.await("two windows", Duration.ofSeconds(20), () -> windows.size() >= 2);
        h.stop();
        Map<String, List<Integer>> byKey = new HashMap<>();
        windows.forEach(w -> byKey.put(w.key(), w.data().stream().map(KeyedWindowTest::n).toList()));
        assertEquals(Map.of("a", List.of(1, 3), "b", List.of(2)), byKey);
        assertTrue(KeyEcho.KEYS_SEEN.contains("true:a") && KeyEcho.KEYS_SEEN.contains("true:b"), KeyEcho.KEYS_SEEN.toString());
    }

    @Test
    void anEmitterInstanceCannotServeManyKeys() {
        connect("memory");
        ConfigurationException e = assertThrows(ConfigurationException.class,
                () -> mb.streaming("x").emitter(new CountWindow(2)).keyBy().start(w -> { }));
        assertTrue(e.getMessage().contains("emitterFactory"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> mb.streaming("x").keyBy("bad..path"));
        FixedTimeWindow shared = new FixedTimeWindow(Duration.ofSeconds(1));
        assertThrows(IllegalArgumentException.class,
                () -> mb.streaming("x").emitterFactory(() -> shared).keyBy().start(w -> { }));
    }
}
