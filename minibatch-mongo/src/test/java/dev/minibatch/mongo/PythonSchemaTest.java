package dev.minibatch.mongo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.mongodb.ConnectionString;
import com.mongodb.MongoClientSettings;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import com.mongodb.event.CommandListener;
import com.mongodb.event.CommandStartedEvent;
import dev.minibatch.model.ConsumerHandle;
import dev.minibatch.model.Message;
import dev.minibatch.model.MessageState;
import dev.minibatch.Minibatch;
import dev.minibatch.Stream;
import dev.minibatch.model.StreamInfo;
import dev.minibatch.model.StreamOptions;
import dev.minibatch.internal.Json;
import dev.minibatch.spi.store.Claim;
import dev.minibatch.spi.store.Lease;
import dev.minibatch.spi.store.Selection;
import dev.minibatch.spi.store.StreamStore;
import dev.minibatch.test.ManualClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.bson.BsonArray;
import org.bson.BsonDateTime;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonString;
import org.bson.types.ObjectId;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The documents Java writes are the ones Python minibatch 0.6 writes (PYTHON-INTEROP.md §2, §10),
 * field by field and type by type; and documents shaped exactly like Python's (written raw here,
 * without any Java-only field) are consumed by Java.
 */
class PythonSchemaTest {

    private static final Instant T0 = Instant.parse("2025-01-01T10:00:00Z");
    private static final Set<String> PYTHON_STREAM_FIELDS = Set.of("_id", "name", "status", "created", "interval", "last_read");
    private static final Set<String> PYTHON_BUFFER_FIELDS = Set.of("_id", "stream", "data", "processed", "created");
    private static final Set<String> PYTHON_WINDOW_FIELDS = Set.of("_id", "stream", "created", "data", "processed", "query");

    private static TestMongo mongo;
    private String database;
    private String url;
    private MongoClient raw;
    private MongoDatabase db;

    @BeforeAll
    static void startServer() {
        mongo = TestMongo.start();
    }

    @AfterAll
    static void stopServer() {
        mongo.close();
    }

    @BeforeEach
    void connectRaw() {
        database = TestMongo.freshDatabase("schema");
        url = mongo.url(database, "windows=true"); // Python's window view, as mixed deployments enable it
        raw = mongo.client();
        db = raw.getDatabase(database);
    }

    @AfterEach
    void closeRaw() {
        raw.close();
    }

    private MongoCollection<BsonDocument> collection(String name) {
        return db.getCollection(name, BsonDocument.class);
    }

    private Minibatch connect(ManualClock clock) {
        return Minibatch.builder().url(url).clock(clock).shutdownHook(false).build();
    }

    // ---- Java producer → Python ---------------------------------------------------------------

