package dev.minibatch.mongo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.IntNode;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.model.Filters;
import dev.minibatch.model.StoreException;
import dev.minibatch.internal.Json;
import dev.minibatch.spi.store.Claim;
import dev.minibatch.spi.store.CommitEffects;
import dev.minibatch.spi.store.Lease;
import dev.minibatch.spi.store.NewMessage;
import dev.minibatch.spi.store.Selection;
import dev.minibatch.spi.store.StateUpdate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.bson.BsonDocument;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Exactly once at every point of a lock-claim commit ({@link LockTables}), on the emulator with
 * {@code claims=locks}: a consumer whose connection goes through a {@link CuttingProxy} "dies"
 * after the first n commands of its window's commit (a table update and a stage output), for n =
 * 0, 1, 2, … until the commit completes; each time a second store's claim, after the lease lapsed,
 * recovers the window (commits or retries it) and the table ends exactly one window further, the
 * output stream holds the window's output once and the input stream is empty. Run for a window
 * that creates its entry (the size's revision included) and for one that changes it.
 */
class MongoLockTableCutTest {

    private static final Instant T0 = Instant.parse("2025-01-01T10:00:00Z");
    private static TestMongo mongo;

    @BeforeAll
    static void startServer() {
        mongo = TestMongo.start();
    }

    @AfterAll
    static void stopServer() {
        mongo.close();
    }

    private static StateUpdate add(int n) {
        return new StateUpdate("counts", "k", current -> IntNode.valueOf((current == null ? 0 : current.asInt()) + n));
    }

    private static CommitEffects window() {
        return new CommitEffects(List.of(add(10)), Map.of(), Map.of("out",
                List.of(NewMessage.ofTree(T0, Json.mapper().createObjectNode().put("sum", 10), 0, null))), T0);
    }

    private static void append(MongoStore store, int count) {
        List<NewMessage> in = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            in.add(NewMessage.ofTree(T0, Json.mapper().createObjectNode().put("n", i), 0, null).withKey("k"));
        }
        store.append("s", in);
    }

    private static Lease lease(String owner, int fromSecond, int seconds) {
        return new Lease(UUID.randomUUID().toString(), owner, T0.plusSeconds(fromSecond), T0.plusSeconds(fromSecond + seconds));
    }

    @Test
    void aWindowCreatingItsEntryIsCountedOnceWhereverItsConsumerDies() {
        assertTrue(cutEverywhere(false) >= 14, "a commit of a new entry with an output is at least 14 commands");
    }

    @Test
    void aWindowChangingItsEntryIsCountedOnceWhereverItsConsumerDies() {
        assertTrue(cutEverywhere(true) >= 11, "a commit of an existing entry with an output is at least 11 commands");
    }

    /** @return the number of cut points tried (the commands of the commit) */
    private int cutEverywhere(boolean existing) {
        String host = mongo.url("admin").substring("mongodb://".length(), mongo.url("admin").indexOf('/', "mongodb://".length()));
        for (int cut = 0; cut < 60; cut++) {
            String db = TestMongo.freshDatabase("cut");
            try (MongoClient direct = MongoClients.create(mongo.url(db)); MongoStore survivor = new MongoStore(direct, db,
                    MongoStoreOptions.defaults().withClaims(MongoStoreOptions.ClaimMode.LOCKS))) {
                int before = 0;
                if (existing) {
                    append(survivor, 1);
                    Claim setup = survivor.claim("s", Selection.pending(), lease("setup", 0, 30));
                    assertEquals(1, survivor.commitWithState("s", setup.token(), false, 1, CommitEffects.of(List.of(add(5)), T0)));
                    before = 5;
                }
                append(survivor, 10);
                boolean died;
                String at;
                try (CuttingProxy proxy = new CuttingProxy(host); MongoClient dying = MongoClients.create("mongodb://" + proxy.hostPort()
                        + "/" + db + "?retryWrites=false&retryReads=false&serverSelectionTimeoutMS=300&connectTimeoutMS=300");
                     MongoStore consumer = new MongoStore(dying, db, MongoStoreOptions.defaults().withClaims(MongoStoreOptions.ClaimMode.LOCKS))) {
                    Claim claim = consumer.claim("s", Selection.pending(), lease("dying", 0, 5));
                    assertEquals(10, claim.messages().size());
                    proxy.cutAfter(cut);
                    try {
                        assertEquals(10, consumer.commitWithState("s", claim.token(), false, 10, window()));
                    } catch (StoreException e) {
                        assertTrue(proxy.dead(), "failed only by the cut: " + e);
                    }
                    died = proxy.dead();
                    at = proxy.cutAt();
                }
                // the next consumer, after the lease lapsed: its claim recovers the dead one's locks first
                Claim next = survivor.claim("s", Selection.pending(), lease("next", 10, 30));
                if (!next.messages().isEmpty()) {
                    assertEquals(10, next.messages().size(), "cut after " + cut + " (" + at + "): retried whole");
                    assertEquals(10, survivor.commitWithState("s", next.token(), false, 10, window()));
                }
                String where = "cut after " + cut + " commands (at " + at + "), " + (next.messages().isEmpty() ? "committed" : "retried")
                        + " by recovery";
                assertEquals(before + 10, survivor.tableEntry("counts", "k").orElseThrow(() -> new AssertionError(where + ": no entry")).value().asInt(), where + ": counted once");
                assertEquals(1, survivor.tableInfo("counts").orElseThrow(() -> new AssertionError(where + ": no table")).size(), where);
                assertEquals(1, survivor.tableEntries("counts", null, 10).size(), where + ": listed");
                assertEquals(1, survivor.read("out", Selection.pending(), null).size(), where + ": the output once");
                assertEquals(0, survivor.stats("s").pending() + survivor.stats("s").claimed(), where + ": inputs committed");
                assertEquals(0, direct.getDatabase(db).getCollection(Documents.BUFFER, BsonDocument.class)
                        .countDocuments(Filters.eq(Documents.STREAM, MongoTables.hiddenOutput("out"))), where + ": nothing hidden left");
                // a record stays only when the consumer died after committing its messages (no locks left to recover)
                long records = direct.getDatabase(db).getCollection(LockClaims.MARKERS, BsonDocument.class)
                        .countDocuments(Filters.regex("_id", "^table_window"));
                long locks = direct.getDatabase(db).getCollection(LockClaims.LOCKS, BsonDocument.class).countDocuments();
                assertEquals(0, locks, where + ": no locks left");
                assertTrue(records == 0 || !next.messages().isEmpty() || "delete".equals(at), where + ": window records settled");
                assertEquals(existing ? 2 : 1, survivor.tableInfo("counts").orElseThrow().updates(), where + ": updates counted once");
                if (!died) {
                    System.out.println("lock-claim table commit (" + (existing ? "existing" : "new") + " entry, one output): "
                            + cut + " commands, a death after each of them recovered exactly once");
                    return cut;
                }
            }
        }
        throw new AssertionError("the commit never completed within 60 commands");
    }
}
