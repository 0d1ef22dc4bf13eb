package dev.minibatch.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.IntNode;
import dev.minibatch.model.Message;
import dev.minibatch.model.MessageState;
import dev.minibatch.internal.Json;
import dev.minibatch.spi.store.Claim;
import dev.minibatch.spi.store.CommitEffects;
import dev.minibatch.spi.store.Lease;
import dev.minibatch.spi.store.NewMessage;
import dev.minibatch.spi.store.Selection;
import dev.minibatch.spi.store.StateUpdate;
import dev.minibatch.spi.store.StreamStore;
import dev.minibatch.spi.store.TableStore;
import dev.minibatch.model.TableEntry;
import dev.minibatch.model.TableInfo;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Contract of {@link TableStore}: state updates, changelog and the claim's commit happen together
 * or not at all; queries page in key order; sizes and update counts are kept. Added to a store
 * test like {@link TransactionalAppendContract}.
 */
public interface TableStoreContract {

    /** The start time of the cases, {@link StreamStoreContract}'s. */
    Instant T0 = StreamStoreContract.T0;

    /**
     * The store under test (provided by {@link StreamStoreContract}).
     *
     * @return the store
     */
    StreamStore contractStore();

    private TableStore tables() {
        return assertInstanceOf(TableStore.class, contractStore(), "the store implements TableStore");
    }

    private static NewMessage value(int n) {
        return NewMessage.ofTree(T0, Json.mapper().createObjectNode().put("n", n), 0, null);
    }