    @Test
    void javaProducerWritesPythonStreamAndBufferDocuments() {
        ManualClock clock = new ManualClock(T0);
        try (Minibatch mb = connect(clock)) {
            Stream sensors = mb.stream("sensors");
            sensors.append(Map.of("id", "a1", "t", 21.5));
            clock.advanceMillis(1_250);
            sensors.appendAll(List.of(Map.of("id", "a2", "t", 22), Map.of("id", "a3", "big", 9_007_199_254_740_993L)));
            mb.stream("slow", StreamOptions.defaults().interval(Duration.ofSeconds(30))).close();
        }

        BsonDocument stream = collection("stream").find(Filters.eq("name", "sensors")).first();
        assertThat(stream).as("stream document").isNotNull();
        assertThat(stream.keySet()).containsExactlyInAnyOrderElementsOf(PYTHON_STREAM_FIELDS);
        assertThat(stream.get("_id").isObjectId()).isTrue();
        assertThat(stream.getString("name").getValue()).isEqualTo("sensors");
        assertThat(stream.getString("status").getValue()).isEqualTo("open");
        assertThat(stream.get("created").isDateTime()).isTrue();
        assertThat(stream.getDateTime("created").getValue()).isEqualTo(T0.toEpochMilli());
        assertThat(stream.get("interval").isInt32()).as("interval is Int32").isTrue();
        assertThat(stream.getInt32("interval").getValue()).isEqualTo(10);
        assertThat(stream.get("last_read").isDateTime()).isTrue();
        assertThat(stream.getDateTime("last_read").getValue()).isEqualTo(T0.toEpochMilli());
        BsonDocument slow = collection("stream").find(Filters.eq("name", "slow")).first();
        assertThat(slow.get("interval")).isEqualTo(new BsonInt32(30));

        List<BsonDocument> buffer = collection("buffer").find(Filters.eq("stream", "sensors"))
                .sort(new BsonDocument("created", new BsonInt32(1)).append("_id", new BsonInt32(1))).into(new ArrayList<>());
        assertThat(buffer).hasSize(3);
        for (BsonDocument doc : buffer) {
            assertThat(doc.keySet()).as("a plain append writes exactly Python's fields").containsExactlyInAnyOrderElementsOf(PYTHON_BUFFER_FIELDS);
            assertThat(doc.get("_id").isObjectId()).isTrue();
            assertThat(doc.get("stream").isString()).isTrue();
            assertThat(doc.get("data").isDocument()).isTrue();
            assertThat(doc.get("processed").isBoolean()).as("processed present and boolean").isTrue();
            assertThat(doc.getBoolean("processed").getValue()).isFalse();
            assertThat(doc.get("created").isDateTime()).as("created is a UTC Date").isTrue();
        }
        BsonDocument first = buffer.get(0).getDocument("data");
        assertThat(first.getString("id").getValue()).isEqualTo("a1");
        assertThat(first.get("t").isDouble()).isTrue();
        assertThat(first.getDouble("t").getValue()).isEqualTo(21.5);
        assertThat(buffer.get(0).getDateTime("created").getValue()).isEqualTo(T0.toEpochMilli());
        assertThat(buffer.get(1).getDateTime("created").getValue()).isEqualTo(T0.plusMillis(1_250).toEpochMilli());
        assertThat(buffer.get(1).getDocument("data").get("t").isInt32()).isTrue();
        assertThat(buffer.get(2).getDocument("data").get("big").isInt64()).isTrue();
        assertThat(buffer.get(2).getDocument("data").getInt64("big").getValue()).isEqualTo(9_007_199_254_740_993L);

        // Python's own filters (§5) match Java's documents: CountWindow and FixedTimeWindow selections
        assertThat(collection("buffer").countDocuments(Filters.and(Filters.eq("stream", "sensors"),
                Filters.eq("processed", false)))).isEqualTo(3);
        assertThat(collection("buffer").countDocuments(Filters.and(Filters.eq("stream", "sensors"),
                Filters.gte("created", new BsonDateTime(T0.toEpochMilli())),
                Filters.lte("created", new BsonDateTime(T0.plusSeconds(1).toEpochMilli()))))).isEqualTo(1);
    }

    @Test
    void secondaryIndexesAreMadeOnlyWhereAFilterOnAFieldReachesThem() {
        {
            db.getCollection("probe").createIndex(new BsonDocument("stream", new BsonInt32(1)));
            collection("probe").insertOne(new BsonDocument("stream", new BsonString("s")));
            boolean used = ServerKind.of(db, "probe").secondaryIndexesUsed();
            if (mongo.isFerretDb()) {
                // FerretDB 1.24 with SQLite: even with an index on the field, the filter is not pushed down
                BsonDocument explained = db.runCommand(new BsonDocument("explain", new BsonDocument("find", new BsonString("probe"))
                        .append("filter", new BsonDocument("stream", new BsonString("s")))), BsonDocument.class);
                assertThat(explained.getBoolean("filterPushdown").getValue()).as("explain: %s", explained).isFalse();
                assertThat(used).isFalse();
            } else {
                assertThat(used).isTrue();
            }
        }
    }

