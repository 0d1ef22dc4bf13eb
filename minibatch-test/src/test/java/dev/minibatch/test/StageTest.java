package dev.minibatch.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.minibatch.model.ConsumerHandle;
import dev.minibatch.model.Message;
import dev.minibatch.Minibatch;
import dev.minibatch.Stream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Pipeline stages on memory and SQLite: operators, keys, dead letters, merge, competing instances. */
class StageTest extends MemoryOrSqliteTest {

    private static List<String> splitWords(JsonNode line) {
        return Arrays.stream(line.asText().toLowerCase().split("\\W+")).filter(w -> !w.isEmpty()).toList();
    }

    @ParameterizedTest
    @ValueSource(strings = {"memory", "sqlite"})
    void flatMapAndKeyByTurnLinesIntoKeyedWords(String store) throws Exception {
        connect(store);
        List<String> lines = List.of("the quick brown fox", "jumps over the lazy dog", "The end");
        mb.stream("lines").appendAll(lines);
        ConsumerHandle stage = mb.stage("lines").flatMap(StageTest::splitWords).keyBy(JsonNode::asText).to("words")
                .batch(2).start();
        Stream words = mb.stream("words");
        ConsumerRuntimeTest.await("11 words", Duration.ofSeconds(20), () -> words.stats().pending() == 11);
        stage.stop();
        List<Message> out = words.buffer();
        assertEquals(List.of("the", "quick", "brown", "fox", "jumps", "over", "the", "lazy", "dog", "the", "end"),
                out.stream().map(m -> m.data().asText()).toList(), "with one instance outputs come in input order");
        assertTrue(out.stream().allMatch(m -> m.key().equals(m.data().asText())), "keyBy sets the stored key");
        assertEquals(0, mb.stream("lines").stats().pending(), "inputs are committed");
        assertEquals(3, stage.stats().messages());
    }

