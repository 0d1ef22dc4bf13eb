package dev.minibatch.mongo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.mongodb.client.MongoClient;
import dev.minibatch.model.ConsumerHandle;
import dev.minibatch.Minibatch;
import dev.minibatch.internal.Json;
import dev.minibatch.spi.store.Claim;
import dev.minibatch.spi.store.Lease;
import dev.minibatch.spi.store.NewMessage;
import dev.minibatch.spi.store.Selection;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.bson.BsonDocument;
import org.bson.BsonString;
import org.bson.BsonBoolean;
import org.bson.BsonDateTime;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Lock claims ({@code claims=locks}, FerretDB's mode) read candidates — a sorted, filtered find, a
 * whole-collection scan on FerretDB's SQLite backend — rarely: one candidate read serves many
 * windows, and an idle consumer reads at most every
 * {@link CandidateCache#MAX_IDLE_PAUSE} or so. Counted on the wire on the emulator (the same commands
 * FerretDB gets); a message appended elsewhere is still found.
 */
class LockClaimsScanTest {

    private static final Instant T0 = Instant.parse("2025-01-01T10:00:00Z");
    private static TestMongo mongo;

    private final CommandCounter counter = new CommandCounter();
    private String database;
    private MongoClient client;
    private MongoStore store;

    @BeforeAll
    static void startServer() { // FerretDbLockClaimsScanTest hides it
        mongo = TestMongo.start();
    }

    @AfterAll
    static void stopServer() {
        mongo.close();
    }

    @BeforeEach
    void open() {
        database = TestMongo.freshDatabase("lockscan");
        mongo.url(database); // dropped at the end on a real server
        // a socket timeout, so a server that stops answering fails the test instead of hanging it
        client = counter.client(mongo.url("admin", "socketTimeoutMS=60000"));
        store = new MongoStore(client, database, MongoStoreOptions.defaults().withClaims(MongoStoreOptions.ClaimMode.LOCKS));
    }

    @AfterEach
    void close() {
        store.close();
        client.close();
    }

    private static List<NewMessage> messages(Instant created, int count) {
        List<NewMessage> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            ObjectNode data = Json.mapper().createObjectNode().put("n", i).put("payload", "x".repeat(80));
            out.add(NewMessage.ofTree(created, data, 0, null));
        }
        return out;
    }

    private static Lease lease(Instant now) {
        return new Lease(UUID.randomUUID().toString(), "consumer", now, now.plusSeconds(30));
    }

    /**
     * A candidate read: a sorted buffer {@code find}, which FerretDB's SQLite backend answers by reading
     * the whole collection. (Re-reads of locked messages go by {@code _id}, or by one {@code $in} when
     * the store measured that cheaper; they are not sorted.)
     */
    private static boolean scansBuffer(CommandCounter.Sent s) {
        if (!s.collection().equals(Documents.BUFFER) || !s.name().equals("find") || !s.command().containsKey("sort")) {
            return false;
        }
        BsonDocument filter = s.filter();
        return !(filter.size() == 1 && filter.containsKey("_id") && !filter.get("_id").isDocument());
    }

    @Test
    void oneCandidateReadServesManyWindows() {
        store.append("s", messages(T0, 1_000));
        counter.reset();
        long started = System.nanoTime();
        Selection countWindow = Selection.pending().limit(100).minCount(100);
        for (int w = 0; w < 10; w++) {
            // one lease time: a lease clock running ahead of the wall clock would (rightly) read again
            Claim claim = store.claim("s", countWindow, lease(T0.plusSeconds(1)));
            assertThat(claim.messages()).hasSize(100);
            assertThat(store.commit("s", claim.token(), false)).isEqualTo(100);
        }
        assertThat(store.claim("s", countWindow, lease(T0.plusSeconds(1))).isEmpty()).isTrue();
        System.out.printf("lock claims, 10 windows of 100 in %.1f s: %d commands; %s%n", (System.nanoTime() - started) / 1e9,
                counter.sent().size(), counter.timings());
        List<CommandCounter.Sent> scans = counter.sent().stream().filter(LockClaimsScanTest::scansBuffer).toList();
        // the first candidate read, the last (short) one, and one per CandidateCache.MAX_AGE on a slow machine
        double seconds = (System.nanoTime() - started) / 1e9;
        assertThat(scans).as("candidate reads for 10 windows in %.1f s: %s", seconds, scans)
                .hasSizeLessThanOrEqualTo(2 + (int) (seconds / CandidateCache.MAX_AGE.toSeconds()));
        assertThat(store.stats("s").pending()).isZero();
    }

    /**
     * FerretDB 1.24 holds one SQLite connection per statement of an {@code update} command until the
     * command ends, from a pool of 100 per database: a window's marks sent as one command of 300
     * {@code updateOne}s hang that database for good.
     */
    @Test
    void aWindowOfThreeHundredIsClaimedReleasedAndCommitted() {
        store.append("s", messages(T0, 300));
        Claim claim = store.claim("s", Selection.pending().limit(300), lease(T0));
        assertThat(claim.messages()).hasSize(300);
        assertThat(store.release("s", claim.token(), T0, "boom")).isEqualTo(300);
        Claim again = store.claim("s", Selection.pending().limit(300), lease(T0));
        assertThat(again.messages()).hasSize(300).allMatch(m -> m.attempts() == 1);
        assertThat(store.commit("s", again.token(), true)).isEqualTo(300);
        assertThat(store.stats("s").pending()).isZero();
    }

    @Test
    void anAppendThroughTheStoreIsClaimedAtOnceAfterAnEmptyClaim() {
        store.openStream("s", Duration.ofSeconds(10), T0);
        Selection one = Selection.pending().limit(1);
        assertThat(store.claim("s", one, lease(T0)).isEmpty()).isTrue();
        store.append("s", messages(T0, 1));
        assertThat(store.claim("s", one, lease(T0)).messages()).as("no idle pause after our own append").hasSize(1);
    }

    @Test
    void aMessageAppendedByAnotherClientIsFoundAfterTheIdlePause() throws Exception {
        store.openStream("s", Duration.ofSeconds(10), T0);
        Selection one = Selection.pending().limit(1);
        for (int i = 0; i < 20; i++) {
            assertThat(store.claim("s", one, lease(Instant.now())).isEmpty()).isTrue(); // back off to the longest pause
        }
        try (MongoClient other = mongo.client()) {
            other.getDatabase(database).getCollection(Documents.BUFFER, BsonDocument.class).insertOne(
                    new BsonDocument("stream", new BsonString("s")).append("data", new BsonDocument("n", new BsonString("py")))
                            .append("processed", BsonBoolean.FALSE)
                            .append("created", new BsonDateTime(Instant.now().toEpochMilli())));
        }
        long started = System.nanoTime();
        Claim claim;
        do {
            Thread.sleep(10);
            claim = store.claim("s", one, lease(Instant.now()));
        } while (claim.isEmpty() && System.nanoTime() - started < Duration.ofSeconds(10).toNanos());
        assertThat(claim.messages()).as("a Python-style append is claimed once the pause is up").hasSize(1);
        assertThat(claim.messages().get(0).data().get("n").asText()).isEqualTo("py");
    }

    @Test
    void anIdleConsumerReadsTheBufferAtMostAboutFiveTimesASecond() throws Exception {
        store.openStream("idle", Duration.ofSeconds(10), Instant.now());
        counter.reset();
        long started = System.nanoTime();
        try (Minibatch mb = Minibatch.builder().store(store).shutdownHook(false).build()) {
            ConsumerHandle handle = mb.streaming("idle").size(10).pollInterval(Duration.ofMillis(10)).start(window -> { });
            Thread.sleep(3_000);
            handle.stop();
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        long scans = counter.count(LockClaimsScanTest::scansBuffer);
        // 10 ms polls would be ~300 reads; the pause doubles from 10 ms to 200 ms: ~5 warming up, then 5 a second
        long bound = 6 + (long) Math.ceil(seconds / CandidateCache.MAX_IDLE_PAUSE.toMillis() * 1000);
        assertThat(scans).as("buffer scans in %.1f s idle", seconds).isGreaterThanOrEqualTo(3).isLessThanOrEqualTo(bound);
    }
}