    @Test
    void indexesHavePythonKeysAndOptionsAndJavaOnesDistinctPatterns() {
        List<BsonDocument> commands = new CopyOnWriteArrayList<>();
        CommandListener listener = new CommandListener() {
            @Override
            public void commandStarted(CommandStartedEvent event) {
                if (event.getCommandName().equals("createIndexes")) {
                    commands.add(event.getCommand().clone());
                }
            }
        };
        MongoClientSettings settings = MongoClientSettings.builder().applyConnectionString(new ConnectionString(url))
                .addCommandListener(listener).build();
        boolean indexesUsed;
        try (MongoClient client = MongoClients.create(settings);
             MongoStore store = new MongoStore(client, database, true, true)) {
            assertThat(store.databaseName()).isEqualTo(database);
            indexesUsed = ServerKind.of(client.getDatabase(database), Documents.BUFFER).secondaryIndexesUsed();
        }
        Map<String, List<BsonDocument>> sent = new java.util.HashMap<>();
        for (BsonDocument command : commands) {
            List<BsonDocument> specs = new ArrayList<>();
            command.getArray("indexes").forEach(v -> specs.add(v.asDocument()));
            sent.computeIfAbsent(command.getString("createIndexes").getValue(), k -> new ArrayList<>()).addAll(specs);
        }
        if (!indexesUsed) {
            // FerretDB with SQLite reads every document whatever indexes exist: only the unique one is made
            assertThat(sent).containsOnlyKeys("stream");
            assertThat(sent.get("stream")).containsExactly(BsonDocument.parse("{key: {name: 1}, name: 'name_1', unique: true}"));
            return;
        }
        // Python's three, plus Java-only collections (claim locks and markers on FerretDB) named minibatch_*
        assertThat(sent.keySet().stream().filter(c -> !c.startsWith("minibatch_")))
                .containsExactlyInAnyOrder("stream", "buffer", "window");
        assertThat(sent.keySet().stream().filter(c -> c.startsWith("minibatch_")))
                .isSubsetOf("minibatch_locks", "minibatch_markers");
        // Python's indexes: same keys, same options (none but unique on name), driver-default names
        assertThat(sent.get("stream")).containsExactlyInAnyOrder(
                BsonDocument.parse("{key: {created: 1}, name: 'created_1'}"),
                BsonDocument.parse("{key: {name: 1}, name: 'name_1', unique: true}"));
        for (String coll : List.of("buffer", "window")) {
            assertThat(sent.get(coll)).contains(
                    BsonDocument.parse("{key: {created: 1}, name: 'created_1'}"),
                    BsonDocument.parse("{key: {stream: 1}, name: 'stream_1'}"));
            Set<BsonDocument> patterns = new java.util.HashSet<>();
            for (BsonDocument spec : sent.get(coll)) {
                assertThat(patterns.add(spec.getDocument("key"))).as("distinct key patterns in " + coll).isTrue();
                assertThat(spec.containsKey("expireAfterSeconds")).as("no TTL index (clashes with created_1)").isFalse();
            }
        }
        assertThat(sent.get("buffer")).contains(BsonDocument.parse(
                "{key: {stream: 1, processed: 1, created: 1, _id: 1}, name: 'stream_1_processed_1_created_1__id_1'}"));
        if (mongo.isReal()) {
            // a real server keeps them all; the wire server only keeps unique ones
            List<BsonDocument> listed = collection("stream").listIndexes(BsonDocument.class).into(new ArrayList<>());
            assertThat(listed).anySatisfy(i -> {
                assertThat(i.getString("name").getValue()).isEqualTo("name_1");
                assertThat(i.getBoolean("unique").getValue()).isTrue();
            });
            assertThat(collection("buffer").listIndexes(BsonDocument.class).map(i -> i.getString("name").getValue())
                    .into(new ArrayList<>())).contains("created_1", "stream_1", "stream_1_processed_1_created_1__id_1");
        }
    }

    @Test
    void claimedMessagesLookProcessedToPythonAndWindowsArePythonShaped() {
        try (StreamStore store = dev.minibatch.plugin.Providers.defaults().openStore(url)) {
            try (Minibatch mb = Minibatch.builder().store(store).clock(new ManualClock(T0)).shutdownHook(false).build()) {
                mb.stream("s").appendAll(List.of(Map.of("x", 1), Map.of("x", 2), Map.of("x", 3)));
            }
            Lease lease = new Lease("token-1", "host:1:test", T0.plusSeconds(1), T0.plusSeconds(31));
            Claim claim = store.claim("s", Selection.pending().limit(2), lease);
            assertThat(claim.messages()).hasSize(2);

            List<BsonDocument> claimed = collection("buffer").find(Filters.eq("lease_token", "token-1")).into(new ArrayList<>());
            assertThat(claimed).hasSize(2).allSatisfy(doc -> {
                assertThat(doc.getBoolean("processed").getValue()).as("a leased document is processed: true (§10.6)").isTrue();
                assertThat(doc.getString("lease_owner").getValue()).isEqualTo("host:1:test");
                assertThat(doc.getDateTime("lease_until").getValue()).isEqualTo(T0.plusSeconds(31).toEpochMilli());
            });
            assertThat(collection("buffer").countDocuments(Filters.and(Filters.eq("stream", "s"), Filters.eq("processed", false))))
                    .as("Python's CountWindow sees only the unclaimed message").isEqualTo(1);

            BsonDocument window = collection("window").find(Filters.eq("stream", "s")).first();
            assertThat(window).as("a window document per claim").isNotNull();
            assertThat(window.keySet()).containsAll(PYTHON_WINDOW_FIELDS);
            assertThat(window.get("_id").isObjectId()).isTrue();
            assertThat(window.getDateTime("created").getValue()).isEqualTo(T0.plusSeconds(1).toEpochMilli());
            assertThat(window.getArray("data")).isEqualTo(BsonArray.parse("[{x: 1}, {x: 2}]"));
            assertThat(window.getBoolean("processed").getValue()).isFalse();
            assertThat(window.getArray("query")).as("a count window's query is []").isEmpty();

            assertThat(store.commit("s", "token-1", false)).isEqualTo(2);
            assertThat(collection("buffer").countDocuments(Filters.eq("stream", "s"))).isEqualTo(1);
            assertThat(collection("window").countDocuments()).as("commit without keep deletes the window").isZero();
        }
    }

