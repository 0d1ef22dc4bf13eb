package dev.minibatch.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.IntNode;
import dev.minibatch.model.ConfigurationException;
import dev.minibatch.Minibatch;
import dev.minibatch.spi.store.Claim;
import dev.minibatch.spi.store.CommitEffects;
import dev.minibatch.spi.store.Lease;
import dev.minibatch.spi.store.Selection;
import dev.minibatch.spi.store.StateUpdate;
import dev.minibatch.spi.store.StreamStore;
import dev.minibatch.store.memory.MemoryStore;
import dev.minibatch.table.Table;
import dev.minibatch.model.TableEntry;
import dev.minibatch.model.TableInfo;
import dev.minibatch.model.TableValueException;
import java.lang.reflect.Proxy;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** The query API ({@code mb.table(name)}, {@code mb.tables()}) on memory and SQLite. */
class TableQueryTest extends MemoryOrSqliteTest {

    /** Writes {@code values} into {@code table} through the store's commit, as a consumer would. */
    static void write(Minibatch mb, String table, Map<String, ?> values) {
        mb.stream("feed").append(Map.of("n", 1));
        Instant now = Instant.now();
        Claim claim = mb.store().claim("feed", Selection.pending(), new Lease(UUID.randomUUID().toString(), "t", now, now.plusSeconds(30)));
        List<StateUpdate> updates = new ArrayList<>();
        values.forEach((k, v) -> updates.add(StateUpdate.put(table, k, mb.mapper().valueToTree(v))));
        assertEquals(claim.messages().size(), mb.tableStore().commitWithState("feed", claim.token(), false, claim.messages().size(),
                CommitEffects.of(updates, now)));
    }

    record Fruit(String name, int count) {
    }

    @ParameterizedTest
    @ValueSource(strings = {"memory", "sqlite"})
    void getEntriesSizeAndTables(String store) {
        connect(store);
        Table counts = mb.table("counts");
        assertFalse(counts.exists());
        assertEquals(0, counts.size());
        assertTrue(counts.get("apple").isEmpty());
        write(mb, "counts", Map.of("apple", 3, "banana", 5, "cherry", 1));
        write(mb, "fruit", Map.of("f1", new Fruit("fig", 2)));
        assertTrue(counts.exists());
        assertEquals(3, counts.size());
        assertEquals(3, counts.get("apple").orElseThrow().asInt());
        assertEquals(5, counts.get("banana", Integer.class).orElseThrow());
        assertEquals(new Fruit("fig", 2), mb.table("fruit").get("f1", Fruit.class).orElseThrow(), "typed get maps records");
        List<TableEntry> first = counts.entries(null, 2);
        assertEquals(List.of("apple", "banana"), first.stream().map(TableEntry::key).toList());
        assertEquals(List.of("cherry"), counts.entries("banana", 2).stream().map(TableEntry::key).toList());
        List<TableInfo> all = mb.tables();
        assertEquals(List.of("counts", "fruit"), all.stream().map(TableInfo::name).toList());
        assertEquals(3, all.get(0).size());
        assertEquals(3, all.get(0).updates());
        TableValueException wrongType = assertThrows(TableValueException.class, () -> counts.get("apple", Fruit.class));
        assertTrue(wrongType.getMessage().contains("table 'counts', key 'apple'"), wrongType.getMessage());
        assertEquals(3, counts.clear());
        assertEquals(0, counts.size());
        assertTrue(counts.exists());
        assertTrue(mb.table("fruit").drop());
        assertEquals(List.of("counts"), mb.tables().stream().map(TableInfo::name).toList());
    }

    @ParameterizedTest
    @ValueSource(strings = {"memory", "sqlite"})
    void badNamesKeysAndPagesAreRefused(String store) {
        connect(store);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> mb.table("")).getMessage().contains("table name"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> mb.table("a$b")).getMessage().contains("'$'"));
        Table t = mb.table("t");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> t.get("")).getMessage().contains("non-empty"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> t.get(null)).getMessage().contains("null"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> t.entries(null, 0)).getMessage().contains("page size"));
        assertThrows(IllegalArgumentException.class, () -> new StateUpdate("t", "", c -> IntNode.valueOf(1)));
    }

    @Test
    void aStoreWithoutTablesSaysSo() {
        MemoryStore real = new MemoryStore();
        StreamStore plain = (StreamStore) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {StreamStore.class},
                (proxy, method, args) -> method.invoke(real, args));
        try (Minibatch client = Minibatch.builder().store(plain).shutdownHook(false).build()) {
            ConfigurationException e = assertThrows(ConfigurationException.class, () -> client.table("counts"));
            assertTrue(e.getMessage().contains("keeps no tables"), e.getMessage());
        } finally {
            real.close();
        }
    }
}