    private Claim claimAll(String stream, int count, Duration lease) {
        List<NewMessage> in = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            in.add(value(i));
        }
        contractStore().append(stream, in);
        return contractStore().claim(stream, Selection.pending(), new Lease(UUID.randomUUID().toString(), "t", T0, T0.plus(lease)));
    }

    private static StateUpdate add(String table, String key, int n) {
        return new StateUpdate(table, key, current -> IntNode.valueOf((current == null ? 0 : current.asInt()) + n));
    }

    private static CommitEffects effects(StateUpdate... updates) {
        return CommitEffects.of(List.of(updates), T0.plusSeconds(1));
    }

    /** Contract: updates commit with the claim and are queryable. */
    @Test
    default void updatesCommitWithTheClaimAndAreQueryable() {
        TableStore t = tables();
        Claim claim = claimAll("in", 3, Duration.ofSeconds(30));
        assertEquals(3, t.commitWithState("in", claim.token(), false, 3,
                effects(add("counts", "b", 2), add("counts", "a", 1), add("counts", "b", 5))));
        assertTrue(contractStore().read("in", Selection.pending(), null).isEmpty(), "the claim was committed");
        assertEquals(0, contractStore().stats("in").claimed());
        TableEntry b = t.tableEntry("counts", "b").orElseThrow();
        assertEquals(7, b.value().asInt(), "updates of one key in one step chain");
        assertEquals(1, b.version());
        assertEquals(T0.plusSeconds(1), b.updated());
        assertEquals(1, t.tableEntry("counts", "a").orElseThrow().value().asInt());
        assertTrue(t.tableEntry("counts", "c").isEmpty());
        assertTrue(t.tableEntry("other", "a").isEmpty());
        TableInfo info = t.tableInfo("counts").orElseThrow();
        assertEquals(2, info.size());
        assertEquals(3, info.updates());
        assertEquals(T0.plusSeconds(1), info.lastUpdate());

        Claim next = claimAll("in", 1, Duration.ofSeconds(30));
        assertEquals(1, t.commitWithState("in", next.token(), true, 1, effects(add("counts", "a", 10))));
        TableEntry a = t.tableEntry("counts", "a").orElseThrow();
        assertEquals(11, a.value().asInt());
        assertEquals(2, a.version());
        assertEquals(1, contractStore().read("in", Selection.pending(), List.of(MessageState.DONE)).size(), "keep marks done");
        assertEquals(4, t.tableInfo("counts").orElseThrow().updates());
    }

    /** Contract: entries page in key order. */
    @Test
    default void entriesPageInKeyOrder() {
        TableStore t = tables();
        List<StateUpdate> updates = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            updates.add(add("paged", String.format("k%02d", 24 - i), i));
        }
        Claim claim = claimAll("in", 1, Duration.ofSeconds(30));
        assertEquals(1, t.commitWithState("in", claim.token(), false, 1, CommitEffects.of(updates, T0)));
        List<String> keys = new ArrayList<>();
        String after = null;
        int pages = 0;
        while (true) {
            List<TableEntry> page = t.tableEntries("paged", after, 10);
            if (page.isEmpty()) {
                break;
            }
            pages++;
            page.forEach(e -> keys.add(e.key()));
            after = page.get(page.size() - 1).key();
        }
        assertEquals(3, pages);
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            expected.add(String.format("k%02d", i));
        }
        assertEquals(expected, keys);
        assertEquals(24, t.tableEntries("paged", null, 1).get(0).value().asInt(), "k00 got 24");
        assertTrue(t.tableEntries("nothing", null, 10).isEmpty());
        assertEquals(25, t.tableInfo("paged").orElseThrow().size());
    }

    /** Contract: a throwing state function changes nothing and keeps the claim. */
    @Test
    default void aThrowingStateFunctionChangesNothingAndKeepsTheClaim() {
        TableStore t = tables();
        Claim first = claimAll("in", 1, Duration.ofSeconds(30));
        assertEquals(1, t.commitWithState("in", first.token(), false, 1, effects(add("counts", "a", 1))));
        Claim claim = claimAll("in", 2, Duration.ofSeconds(30));
        IllegalStateException boom = new IllegalStateException("boom");
        IllegalStateException thrown = assertThrows(IllegalStateException.class, () -> t.commitWithState("in", claim.token(),
                false, 2, new CommitEffects(List.of(add("counts", "a", 5), add("counts", "new", 1),
                        new StateUpdate("counts", "b", current -> {
                            throw boom;
                        })), Map.of("counts", "counts.log"), Map.of("out", List.of(value(1))), T0)));
        assertSame(boom, thrown);
        assertEquals(1, t.tableEntry("counts", "a").orElseThrow().value().asInt(), "table untouched");
        assertTrue(t.tableEntry("counts", "new").isEmpty());
        assertEquals(1, t.tableInfo("counts").orElseThrow().updates());
        assertTrue(contractStore().read("out", Selection.pending(), null).isEmpty(), "nothing appended");
        assertTrue(contractStore().read("counts.log", Selection.pending(), null).isEmpty(), "no changelog");
        assertEquals(2, contractStore().stats("in").claimed(), "the claim is still held");
        assertEquals(2, t.commitWithState("in", claim.token(), false, 2, effects(add("counts", "a", 5))));
        assertEquals(6, t.tableEntry("counts", "a").orElseThrow().value().asInt());
    }

    /** Contract: a lost lease applies nothing. */
    @Test
    default void aLostLeaseAppliesNothing() {
        TableStore t = tables();
        Claim claim = claimAll("in", 2, Duration.ofSeconds(1));
        Claim other = contractStore().claim("in", Selection.pending(), new Lease(UUID.randomUUID().toString(), "u",
                T0.plusSeconds(5), T0.plusSeconds(35)));
        assertEquals(2, other.messages().size());
        assertEquals(0, t.commitWithState("in", claim.token(), false, 2, new CommitEffects(List.of(add("counts", "a", 1)),
                Map.of("counts", "counts.log"), Map.of(), T0)));
        assertTrue(t.tableEntry("counts", "a").isEmpty());
        assertTrue(t.tableInfo("counts").isEmpty(), "no table made by a lost commit");
        assertTrue(contractStore().read("counts.log", Selection.pending(), null).isEmpty());
        assertEquals(2, t.commitWithState("in", other.token(), false, 2, effects(add("counts", "a", 1))));
        assertEquals(1, t.tableEntry("counts", "a").orElseThrow().value().asInt());
    }

    /** Contract: changed entries go to the changelog with the commit. */
    @Test
    default void changedEntriesGoToTheChangelogWithTheCommit() {
        TableStore t = tables();
        Claim claim = claimAll("in", 1, Duration.ofSeconds(30));
        JsonNode doc = Json.mapper().createObjectNode().put("name", "x").set("tags", Json.mapper().createArrayNode().add("a"));
        assertEquals(1, t.commitWithState("in", claim.token(), false, 1, new CommitEffects(List.of(add("counts", "a", 3),
                StateUpdate.put("docs", "d1", doc), add("untracked", "z", 1)),
                Map.of("counts", "changes", "docs", "changes"), Map.of("out", List.of(value(7))), T0)));
        List<Message> log = contractStore().read("changes", Selection.pending(), null);
        assertEquals(2, log.size(), "one message per changed entry of a table with a changelog: " + log);
        Message counts = log.stream().filter(m -> m.data().get("table").asText().equals("counts")).findFirst().orElseThrow();
        assertEquals("a", counts.data().get("key").asText());
        assertEquals(3, counts.data().get("value").asInt());
        Message docs = log.stream().filter(m -> m.data().get("table").asText().equals("docs")).findFirst().orElseThrow();
        assertEquals(doc, docs.data().get("value"));
        assertEquals(doc, t.tableEntry("docs", "d1").orElseThrow().value(), "objects round-trip");
        assertEquals(1, contractStore().read("out", Selection.pending(), null).size());

        Claim removal = claimAll("in", 1, Duration.ofSeconds(30));
        assertEquals(1, t.commitWithState("in", removal.token(), false, 1, new CommitEffects(
                List.of(new StateUpdate("counts", "a", current -> null)), Map.of("counts", "changes"), Map.of(), T0)));
        assertTrue(t.tableEntry("counts", "a").isEmpty(), "a null result removes the key");
        assertEquals(0, t.tableInfo("counts").orElseThrow().size());
        List<Message> after = contractStore().read("changes", Selection.pending(), null);
        assertEquals(3, after.size());
        assertTrue(after.get(2).data().get("value").isNull(), "a removal is logged with a null value");
        assertEquals("a", after.get(2).data().get("key").asText());
    }

    /** Contract: tables are listed, cleared and dropped. */
    @Test
    default void tablesAreListedClearedAndDropped() {
        TableStore t = tables();
        Claim claim = claimAll("in", 1, Duration.ofSeconds(30));
        assertEquals(1, t.commitWithState("in", claim.token(), false, 1,
                effects(add("t2", "a", 1), add("t1", "a", 1), add("t1", "b", 1))));
        List<TableInfo> all = t.listTables();
        List<String> names = new ArrayList<>();
        all.forEach(i -> names.add(i.name()));
        assertEquals(List.of("t1", "t2"), names);
        assertEquals(2, all.get(0).size());
        assertEquals(2, t.clearTable("t1"));
        TableInfo cleared = t.tableInfo("t1").orElseThrow();
        assertEquals(0, cleared.size());
        assertEquals(2, cleared.updates(), "clearing keeps the update count");
        assertNotNull(cleared.lastUpdate());
        assertTrue(t.tableEntries("t1", null, 10).isEmpty());
        assertTrue(t.dropTable("t2"));
        assertFalse(t.dropTable("t2"));
        assertTrue(t.tableInfo("t2").isEmpty());
        assertTrue(t.tableEntry("t2", "a").isEmpty());
        assertEquals(1, t.listTables().size());
        assertEquals(0, t.clearTable("never"));
        Claim again = claimAll("in", 1, Duration.ofSeconds(30));
        assertEquals(1, t.commitWithState("in", again.token(), false, 1, effects(add("t2", "a", 4))));
        assertEquals(4, t.tableEntry("t2", "a").orElseThrow().value().asInt(), "a dropped table starts afresh");
        assertEquals(1, t.tableInfo("t2").orElseThrow().updates());
    }
}