    @Test
    void keepAndTimeWindowsReachPythonsEndState() {
        try (StreamStore store = dev.minibatch.plugin.Providers.defaults().openStore(url)) {
            try (Minibatch mb = Minibatch.builder().store(store).clock(new ManualClock(T0)).shutdownHook(false).build()) {
                mb.stream("t").appendAll(List.of(Map.of("x", 1), Map.of("x", 2)));
            }
            Lease lease = new Lease("token-2", "owner", T0.plusSeconds(10), T0.plusSeconds(40));
            Claim claim = store.claim("t", Selection.pending().createdFrom(T0).createdBefore(T0.plusSeconds(10)), lease);
            assertThat(claim.messages()).hasSize(2);
            BsonDocument window = collection("window").find(Filters.eq("lease_token", "token-2")).first();
            assertThat(window.getArray("query")).containsExactly(new BsonDateTime(T0.toEpochMilli()),
                    new BsonDateTime(T0.plusSeconds(10).toEpochMilli()));

            assertThat(store.commit("t", "token-2", true)).isEqualTo(2);
            List<BsonDocument> kept = collection("buffer").find(Filters.eq("stream", "t")).into(new ArrayList<>());
            assertThat(kept).hasSize(2).allSatisfy(doc -> {
                assertThat(doc.getBoolean("processed").getValue()).isTrue();
                assertThat(doc.keySet()).as("no lease left on a kept message").doesNotContain("lease_token", "lease_owner", "lease_until");
            });
            BsonDocument keptWindow = collection("window").find(Filters.eq("stream", "t")).first();
            assertThat(keptWindow.getBoolean("processed").getValue()).as("keep marks the window processed").isTrue();
            assertThat(keptWindow.keySet()).containsExactlyInAnyOrderElementsOf(PYTHON_WINDOW_FIELDS);
            assertThat(store.read("t", Selection.pending(), List.of(MessageState.DONE))).hasSize(2);
        }
    }

    @Test
    void deadLettersArePendingInTheDeadStream() {
        try (StreamStore store = dev.minibatch.plugin.Providers.defaults().openStore(url)) {
            try (Minibatch mb = Minibatch.builder().store(store).clock(new ManualClock(T0)).shutdownHook(false).build()) {
                mb.stream("d").append(Map.of("x", 1));
            }
            store.claim("d", Selection.pending(), new Lease("token-3", "owner", T0, T0.plusSeconds(30)));
            assertThat(store.deadLetter("d", "token-3", "d.dead", "boom", T0)).isEqualTo(1);
            BsonDocument dead = collection("buffer").find(Filters.eq("stream", "d.dead")).first();
            assertThat(dead.getBoolean("processed").getValue()).isFalse();
            assertThat(dead.getString("error").getValue()).isEqualTo("boom");
            assertThat(dead.getInt32("attempts").getValue()).isEqualTo(1);
            assertThat(dead.keySet()).doesNotContain("lease_token", "lease_owner", "lease_until");
            assertThat(collection("stream").countDocuments(Filters.eq("name", "d.dead"))).isEqualTo(1);
        }
    }

