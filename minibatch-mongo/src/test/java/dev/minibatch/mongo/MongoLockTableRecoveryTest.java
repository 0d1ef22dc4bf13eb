package dev.minibatch.mongo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
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
import org.bson.BsonBoolean;
import org.bson.BsonDocument;
import org.bson.BsonInt64;
import org.bson.BsonString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The recovery of {@link LockTables}, deterministically, on the emulator with {@code claims=locks}:
 * a consumer "dies" mid-commit — its window record written, before its entry's revision, after
 * the revision's marker but before the head, and for a stage window before and after deciding its
 * outputs — and the next claimer, recovering the lapsed locks, settles it.
 */
class MongoLockTableRecoveryTest {

    private static final Instant T0 = Instant.parse("2025-01-01T10:00:00Z");
    private static TestMongo mongo;
    private MongoClient client;
    private MongoStore store;
    private MongoCollection<BsonDocument> buffer;
    private MongoCollection<BsonDocument> entries;
    private MongoCollection<BsonDocument> markers;
    private MongoCollection<BsonDocument> revisions;

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
        String db = TestMongo.freshDatabase("lockrecovery");
        client = MongoClients.create(mongo.url(db));
        store = new MongoStore(client, db, MongoStoreOptions.defaults().withClaims(MongoStoreOptions.ClaimMode.LOCKS));
        buffer = client.getDatabase(db).getCollection(Documents.BUFFER, BsonDocument.class);
        entries = client.getDatabase(db).getCollection(MongoTables.ENTRIES, BsonDocument.class);
        markers = client.getDatabase(db).getCollection(LockClaims.MARKERS, BsonDocument.class);
        revisions = client.getDatabase(db).getCollection(RevisionChain.REVISIONS, BsonDocument.class);
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
        Claim claim = store.claim("s", Selection.pending(), new Lease(UUID.randomUUID().toString(), "dead", T0, T0.plusSeconds(5)));
        assertEquals(3, claim.messages().size());
        return claim;
    }

    /** Step 3 of a commit, as the dead consumer left it. */
    private void record(Claim claim, BsonArray touched, BsonDocument outputs, boolean decided) {
        markers.insertOne(new BsonDocument("_id", LockTables.recordId(claim.token())).append(Documents.STREAM, new BsonString("s"))
                .append(MongoTables.TABLE_ENTRIES, touched).append(MongoTables.TABLE_OUTPUTS, outputs)
                .append(MongoTables.TABLE_KEEP, BsonBoolean.FALSE).append(MongoTables.TABLE_DECIDED, BsonBoolean.valueOf(decided))
                .append("at", Documents.date(T0)));
    }

    private static BsonArray entry(String table, String key) {
        return new BsonArray(List.of(MongoTables.entryId(table, key)));
    }

    /** A later consumer's claim, after the dead one's lease lapsed: it recovers the locks first. */
    private Claim nextClaim(int seconds) {
        return store.claim("s", Selection.pending(), new Lease(UUID.randomUUID().toString(), "next", T0.plusSeconds(seconds),
                T0.plusSeconds(seconds + 30)));
    }

    @Test
    void aWindowThatNeverReachedItsTableIsPendingAgain() {
        Claim dead = claimThree();
        record(dead, entry("counts", "k"), new BsonDocument(), false);
        Claim next = nextClaim(10);
        List<Message> back = next.messages();
        assertEquals(3, back.size(), "pending again and claimed by the next consumer, to be counted by its window");
        assertTrue(back.stream().allMatch(m -> m.attempts() == 1), back.toString());
        assertTrue(store.tableEntry("counts", "k").isEmpty());
        assertNull(markers.find(Filters.eq("_id", LockTables.recordId(dead.token()))).first(), "the record is settled");
    }

    @Test
    void aWindowWhoseRevisionWasWonIsCommittedAndItsHeadRepaired() {
        Claim dead = claimThree();
        record(dead, entry("counts", "k"), new BsonDocument(), false);
        // it won revision 1 of the entry (the marker) and died before inserting the head
        BsonDocument doc = new BsonDocument("_id", MongoTables.entryId("counts", "k")).append("table", new BsonString("counts"))
                .append("key", new BsonString("k")).append("version", new BsonInt64(1)).append("updated", Documents.date(T0))
                .append("windows", new BsonArray(List.of(new BsonString(dead.token())))).append("value", new BsonInt64(3))
                .append("rev", new BsonInt64(1));
        revisions.insertOne(new BsonDocument("_id", new BsonString(RevisionChain.markerId(LockTables.entryPrefix("counts", "k"), 1)))
                .append("table", new BsonString("counts")).append("kind", new BsonString("entry")).append("rev", new BsonInt64(1))
                .append("doc", doc).append("at", Documents.date(T0)));
        assertEquals(3, store.tableEntry("counts", "k").orElseThrow().value().asInt(), "readers follow the markers past the head");
        assertTrue(store.tableEntries("counts", null, 10).isEmpty(), "no head yet: not listed");
        Claim next = nextClaim(10);
        assertEquals(0, next.messages().size(), "committed by the recovery, not counted again");
        assertEquals(0, buffer.countDocuments(Filters.eq(Documents.STREAM, "s")), "the messages are gone");
        assertEquals(1, store.tableEntries("counts", null, 10).size(), "the head was written by the recovery");
        assertEquals(3, store.tableEntry("counts", "k").orElseThrow().value().asInt());
        assertNull(markers.find(Filters.eq("_id", LockTables.recordId(dead.token()))).first());
    }

    @Test
    void aStageWindowIsUndoneBeforeDecidingAndCommittedAfter() {
        Claim undone = claimThree();
        record(undone, new BsonArray(), new BsonDocument("out", new BsonInt64(2)), false);
        hiddenOutput(undone, 1); // one of its two outputs was written when it died
        Claim next = nextClaim(10);
        assertEquals(3, next.messages().size(), "inputs pending again");
        assertEquals(0, buffer.countDocuments(Filters.eq(Documents.STREAM, MongoTables.hiddenOutput("out"))), "partial outputs deleted");
        assertEquals(0, store.stats("out").pending());

        record(next, new BsonArray(), new BsonDocument("out", new BsonInt64(2)), true);
        hiddenOutput(next, 2); // decided, then died while revealing
        Claim after = nextClaim(60);
        assertEquals(0, after.messages().size(), "committed, not re-run");
        assertEquals(0, buffer.countDocuments(Filters.eq(Documents.STREAM, "s")));
        assertEquals(1, store.stats("out").pending(), "the hidden output revealed");
    }

    private void hiddenOutput(Claim claim, int n) {
        buffer.insertOne(Documents.newMessageDocument(MongoTables.hiddenOutput("out"),
                NewMessage.ofTree(T0, Json.mapper().createObjectNode().put("o", n), 0, null))
                .append(MongoTables.TABLE_WINDOW, new BsonString(claim.token())));
    }

    @Test
    void aLapsedLeaseWithoutARecordIsPendingAsBefore() {
        Claim dead = claimThree();
        Claim next = nextClaim(10);
        assertEquals(3, next.messages().size());
        assertTrue(next.messages().stream().allMatch(m -> m.attempts() == 1));
        assertEquals(0, markers.countDocuments(Filters.eq("_id", LockTables.recordId(dead.token()))));
    }
}
