package dev.minibatch.kafka.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.IntNode;
import dev.minibatch.Minibatch;
import dev.minibatch.kafka.KafkaBroker;
import dev.minibatch.model.ConsumerHandle;
import dev.minibatch.model.Message;
import dev.minibatch.model.TableEntry;
import dev.minibatch.model.TableInfo;
import dev.minibatch.spi.store.NewMessage;
import dev.minibatch.table.TableUpdates;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Tables on {@code kafka://} through the public API against a real broker: a keyed table consumer
 * owns its partitions' state (a compacted changelog topic per table, restored when a partition comes
 * to it), any client queries the tables from their changelogs, and consumers stopping, starting and
 * taking over partitions never apply a window twice or lose one. Each client is a store of its own,
 * as a separate process's would be.
 */
class KafkaTablesTest {

    private static final Duration PATIENCE = Duration.ofSeconds(90);
    private final TestClients clients = new TestClients("tables", 6);
    private final List<ConsumerHandle> handles = clients.handles;

    private Minibatch client() throws Exception {
        return clients.client();
    }

    @AfterEach
    void close() {
        clients.close();
    }

    /** {@code n} words from a vocabulary of {@code vocabulary}, appended keyed by the word; returns the batch count. */
    private static Map<String, Integer> appendWords(Minibatch mb, String stream, int n, int vocabulary, long seed) {
        Random random = new Random(seed);
        Map<String, Integer> counts = new TreeMap<>();
        List<NewMessage> batch = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String word = "w" + random.nextInt(vocabulary);
            counts.merge(word, 1, Integer::sum);
            batch.add(NewMessage.ofTree(Instant.now(), IntNode.valueOf(1), 0, null).withKey(word));
            if (batch.size() == 500) {
                mb.store().append(stream, batch);
                batch = new ArrayList<>();
            }
        }
        if (!batch.isEmpty()) {
            mb.store().append(stream, batch);
        }
        return counts;
    }

    private ConsumerHandle counter(Minibatch mb, String stream) {
        ConsumerHandle h = mb.streaming(stream).keyBy().interval(Duration.ofMillis(100))
                .reduce("counts", Integer.class, Integer::sum).start();
        handles.add(h);
        return h;
    }

    /** The table's entries as integers, read page by page through the public API. */
    static Map<String, Integer> table(Minibatch mb, String name) {
        Map<String, Integer> out = new TreeMap<>();
        String after = null;
        while (true) {
            List<TableEntry> page = mb.table(name).entries(after, 1000);
            if (page.isEmpty()) {
                return out;
            }
            page.forEach(e -> out.put(e.key(), e.value().asInt()));
            after = page.get(page.size() - 1).key();
        }
    }

    static long sum(Map<String, Integer> counts) {
        return counts.values().stream().mapToLong(Integer::longValue).sum();
    }

    private void await(String what, java.util.function.BooleanSupplier condition) throws InterruptedException {
        try {
            KafkaDeadLetterTest.await(what, PATIENCE, condition);
        } catch (AssertionError e) {
            StringBuilder s = new StringBuilder(e.getMessage()).append("; consumers: ");
            handles.forEach(h -> s.append(h.stats()).append(h.failure() == null ? "" : " failed: " + h.failure()).append("; "));
            throw new AssertionError(s.toString(), e);
        }
    }

    @Test
    void aKeyedCountIsExactQueryableFromAnotherClientAndRestoredByTheNextOwner() throws Exception {
        Minibatch producer = client();
        Map<String, Integer> expected = appendWords(producer, "words", 3_000, 40, 1);
        Minibatch first = client();
        ConsumerHandle h = counter(first, "words");
        Minibatch reader = client();
        await("all 3,000 words counted", () -> sum(table(reader, "counts")) == 3_000);
        assertThat(table(reader, "counts")).isEqualTo(expected);
        TableInfo info = reader.table("counts").info();
        assertThat(info.size()).isEqualTo(40);
        assertThat(info.updates()).as("one update per window").isEqualTo(h.stats().windows());
        assertThat(info.lastUpdate()).isNotNull();
        assertThat(reader.tables()).extracting(TableInfo::name).containsExactly("counts");
        assertThat(reader.streams()).extracting(s -> s.name()).doesNotContain("__table.counts");
        String topic = clients.prefix() + "__table.counts";
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", KafkaBroker.shared().bootstrapServers()))) {
            TopicDescription changelog = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
            assertThat(changelog.partitions()).as("partitioned like the stream").hasSize(6);
            assertThat(admin.describeConfigs(List.of(new ConfigResource(ConfigResource.Type.TOPIC, topic))).all().get()
                    .values().iterator().next().get("cleanup.policy").value()).isEqualTo("compact");
        }

        // the owner goes; a new one restores the state from the changelog and goes on counting
        h.stop();
        first.close();
        Map<String, Integer> more = appendWords(producer, "words", 2_000, 40, 2);
        more.forEach((w, n) -> expected.merge(w, n, Integer::sum));
        Minibatch second = client();
        counter(second, "words");
        await("all 5,000 words counted", () -> sum(table(reader, "counts")) == 5_000);
        assertThat(table(reader, "counts")).isEqualTo(expected);
        assertThat(second.table("counts").get("w0", Integer.class)).contains(expected.get("w0"));
    }

    @Test
    void consumersJoiningStoppingAndTakingOverPartitionsApplyEveryWindowOnce() throws Exception {
        Minibatch producer = client();
        Minibatch a = client();
        Minibatch b = client();
        Minibatch c = client();
        counter(a, "events");
        ConsumerHandle hb = counter(b, "events");
        Map<String, Integer> expected = new TreeMap<>();
        appendWords(producer, "events", 2_000, 60, 3).forEach((w, n) -> expected.merge(w, n, Integer::sum));
        await("some windows counted", () -> sum(table(producer, "counts")) > 0);
        counter(c, "events"); // joins: partitions move to it
        appendWords(producer, "events", 2_000, 60, 4).forEach((w, n) -> expected.merge(w, n, Integer::sum));
        hb.stop(); // leaves: its partitions move to the others, restored from the changelog there
        b.close();
        appendWords(producer, "events", 2_000, 60, 5).forEach((w, n) -> expected.merge(w, n, Integer::sum));
        await("all 6,000 events counted", () -> sum(table(producer, "counts")) >= 6_000);
        Thread.sleep(1_000); // a window applied twice would show up as a count above the batch count
        assertThat(table(producer, "counts")).isEqualTo(expected);
    }

    @Test
    void aWindowUpdatingAKeyOfAnotherPartitionIsDeadLetteredWithTheReasonAndChangesNothing() throws Exception {
        Minibatch mb = client();
        appendWords(mb, "orders", 20, 5, 6);
        ConsumerHandle h = mb.streaming("orders").keyBy().interval(Duration.ofMillis(100)).maxAttempts(1)
                .updateTables(window -> TableUpdates.of().put("totals", "elsewhere-" + window.key(), window.size()))
                .start();
        handles.add(h);
        // a key that happens to hash to its window's partition is written; every other window is dead-lettered
        await("every order committed or dead-lettered", () -> h.stats().messages() + h.stats().deadLettered() == 20);
        List<Message> dead = mb.stream("orders.dead").buffer(100);
        assertThat(dead).hasSize((int) h.stats().deadLettered()).isNotEmpty();
        assertThat(dead.get(0).error()).contains("partition").contains("keyBy");
        assertThat(mb.table("totals").size()).as("only committed windows wrote their key").isEqualTo(h.stats().windows());
    }

    @Test
    void tablesAreClearedAndDroppedAndStreamNamesOfTheStoreAreReserved() throws Exception {
        Minibatch mb = client();
        appendWords(mb, "items", 300, 10, 7);
        ConsumerHandle h = counter(mb, "items");
        await("all counted", () -> sum(table(mb, "counts")) == 300);
        h.stop();
        assertThat(mb.table("counts").clear()).isEqualTo(10);
        assertThat(mb.table("counts").size()).isZero();
        assertThat(mb.table("counts").info().updates()).as("clearing keeps the update count").isPositive();
        assertThat(client().table("counts").size()).as("another client reads the cleared changelog").isZero();
        assertThat(mb.table("counts").drop()).isTrue();
        assertThat(mb.table("counts").drop()).isFalse();
        assertThat(mb.table("counts").exists()).isFalse();
        assertThatThrownBy(() -> mb.stream("__table.counts").append(1)).hasMessageContaining("reserved");
    }
}