    @Test
    void aWindowTooLargeForOneDocumentStillClaims() {
        String big = "x".repeat(900_000);
        try (StreamStore store = dev.minibatch.plugin.Providers.defaults().openStore(url)) {
            try (Minibatch mb = Minibatch.builder().store(store).clock(new ManualClock(T0)).shutdownHook(false).build()) {
                for (int i = 0; i < 20; i++) {
                    mb.stream("huge").append(Map.of("i", i, "blob", big)); // 20 × 0.9 MB > the 16 MiB document limit
                }
            }
            Claim claim = store.claim("huge", Selection.pending(), new Lease("big", "o", T0, T0.plusSeconds(30)));
            assertThat(claim.messages()).hasSize(20);
            BsonDocument window = collection("window").find(Filters.eq("lease_token", "big")).first();
            assertThat(window).isNotNull();
            assertThat(window.getArray("data")).as("the copy is omitted, the claim stands").isEmpty();
            assertThat(window.getBoolean("data_omitted").getValue()).isTrue();
            assertThat(store.commit("huge", "big", false)).isEqualTo(20);
        }
    }

    // ---- Python producer → Java consumer ------------------------------------------------------

    @Test
    void javaConsumerTakesPythonShapedDocuments() throws Exception {
        Instant created = Instant.now().minusSeconds(5).truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
        collection("stream").insertOne(new BsonDocument("_id", new org.bson.BsonObjectId(new ObjectId()))
                .append("name", new org.bson.BsonString("py")).append("status", new org.bson.BsonString("open"))
                .append("created", new BsonDateTime(created.toEpochMilli())).append("interval", new BsonInt32(10))
                .append("last_read", new BsonDateTime(created.toEpochMilli())));
        List<BsonDocument> docs = new ArrayList<>();
        docs.add(pythonDoc(created, "{id: 'a1', t: 21.5}", false));
        docs.add(pythonDoc(created.plusMillis(1), "{when: {$date: '2025-01-01T10:00:01.250Z'}, ref: {$oid: '6650a1f0c2a4b1e2f3a4b5c6'}}", false));
        docs.add(pythonDoc(created.plusMillis(2), "{v: [1, 2]}", false).append("data", BsonArray.parse("[1, 2]")));
        // a Python undo leaves Java lease fields behind with processed: false: still pending
        docs.add(pythonDoc(created.plusMillis(3), "{undone: true}", false)
                .append("lease_token", new org.bson.BsonString("stale")).append("lease_owner", new org.bson.BsonString("old"))
                .append("lease_until", new BsonDateTime(Instant.now().plusSeconds(3600).toEpochMilli())));
        // taken by a Python consumer (or stuck after its crash): never Java's to deliver
        docs.add(pythonDoc(created.plusMillis(4), "{stuck: true}", true));
        docs.add(pythonDoc(created.plusMillis(5), "{}", false));
        collection("buffer").insertMany(docs);

        List<JsonNode> seen = new CopyOnWriteArrayList<>();
        try (Minibatch mb = Minibatch.builder().url(url).shutdownHook(false).build()) {
            StreamInfo info = mb.store().findStream("py").orElseThrow();
            assertThat(info.interval()).isEqualTo(Duration.ofSeconds(10));
            assertThat(mb.stream("py").buffer()).hasSize(5);
            ConsumerHandle handle = mb.streaming("py").size(5).start(window -> seen.addAll(window.data()));
            await("the five pending documents delivered", () -> seen.size() >= 5);
            handle.stop();
            assertThat(mb.stream("py").stats().pending()).isZero();
        }
        assertThat(seen).hasSize(5);
        assertThat(seen.get(0)).isEqualTo(Json.parseInput("{\"id\":\"a1\",\"t\":21.5}", "t"));
        assertThat(seen.get(1)).isEqualTo(Json.parseInput(
                "{\"when\":{\"$date\":\"2025-01-01T10:00:01.250Z\"},\"ref\":{\"$oid\":\"6650a1f0c2a4b1e2f3a4b5c6\"}}", "t"));
        assertThat(seen.get(2)).isEqualTo(Json.parseInput("[1,2]", "t"));
        assertThat(seen.get(3)).isEqualTo(Json.parseInput("{\"undone\":true}", "t"));
        assertThat(seen.get(4)).isEqualTo(Json.parseInput("{}", "t"));
        List<BsonDocument> left = collection("buffer").find(Filters.eq("stream", "py")).into(new ArrayList<>());
        assertThat(left).hasSize(1);
        assertThat(left.get(0).getDocument("data").getBoolean("stuck").getValue()).isTrue();
    }

