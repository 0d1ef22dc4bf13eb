package dev.minibatch.mongo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import dev.minibatch.model.Message;
import dev.minibatch.internal.Json;
import dev.minibatch.spi.store.Claim;
import dev.minibatch.spi.store.Lease;
import dev.minibatch.spi.store.NewMessage;
import dev.minibatch.spi.store.Selection;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.bson.BsonArray;
import org.bson.BsonDocument;
import org.bson.BsonInt64;
import org.bson.BsonString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The recovery of {@link MongoTables}, deterministically: a consumer "dies" after step 1 of a
 * window's commit (its messages moved aside) — before touching the table, after it, and for a
 * stage window before and after revealing its outputs — and the next claimer settles it.
 */
class MongoTableRecoveryTest {

    private static final Instant T0 = Instant.parse("2025-01-01T10:00:00Z");
    private static TestMongo mongo;
    private MongoClient client;
    private MongoStore store;
    private MongoCollection<BsonDocument> buffer;
    private MongoCollection<BsonDocument> entries;

    @BeforeAll
    static void startServer() {
        mongo = TestMongo.start();
    }

    @AfterAll
    static void stopServer() {
        mongo.close();
    }

    @BeforeEach
    void open() {
        String db = TestMongo.freshDatabase("recovery");
        client = MongoClients.create(mongo.url(db));
        store = new MongoStore(client, db);
        buffer = client.getDatabase(db).getCollection(Documents.BUFFER, BsonDocument.class);
        entries = client.getDatabase(db).getCollection(MongoTables.ENTRIES, BsonDocument.class);
    }

    @AfterEach
    void close() {
        store.close();
        client.close();
    }

    private Claim claimThree() {
        for (int i = 0; i < 3; i++) {
            store.append("s", List.of(NewMessage.ofTree(T0, Json.mapper().createObjectNode().put("n", i), 0, null).withKey("k")));
        }
        return store.claim("s", Selection.pending(), new Lease(UUID.randomUUID().toString(), "dead", T0, T0.plusSeconds(5)));
    }

    /** Step 1 of a commit, as the dead consumer left it. */
    private void moveAside(Claim claim, BsonArray touched, BsonDocument outputs) {
        buffer.updateMany(Filters.eq(Documents.LEASE_TOKEN, claim.token()), Updates.combine(
                Updates.set(Documents.STREAM, MongoTables.committing("s")), Updates.set(MongoTables.TABLE_WINDOW, claim.token()),
                Updates.set(MongoTables.TABLE_STREAM, "s"), Updates.set(MongoTables.TABLE_KEEP, false),
                Updates.set(MongoTables.TABLE_ENTRIES, touched), Updates.set(MongoTables.TABLE_OUTPUTS, outputs)));
    }

    private static BsonArray entry(String table, String key) {
        return new BsonArray(List.of(new BsonDocument("table", new BsonString(table)).append("key", new BsonString(key))));
    }

    @Test
    void aWindowThatNeverReachedItsTableIsPendingAgain() {
        Claim claim = claimThree();
        moveAside(claim, entry("counts", "k"), new BsonDocument());
        assertEquals(0, store.stats("s").pending() + store.stats("s").claimed(), "moved aside: out of the stream");
        store.recoverTables("s", T0.plusSeconds(2));
        assertEquals(0, store.stats("s").pending(), "the lease has not lapsed: nothing settled");
        awaitSettled(T0.plusSeconds(10)); // recovery is rate-limited to once a second: waited out
        List<Message> back = store.read("s", Selection.pending(), null);
        assertEquals(3, back.size(), "pending again, to be counted by a later window");
        assertTrue(back.stream().allMatch(m -> m.attempts() == 1 && m.error().contains("died before applying")), back.toString());
        assertTrue(store.tableEntry("counts", "k").isEmpty());
    }

    @Test
    void aWindowAppliedToItsTableIsCommittedNotCountedAgain() {
        Claim claim = claimThree();
        moveAside(claim, entry("counts", "k"), new BsonDocument());
        // the dead consumer had written the entry, with its window id, before dying
        entries.insertOne(new BsonDocument("_id", entry("counts", "k").get(0)).append("table", new BsonString("counts"))
                .append("key", new BsonString("k")).append("value", new BsonInt64(3)).append("version", new BsonInt64(1))
                .append("rev", new BsonInt64(1)).append("windows", new BsonArray(List.of(new BsonString(claim.token())))));
        awaitSettled(T0.plusSeconds(10));
        assertEquals(0, buffer.countDocuments(), "committed: the messages are gone, not pending");
        assertEquals(3, store.tableEntry("counts", "k").orElseThrow().value().asInt());
    }

    @Test
    void aStageWindowIsUndoneBeforeRevealingAndCommittedAfter() {
        Claim undone = claimThree();
        moveAside(undone, new BsonArray(), new BsonDocument("out", new BsonInt64(2)));
        // one of its two outputs was written, hidden, when it died
        buffer.insertOne(Documents.newMessageDocument(MongoTables.hiddenOutput("out"),
                NewMessage.ofTree(T0, Json.mapper().createObjectNode().put("o", 1), 0, null))
                .append(MongoTables.TABLE_WINDOW, new BsonString(undone.token())));
        awaitSettled(T0.plusSeconds(10));
        assertEquals(3, store.stats("s").pending(), "inputs pending again");
        assertEquals(0, buffer.countDocuments(Filters.eq(Documents.STREAM, MongoTables.hiddenOutput("out"))), "partial outputs deleted");
        assertEquals(0, store.stats("out").pending());

        Claim revealed = store.claim("s", Selection.pending(), new Lease(UUID.randomUUID().toString(), "dead", T0.plusSeconds(70),
                T0.plusSeconds(75)));
        assertEquals(3, revealed.messages().size());
        moveAside(revealed, new BsonArray(), new BsonDocument("out", new BsonInt64(2)));
        buffer.updateMany(Filters.eq(MongoTables.TABLE_WINDOW, revealed.token()), Updates.set(MongoTables.TABLE_DECIDED, true));
        // it had revealed one output, which a downstream consumer took at once; the other is still hidden
        buffer.insertOne(Documents.newMessageDocument(MongoTables.hiddenOutput("out"),
                NewMessage.ofTree(T0, Json.mapper().createObjectNode().put("o", 2), 0, null))
                .append(MongoTables.TABLE_WINDOW, new BsonString(revealed.token())));
        awaitSettled(T0.plusSeconds(80));
        assertEquals(0, store.stats("s").pending() + store.stats("s").claimed(), "committed, not re-run");
        assertEquals(0, buffer.countDocuments(Filters.eq(Documents.STREAM, MongoTables.committing("s"))));
        assertEquals(1, store.stats("out").pending(), "the hidden output revealed");
    }

    /** Recovery runs at most once a second per stream: retry until nothing is left aside. */
    private void awaitSettled(Instant now) {
        store.recoverTables("s", now);
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (buffer.countDocuments(Filters.eq(Documents.STREAM, MongoTables.committing("s"))) > 0) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("recovery did not settle the moved messages");
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
            store.recoverTables("s", now);
        }
    }
}
