package dev.minibatch.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.minibatch.model.ConfigurationException;
import dev.minibatch.model.ConsumerHandle;
import dev.minibatch.model.Message;
import dev.minibatch.Minibatch;
import dev.minibatch.spi.store.StreamStore;
import dev.minibatch.store.memory.MemoryStore;
import dev.minibatch.table.Table;
import dev.minibatch.model.TableEntry;
import dev.minibatch.table.TableUpdates;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Table operators on memory and SQLite: reduce, aggregate, accumulate, explicit updates, changelog, failures. */
class TableOperatorsTest extends MemoryOrSqliteTest {

    static final List<String> VOCABULARY = List.of("apple", "banana", "cherry", "date", "elder", "fig", "grape", "hazel",
            "iris", "juniper", "kiwi", "lemon", "mango", "nut", "olive", "pear", "quince", "rose", "sage", "thyme");

    /** Lines of words drawn from {@link #VOCABULARY} (seeded), and their batch count. */
    static List<String> lines(int count, int wordsPerLine, long seed, Map<String, Long> batchCount) {
        Random random = new Random(seed);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            StringBuilder line = new StringBuilder();
            for (int w = 0; w < wordsPerLine; w++) {
                String word = VOCABULARY.get(random.nextInt(VOCABULARY.size()));
                batchCount.merge(word, 1L, Long::sum);
                line.append(w == 0 ? "" : " ").append(word);
            }
            out.add(line.toString());
        }
        return out;
    }

    static List<String> splitWords(JsonNode line) {
        return Arrays.stream(line.asText().split(" ")).filter(w -> !w.isEmpty()).toList();
    }

    static Map<String, Long> tableAsMap(Table table) {
        Map<String, Long> out = new TreeMap<>();
        String after = null;
        while (true) {
            List<TableEntry> page = table.entries(after, 7);
            if (page.isEmpty()) {
                return out;
            }
            page.forEach(e -> out.put(e.key(), e.value().asLong()));
            after = page.get(page.size() - 1).key();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"memory", "sqlite"})
    void wordCountWithReduceEqualsABatchCountAndItsChangelogReproducesTheTable(String store) throws Exception {
        connect(store);
        Map<String, Long> expected = new TreeMap<>();
        mb.stream("lines").appendAll(lines(300, 10, 42, expected));
        ConsumerHandle split = mb.stage("lines").flatMap(TableOperatorsTest::splitWords).keyBy(JsonNode::asText)
                .map(word -> 1).to("words").batch(50).start();
        ConsumerHandle count = mb.streaming("words").keyBy().interval(Duration.ofMillis(100))
                .reduce("counts", Long.class, Long::sum).changelog("counts", "counts.changes").start();
        ConsumerHandle replica = mb.streaming("counts.changes").interval(Duration.ofMillis(50))
                .updateTables(window -> {
                    TableUpdates updates = TableUpdates.of();
                    for (Message m : window.messages()) {
                        updates.put("replica", m.data().get("key").asText(), m.data().get("value"));
                    }
                    return updates;
                }).start();
        Table counts = mb.table("counts");
        try {
            ConsumerRuntimeTest.await("3000 words counted", Duration.ofSeconds(60),
                    () -> tableAsMap(counts).values().stream().mapToLong(Long::longValue).sum() == 3000);
            ConsumerRuntimeTest.await("the changelog consumed", Duration.ofSeconds(30),
                    () -> mb.stream("counts.changes").stats().pending() == 0 && mb.stream("counts.changes").stats().claimed() == 0
                            && tableAsMap(mb.table("replica")).equals(expected));
        } finally {
            split.stop();
            count.stop();
            replica.stop();
        }
        assertEquals(expected, tableAsMap(counts), "the table equals a batch count of the input");
        assertEquals(expected, tableAsMap(mb.table("replica")), "the changelog reproduces the table");
        assertEquals(expected.size(), counts.size());
        assertTrue(counts.info().updates() >= expected.size());
        assertEquals(0, mb.stream("words").stats().pending() + mb.stream("words").stats().claimed());
    }

    record Stats(long count, long sum, long max) {
    }

    @ParameterizedTest
    @ValueSource(strings = {"memory", "sqlite"})
    void aggregateAndAccumulateKeepTypedStatePerKey(String store) throws Exception {
        connect(store);
        Map<String, Stats> expected = new HashMap<>();
        Map<String, List<Integer>> history = new HashMap<>();
        for (int i = 0; i < 200; i++) {
            String key = "k" + (i % 7);
            mb.stream("readings").append(key, Map.of("v", i));
            Stats s = expected.getOrDefault(key, new Stats(0, 0, Long.MIN_VALUE));
            expected.put(key, new Stats(s.count() + 1, s.sum() + i, Math.max(s.max(), i)));
            history.computeIfAbsent(key, k -> new ArrayList<>()).add(i);
        }
        ConsumerHandle agg = mb.streaming("readings").keyBy().size(3).keep(true)
                .aggregate("stats", new Stats(0, 0, Long.MIN_VALUE), (state, window) -> {
                    long count = state.count(), sum = state.sum(), max = state.max();
                    for (JsonNode v : window.data()) {
                        count++;
                        sum += v.get("v").asLong();
                        max = Math.max(max, v.get("v").asLong());
                    }
                    return new Stats(count, sum, max);
                }).start();
        try {
            ConsumerRuntimeTest.await("every reading aggregated except the tails", Duration.ofSeconds(30),
                    () -> mb.stream("readings").stats().pending() < 7 * 3 && mb.stream("readings").stats().claimed() == 0
                            && mb.table("stats").size() == 7);
        } finally {
            agg.stop();
        }
        Table stats = mb.table("stats");
        long aggregated = 0;
        for (int k = 0; k < 7; k++) {
            Stats s = stats.get("k" + k, Stats.class).orElseThrow();
            assertEquals(0, s.count() % 3, "whole windows of 3: " + s);
            aggregated += s.count();
            List<Integer> seen = history.get("k" + k).subList(0, (int) s.count());
            assertEquals(seen.stream().mapToLong(Integer::longValue).sum(), s.sum(), "k" + k + " sums its first windows in order");
            assertEquals(seen.get(seen.size() - 1).longValue(), s.max());
        }
        assertEquals(aggregated + mb.stream("readings").stats().pending(), 200);

        // accumulate: the running list of the last three values per key, over the kept stream's remainder + new ones
        ConsumerHandle acc = mb.streaming("readings").keyBy().size(1)
                .accumulate("last3", List.of(), (List<Object> state, JsonNode value) -> {
                    List<Object> next = new ArrayList<>(state);
                    next.add(value.get("v").asInt());
                    return next.size() > 3 ? next.subList(next.size() - 3, next.size()) : next;
                }).start();
        try {
            ConsumerRuntimeTest.await("the rest accumulated", Duration.ofSeconds(30),
                    () -> mb.stream("readings").stats().pending() == 0 && mb.stream("readings").stats().claimed() == 0);
        } finally {
            acc.stop();
        }
        for (int k = 0; k < 7; k++) {
            List<Integer> all = history.get("k" + k);
            int done = (int) stats.get("k" + k, Stats.class).orElseThrow().count();
            List<Integer> rest = all.subList(done, all.size());
            if (rest.isEmpty()) {
                continue;
            }
            List<Integer> tail = rest.subList(Math.max(0, rest.size() - 3), rest.size());
            JsonNode last3 = mb.table("last3").get("k" + k).orElseThrow();
            List<Integer> got = new ArrayList<>();
            last3.forEach(n -> got.add(n.asInt()));
            assertEquals(tail, got, "k" + k);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"memory", "sqlite"})
    void aStateFunctionThatMutatesAJsonInitialValueCountsEachKeyFromItsOwnStart(String store) throws Exception {
        connect(store);
        Map<String, Long> expected = new TreeMap<>();
        for (int i = 0; i < 60; i++) {
            String key = "k" + (i % 4);
            mb.stream("ticks").append(key, Map.of("v", i));
            expected.merge(key, 1L, Long::sum);
        }
        ObjectNode initial = JsonNodeFactory.instance.objectNode().put("n", 0);
        // mutates the state it gets, as Jackson users do with ObjectNode: neither the initial value nor stored state may alias it
        ConsumerHandle agg = mb.streaming("ticks").keyBy().size(1)
                .aggregate("n", initial, (ObjectNode state, dev.minibatch.model.Window window) -> state.put("n", state.get("n").asLong() + window.size()))
                .start();
        try {
            ConsumerRuntimeTest.await("every tick aggregated", Duration.ofSeconds(30),
                    () -> mb.stream("ticks").stats().pending() == 0 && mb.stream("ticks").stats().claimed() == 0);
        } finally {
            agg.stop();
        }
        Map<String, Long> counted = new TreeMap<>();
        for (TableEntry e : mb.table("n").entries(null, 10)) {
            counted.put(e.key(), e.value().get("n").asLong());
        }
        assertEquals(expected, counted, "each key counted from its own initial value");
        assertEquals(0, initial.get("n").asLong(), "the caller's initial value is untouched");
    }

    @ParameterizedTest
    @ValueSource(strings = {"memory", "sqlite"})
    void aThrowingStateFunctionFailsTheWindowRetriesThenDeadLettersAndLeavesTheTableUntouched(String store) throws Exception {
        connect(store);
        for (int i = 0; i < 10; i++) {
            mb.stream("in").append(i % 2 == 0 ? "good" : "bad", Map.of("n", i));
        }
        ConsumerHandle c = mb.streaming("in").keyBy().size(5).maxAttempts(2).backoff(Duration.ofMillis(10), Duration.ofMillis(20))
                .aggregate("sums", 0L, (Long state, dev.minibatch.model.Window w) -> {
                    if (w.key().equals("bad")) {
                        throw new IllegalStateException("no bad sums");
                    }
                    return state + w.size();
                }).changelog("sums", "sums.log").start();
        try {
            ConsumerRuntimeTest.await("bad messages dead-lettered", Duration.ofSeconds(30),
                    () -> mb.stream("in.dead").stats().pending() == 5);
            ConsumerRuntimeTest.await("good ones summed", Duration.ofSeconds(30),
                    () -> mb.table("sums").get("good").map(JsonNode::asLong).orElse(0L) == 5);
        } finally {
            c.stop();
        }
        assertTrue(mb.table("sums").get("bad").isEmpty(), "the failing key's table entry was never written");
        assertEquals(1, mb.stream("sums.log").stats().pending(), "only the good commit reached the changelog");
        List<Message> dead = mb.stream("in.dead").buffer();
        String error = dead.get(0).error();
        assertTrue(error.contains("attempt 2 of 2") && error.contains("table 'sums', key 'bad'") && error.contains("no bad sums"),
                error);
        assertEquals(2, c.stats().failures(), "two failed attempts of the bad window: " + c.stats());
    }

    @ParameterizedTest
    @ValueSource(strings = {"memory", "sqlite"})
    void valuesThatCannotBeStoredFailWithTableAndKey(String store) throws Exception {
        connect(store);
        mb.close();
        mb = Minibatch.builder().url(store.equals("sqlite") ? "sqlite:" + dir.resolve("limit.db") : "memory:")
                .maxStateBytes(100).shutdownHook(false).build();
        mb.stream("in").append("big", Map.of("n", 1));
        mb.stream("in").append("odd", Map.of("n", 2));
        mb.stream("in").append("ok", Map.of("n", 3));
        ConsumerHandle c = mb.streaming("in").keyBy().size(1).maxAttempts(1)
                .aggregate("t", Object.class, null, (Object state, dev.minibatch.model.Window w) -> switch (w.key()) {
                    case "big" -> "x".repeat(200);
                    case "odd" -> new Object(); // no properties: Jackson cannot map it
                    default -> Map.of("n", w.data().get(0).get("n").asInt());
                }).start();
        try {
            ConsumerRuntimeTest.await("two dead letters", Duration.ofSeconds(30), () -> mb.stream("in.dead").stats().pending() == 2);
            ConsumerRuntimeTest.await("ok stored", Duration.ofSeconds(30), () -> mb.table("t").get("ok").isPresent());
        } finally {
            c.stop();
        }
        Map<String, String> errors = new HashMap<>();
        mb.stream("in.dead").buffer().forEach(m -> errors.put(m.key(), m.error()));
        assertTrue(errors.get("big").contains("table 't', key 'big'") && errors.get("big").contains("over the limit of 100"),
                errors.get("big"));
        assertTrue(errors.get("odd").contains("table 't', key 'odd'") && errors.get("odd").contains("not JSON-mappable"),
                errors.get("odd"));
        assertEquals(1, mb.table("t").size());
        assertEquals(3, mb.table("t").get("ok").orElseThrow().get("n").asInt());
    }

    @ParameterizedTest
    @ValueSource(strings = {"memory", "sqlite"})
    void competingConsumersLoseNoUpdate(String store) throws Exception {
        connect(store);
        Map<String, Long> expected = new TreeMap<>();
        List<Object> values = new ArrayList<>();
        for (int i = 0; i < 4000; i++) {
            String key = "key" + (i * 7919 % 100);
            expected.merge(key, (long) i, Long::sum);
            values.add(Map.of("k", key, "v", i));
        }
        mb.stream("nums").appendAll(values);
        mb.stage("nums").keyBy("k").map(v -> v.get("v").asLong()).to("keyed").batch(200).start();
        List<ConsumerHandle> consumers = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            consumers.add(mb.streaming("keyed").keyBy().size(4).workers(2).reduce("sums", Long.class, Long::sum).start());
        }
        try {
            ConsumerRuntimeTest.await("every value reduced", Duration.ofSeconds(60), () -> mb.stream("keyed").stats().pending() < 400
                    && mb.stream("nums").stats().pending() == 0
                    && tableAsMap(mb.table("sums")).values().stream().mapToLong(Long::longValue).sum()
                    + mb.stream("keyed").buffer().stream().mapToLong(m -> m.data().asLong()).sum() == 4000L * 3999 / 2);
        } finally {
            consumers.forEach(ConsumerHandle::stop);
        }
        // what is left pending are the tails (fewer than 4 of a key): reduce them here and compare
        Map<String, Long> got = tableAsMap(mb.table("sums"));
        for (Message m : mb.stream("keyed").buffer()) {
            got.merge(m.key(), m.data().asLong(), Long::sum);
        }
        assertEquals(expected, got);
    }

    @ParameterizedTest
    @ValueSource(strings = {"memory", "sqlite"})
    void tableOperatorsNeedKeyedWindows(String store) throws Exception {
        connect(store);
        mb.stream("plain").append(Map.of("n", 1));
        ConsumerHandle c = mb.streaming("plain").size(1).maxAttempts(1).reduce("t", JsonNode.class, (a, b) -> b).start();
        try {
            ConsumerRuntimeTest.await("dead-lettered", Duration.ofSeconds(30), () -> mb.stream("plain.dead").stats().pending() == 1);
        } finally {
            c.stop();
        }
        assertTrue(mb.stream("plain.dead").buffer().get(0).error().contains("table operators need keyed windows"));
        assertTrue(mb.table("t").info().lastUpdate() == null);
    }

    @Test
    void aStoreWithoutTablesIsRefusedAtStart() {
        MemoryStore real = new MemoryStore();
        StreamStore plain = (StreamStore) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {StreamStore.class},
                (proxy, method, args) -> method.invoke(real, args));
        try (Minibatch client = Minibatch.builder().store(plain).shutdownHook(false).build()) {
            ConfigurationException e = assertThrows(ConfigurationException.class,
                    () -> client.streaming("s").keyBy().reduce("t", Long.class, Long::sum).start());
            assertTrue(e.getMessage().contains("keeps no tables"), e.getMessage());
        } finally {
            real.close();
        }
    }
}