    /**
     * A window whose messages' data are arrays makes a window document with nested arrays. MongoDB
     * and the emulator store it as Python would; FerretDB 1.x refuses nested arrays, so there the
     * claim stands and its window document carries {@code data: []} and {@code data_omitted: true}
     * (never a claim retried for ever). Which of the two applies is asked of the server directly.
     */
    @Test
    void windowDocumentOfArrayDataIsWrittenOrExplicitlyOmitted() {
        boolean nestedArraysRefused;
        try {
            collection("nested_probe").insertOne(BsonDocument.parse("{_id: 1, v: [[1, 2]]}"));
            nestedArraysRefused = false;
        } catch (com.mongodb.MongoWriteException e) {
            assertThat(e.getMessage()).contains("nested arrays");
            nestedArraysRefused = true;
        }
        try (StreamStore store = dev.minibatch.plugin.Providers.defaults().openStore(url)) {
            store.append("arrays", List.of(dev.minibatch.spi.store.NewMessage.ofJson(T0, "[1,2]", 0, null),
                    dev.minibatch.spi.store.NewMessage.ofJson(T0.plusMillis(1), "[3]", 0, null)));
            Claim claim = store.claim("arrays", Selection.pending(), new Lease("t-arrays", "test", T0, T0.plusSeconds(30)));
            assertThat(claim.messages()).as("the claim stands either way").hasSize(2);
            BsonDocument window = collection("window").find(Filters.eq("stream", "arrays")).first();
            assertThat(window).as("a window document is written either way").isNotNull();
            if (nestedArraysRefused) {
                assertThat(window.getArray("data")).as("data the server refuses is omitted").isEmpty();
                assertThat(window.getBoolean("data_omitted").getValue()).isTrue();
            } else {
                assertThat(window.getArray("data")).isEqualTo(BsonArray.parse("[[1, 2], [3]]"));
                assertThat(window.containsKey("data_omitted")).isFalse();
            }
            assertThat(store.commit("arrays", claim.token(), false)).isEqualTo(2);
        }
    }

    @Test
    void pythonStreamDocumentWithLooseFieldsIsReadable() {
        collection("stream").insertOne(BsonDocument.parse("{name: 'loose', status: 'open', interval: 2.7}"));
        try (StreamStore store = dev.minibatch.plugin.Providers.defaults().openStore(url)) {
            StreamInfo info = store.findStream("loose").orElseThrow();
            assertThat(info.interval()).as("float intervals truncate").isEqualTo(Duration.ofSeconds(2));
            assertThat(info.lastRead()).isNull();
            assertThat(store.compareAndSetLastRead("loose", null, T0, T0)).as("a missing last_read counts as null").isTrue();
            assertThat(store.findStream("loose").orElseThrow().lastRead()).isEqualTo(T0);
            store.append("loose", List.of());
            assertThat(store.read("loose", Selection.pending(), null)).isEmpty();
        }
        BsonDocument doc = collection("stream").find(Filters.eq("name", "loose")).first();
        assertThat(doc.get("last_read").isDateTime()).isTrue();
    }

    @Test
    void maxAgeDeletesOldMessagesProcessedOrNotLikePython() throws Exception {
        ManualClock clock = new ManualClock(T0);
        try (Minibatch mb = connect(clock)) {
            mb.stream("aged").appendAll(List.of(Map.of("x", 1), Map.of("x", 2), Map.of("x", 3)));
            Claim kept = mb.store().claim("aged", Selection.pending().limit(1), new Lease("k", "o", T0, T0.plusSeconds(30)));
            mb.store().commit("aged", kept.token(), true);
            clock.advance(Duration.ofHours(2));
            mb.stream("aged").append(Map.of("x", 4));
            Stream aged = mb.stream("aged", StreamOptions.defaults().maxAge(Duration.ofHours(1)));
            await("old messages expired", () -> collection("buffer").countDocuments(Filters.eq("stream", "aged")) == 1);
            aged.close();
            List<Message> left = mb.stream("aged").buffer();
            assertThat(left).hasSize(1);
            assertThat(left.get(0).data().get("x").asInt()).isEqualTo(4);
        }
    }

    private static BsonDocument pythonDoc(Instant created, String data, boolean processed) {
        BsonDocument doc = new BsonDocument("_id", new org.bson.BsonObjectId(new ObjectId()))
                .append("stream", new org.bson.BsonString("py"))
                .append("data", BsonDocument.parse(data))
                .append("processed", org.bson.BsonBoolean.valueOf(processed))
                .append("created", new BsonDateTime(created.toEpochMilli()));
        return doc;
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(20);
        }
    }
}