    @ParameterizedTest
    @ValueSource(strings = {"memory", "sqlite"})
    void anOperatorFailureDeadLettersThatMessageAloneWithTheReason(String store) throws Exception {
        connect(store);
        List<Map<String, Object>> in = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            in.add(Map.of("n", i));
        }
        mb.stream("nums").appendAll(in);
        ConsumerHandle stage = mb.stage("nums")
                .filter(v -> v.get("n").asInt() % 2 == 0)
                .map(v -> {
                    if (v.get("n").asInt() == 4) {
                        throw new IllegalStateException("four is unlucky");
                    }
                    return Map.of("square", v.get("n").asInt() * v.get("n").asInt());
                })
                .to("squares").batch(10).start();
        Stream squares = mb.stream("squares");
        ConsumerRuntimeTest.await("squares", Duration.ofSeconds(20), () -> squares.stats().pending() == 4);
        stage.stop();
        assertEquals(List.of(0, 4, 36, 64), squares.buffer().stream().map(m -> m.data().get("square").asInt()).toList());
        List<Message> dead = mb.stream("nums").deadLetters().buffer();
        assertEquals(1, dead.size());
        assertEquals(4, dead.get(0).data().get("n").asInt());
        assertTrue(dead.get(0).error().contains("stage operator map failed") && dead.get(0).error().contains("four is unlucky"),
                dead.get(0).error());
        assertEquals(0, mb.stream("nums").stats().pending());
        assertEquals(1, stage.stats().deadLettered(), "the rejected message counts as dead-lettered");
    }

    @ParameterizedTest
    @ValueSource(strings = {"memory", "sqlite"})
    void mergeReadsSeveralInputsIntoOneOutput(String store) throws Exception {
        connect(store);
        mb.stream("a").appendAll(List.of(1, 2, 3));
        mb.stream("b").appendAll(List.of(10, 20));
        ConsumerHandle stage = mb.stage("a").merge("b").map(v -> v.asInt() + 1).to("merged").start();
        Stream merged = mb.stream("merged");
        ConsumerRuntimeTest.await("five values", Duration.ofSeconds(20), () -> merged.stats().pending() == 5);
        stage.stop();
        List<Integer> values = new ArrayList<>(merged.buffer().stream().map(m -> m.data().asInt()).toList());
        List<Integer> fromA = values.stream().filter(v -> v < 10).toList();
        assertEquals(List.of(2, 3, 4), fromA, "order holds per input");
        values.sort(null);
        assertEquals(List.of(2, 3, 4, 11, 21), values);
    }

    @ParameterizedTest
    @ValueSource(strings = {"memory", "sqlite"})
    void competingStageInstancesProduceEachOutputExactlyOnce(String store) throws Exception {
        connect(store);
        List<Integer> in = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            in.add(i);
        }
        mb.stream("in").appendAll(in);
        List<ConsumerHandle> stages = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            stages.add(mb.stage("in").map(v -> Map.of("v", v.asInt())).to("out").batch(50).workers(2).start());
        }
        Stream out = mb.stream("out");
        ConsumerRuntimeTest.await("all inputs consumed", Duration.ofSeconds(60),
                () -> mb.stream("in").stats().pending() == 0 && mb.stream("in").stats().claimed() == 0);
        stages.forEach(ConsumerHandle::stop);
        Map<Integer, Integer> counts = new TreeMap<>();
        for (Message m : out.buffer(0)) {
            counts.merge(m.data().get("v").asInt(), 1, Integer::sum);
        }
        assertEquals(2000, counts.size(), "no output lost");
        assertTrue(counts.values().stream().allMatch(c -> c == 1), "no output twice");
    }

    @Test
    void aStageOnSqliteDefersItsClaimWhileAPlainConsumerClaimsInTheFile() throws Exception {
        connect("sqlite");
        mb.stream("in").appendAll(List.of(1, 2, 3));
        java.util.concurrent.CountDownLatch running = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        ConsumerHandle stage = mb.stage("in").map(v -> {
            running.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return v.asInt() * 10;
        }).to("out").batch(10).start();
        try (Minibatch other = Minibatch.builder().url("sqlite:" + dir.resolve("test.db")).shutdownHook(false).build()) {
            assertTrue(running.await(20, java.util.concurrent.TimeUnit.SECONDS));
            assertEquals(3, other.stream("in").stats().pending(),
                    "the stage's window is in flight, its claim not written (DeferredClaims)");
            release.countDown();
            ConsumerRuntimeTest.await("outputs", Duration.ofSeconds(20), () -> other.stream("out").stats().pending() == 3);
            assertEquals(List.of(10, 20, 30), other.stream("out").buffer().stream().map(m -> m.data().asInt()).toList());
            assertEquals(0, other.stream("in").stats().pending());
        } finally {
            release.countDown();
            stage.stop();
        }
        // the same window in a plain consumer is claimed in the file while it runs
        mb.stream("plain").appendAll(List.of(1, 2, 3));
        java.util.concurrent.CountDownLatch held = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
        ConsumerHandle plain = mb.streaming("plain").emitter(new dev.minibatch.emitter.CountWindow(3)).map(w -> {
            held.countDown();
            done.await();
            return null;
        }).start();
        try (Minibatch other = Minibatch.builder().url("sqlite:" + dir.resolve("test.db")).shutdownHook(false).build()) {
            assertTrue(held.await(20, java.util.concurrent.TimeUnit.SECONDS));
            assertEquals(3, other.stream("plain").stats().claimed());
        } finally {
            done.countDown();
            plain.stop();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"memory", "sqlite"})
    void competingStagesInSeparateClientsOfOneStoreProduceEachOutputOnce(String store) throws Exception {
        connect(store);
        List<Integer> in = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            in.add(i);
        }
        mb.stream("in").appendAll(in);
        // on SQLite each client has its own connection, as separate processes do; one worker each, so
        // stages defer their claims and meet conflicts, which must cost repeated work, never output
        List<Minibatch> clients = new ArrayList<>();
        List<ConsumerHandle> stages = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                Minibatch client = store.equals("sqlite")
                        ? Minibatch.builder().url("sqlite:" + dir.resolve("test.db")).shutdownHook(false).build() : mb;
                clients.add(client);
                stages.add(client.stage("in").map(v -> Map.of("v", v.asInt())).to("out").batch(50).start());
            }
            ConsumerRuntimeTest.await("all inputs consumed", Duration.ofSeconds(60),
                    () -> mb.stream("in").stats().pending() == 0 && mb.stream("in").stats().claimed() == 0);
        } finally {
            stages.forEach(ConsumerHandle::stop);
            clients.stream().filter(c -> c != mb).forEach(Minibatch::close);
        }
        Map<Integer, Integer> counts = new TreeMap<>();
        for (Message m : mb.stream("out").buffer(0)) {
            counts.merge(m.data().get("v").asInt(), 1, Integer::sum);
        }
        assertEquals(3000, counts.size(), "no output lost");
        assertTrue(counts.values().stream().allMatch(c -> c == 1), "no output twice");
    }

    @ParameterizedTest
    @ValueSource(strings = {"memory", "sqlite"})
    void anOutputThatCannotBeStoredDeadLettersItsInputAlone(String store) throws Exception {
        connect(store);
        mb.stream("in").appendAll(List.of(1, 2, 3));
        ConsumerHandle stage = mb.stage("in").map(v -> switch (v.asInt()) {
            case 1 -> new Object(); // no properties: Jackson refuses it
            case 2 -> "x".repeat(mb.maxMessageBytes() + 1);
            default -> v.asInt();
        }).to("out").start();
        ConsumerRuntimeTest.await("dead letters", Duration.ofSeconds(20),
                () -> mb.stream("in").deadLetters().stats().pending() == 2 && mb.stream("out").stats().pending() == 1);
        stage.stop();
        assertEquals(List.of(3), mb.stream("out").buffer().stream().map(m -> m.data().asInt()).toList());
        List<Message> dead = mb.stream("in").deadLetters().buffer();
        assertTrue(dead.get(0).error().contains("cannot be stored") && dead.get(0).error().contains("not JSON-serialisable"),
                dead.get(0).error());
        assertTrue(dead.get(1).error().contains("exceeds the limit"), dead.get(1).error());
    }

    @Test
    void aStageNeedsAnOutputAndNoLoop() {
        connect("memory");
        assertThrows(IllegalStateException.class, () -> mb.stage("x").map(v -> v).start());
        assertThrows(IllegalStateException.class, () -> mb.stage("x").to("x").start());
        assertThrows(IllegalStateException.class, () -> mb.stage().to("y").start());
    }
}
