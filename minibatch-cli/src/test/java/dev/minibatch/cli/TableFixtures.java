package dev.minibatch.cli;

import dev.minibatch.model.ConsumerHandle;
import dev.minibatch.model.Message;
import dev.minibatch.Minibatch;
import dev.minibatch.table.TableUpdates;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;

/**
 * Fills tables the way an application does, through the public API: a keyed consumer reducing
 * words into {@code counts}, or a consumer applying explicit {@link TableUpdates}. Each call
 * runs its consumer until the table holds what was sent, then stops it.
 */
final class TableFixtures {

    private TableFixtures() {
    }

    /** Adds the counts of {@code words} to table {@code counts} with {@code keyBy().reduce(…, Long::sum)}; returns their batch count. */
    static Map<String, Long> countWords(Minibatch mb, List<String> words) throws InterruptedException {
        Map<String, Long> expected = new TreeMap<>();
        for (String w : words) {
            mb.stream("words").append(w, 1);
            expected.merge(w, 1L, Long::sum);
        }
        try (ConsumerHandle count = mb.streaming("words").keyBy().interval(Duration.ofMillis(100))
                .reduce("counts", Long.class, Long::sum).start()) {
            // the updates commit with the window's claim, so an empty stream means they are all applied
            await("the words counted", () -> mb.stream("words").stats().pending() == 0
                    && mb.stream("words").stats().claimed() == 0, count);
        }
        return expected;
    }

    /** Puts {@code entries} into {@code table} through a consumer whose window function returns {@link TableUpdates}. */
    static void put(Minibatch mb, String table, Map<String, ?> entries) throws InterruptedException {
        String feed = "feed." + table;
        List<Map<String, Object>> messages = new ArrayList<>();
        entries.forEach((k, v) -> messages.add(Map.of("k", k, "v", v)));
        mb.stream(feed).appendAll(messages);
        try (ConsumerHandle writer = mb.streaming(feed).interval(Duration.ofMillis(100)).updateTables(window -> {
            TableUpdates updates = TableUpdates.of();
            for (Message m : window.messages()) {
                updates.put(table, m.data().get("k").asText(), m.data().get("v"));
            }
            return updates;
        }).start()) {
            // the updates commit with the window's claim, so an empty feed means they are all applied
            await(entries.size() + " entries put into table " + table, () -> mb.stream(feed).stats().pending() == 0
                    && mb.stream(feed).stats().claimed() == 0, writer);
        }
    }

    static void await(String what, BooleanSupplier condition, ConsumerHandle consumer) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!condition.getAsBoolean()) {
            if (consumer.failure() != null) {
                throw new AssertionError("the consumer failed while waiting for " + what, consumer.failure());
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after 60 s waiting for " + what);
            }
            Thread.sleep(25);
        }
    }
}
