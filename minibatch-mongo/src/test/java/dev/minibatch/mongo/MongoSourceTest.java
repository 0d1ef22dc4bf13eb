package dev.minibatch.mongo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import dev.minibatch.Attachment;
import dev.minibatch.model.Message;
import dev.minibatch.Minibatch;
import dev.minibatch.plugin.Providers;
import dev.minibatch.Stream;
import dev.minibatch.spi.connector.Source;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.bson.BsonDateTime;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonObjectId;
import org.bson.BsonString;
import org.bson.types.ObjectId;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * MongoSource against a real wire server: polling (no oplog) and change streams (oplog on), both
 * resuming after a restart from the saved position instead of replaying the collection.
 */
class MongoSourceTest {

    private static TestMongo polling;
    private static TestMongo watching;
    private final List<Minibatch> clients = new ArrayList<>();
    private final List<Attachment> attachments = new ArrayList<>();
    private MongoClient raw;

    @BeforeAll
    static void startServers() {
        polling = TestMongo.start(false);
        watching = TestMongo.start(true);
    }

    @AfterAll
    static void stopServers() {
        polling.close();
        watching.close();
    }

    @BeforeEach
    void noClient() {
        raw = null;
    }

    @AfterEach
    void closeAll() {
        attachments.forEach(Attachment::stop);
        clients.forEach(Minibatch::close);
        if (raw != null) {
            raw.close();
        }
    }

    private MongoCollection<BsonDocument> collection(TestMongo mongo, String db, String name) {
        if (raw == null) {
            raw = mongo.client();
        }
        return raw.getDatabase(db).getCollection(name, BsonDocument.class);
    }

    private Stream memoryStream(String name) {
        Minibatch mb = Minibatch.builder().url("memory:").shutdownHook(false).build();
        clients.add(mb);
        return mb.stream(name);
    }

    private Attachment attach(Stream stream, Source source) {
        Attachment a = stream.attach(source);
        attachments.add(a);
        return a;
    }

    private static void insert(MongoCollection<BsonDocument> c, int from, int count) {
        List<BsonDocument> docs = new ArrayList<>();
        for (int i = from; i < from + count; i++) {
            docs.add(new BsonDocument("_id", new BsonObjectId(new ObjectId())).append("n", new BsonInt32(i)));
        }
        c.insertMany(docs);
    }

    private static List<Integer> numbers(Stream stream) {
        List<Integer> out = new ArrayList<>();
        for (Message m : stream.buffer()) {
            out.add(m.data().get("n").asInt());
        }
        return out;
    }

    private static List<Integer> range(int from, int to) {
        List<Integer> out = new ArrayList<>();
        for (int i = from; i < to; i++) {
            out.add(i);
        }
        return out;
    }

    @Test
    void pollingResumesAfterARestartFromTheLastSeenId() throws Exception {
        String db = TestMongo.freshDatabase("src");
        String url = polling.url(db);
        MongoCollection<BsonDocument> events = collection(polling, db, "events");
        insert(events, 0, 5);

        Stream first = memoryStream("in");
        MongoSource source = MongoSource.builder(url, "events").batchSize(2).pollInterval(Duration.ofMillis(20)).build();
        Attachment a = attach(first, source);
        await("5 documents", () -> first.buffer().size() >= 5, a);
        insert(events, 5, 2);
        await("7 documents", () -> first.buffer().size() >= 7, a);
        if (!polling.isReal()) {
            assertThat(source.mode()).as("the wire server without oplog has no change streams").isEqualTo("polling");
        }
        a.stop();
        assertThat(a.failure()).isNull();
        assertThat(numbers(first)).isEqualTo(range(0, 7));
        BsonDocument offset = collection(polling, db, MongoSource.DEFAULT_OFFSETS_COLLECTION)
                .find(Filters.eq("_id", db + ".events->in")).first();
        assertThat(offset).as("the position is saved").isNotNull();
        BsonDocument newest = events.find(Filters.eq("n", 6)).first();
        assertThat(offset.get("last_id")).isEqualTo(newest.get("_id"));

        insert(events, 7, 3); // while no source runs
        Stream second = memoryStream("in"); // a fresh process: empty memory store, same offsets
        Attachment b = attach(second, MongoSource.builder(url, "events").pollInterval(Duration.ofMillis(20)).build());
        await("the 3 new documents", () -> second.buffer().size() >= 3, b);
        insert(events, 100, 1); // a sentinel: anything replayed from before would come ahead of it
        await("the sentinel", () -> numbers(second).contains(100), b);
        assertThat(numbers(second)).as("resumed after the last seen id, no replay").isEqualTo(List.of(7, 8, 9, 100));
    }

    @Test
    void changeStreamsCatchUpFollowInsertsAndResume() throws Exception {
        String db = TestMongo.freshDatabase("watch");
        String url = watching.url(db);
        MongoCollection<BsonDocument> events = collection(watching, db, "events");
        insert(events, 0, 3); // before the first start: caught up by polling

        Stream first = memoryStream("w");
        MongoSource source = MongoSource.builder(url, "events").pollInterval(Duration.ofMillis(20)).build();
        Attachment a = attach(first, source);
        await("3 existing documents", () -> first.buffer().size() >= 3, a);
        if (!watching.isReal()) {
            assertThat(source.mode()).as("the wire server with oplog supports insert change streams").isEqualTo("change stream");
        }
        insert(events, 3, 4);
        await("4 inserted documents", () -> first.buffer().size() >= 7, a);
        // other writes are not inserts: ignored
        events.updateOne(Filters.eq("n", 0), new BsonDocument("$set", new BsonDocument("x", new BsonInt32(1))));
        events.deleteOne(Filters.eq("n", 1));
        insert(events, 7, 1);
        await("one more", () -> first.buffer().size() >= 8, a);
        a.stop();
        assertThat(a.failure()).isNull();
        assertThat(numbers(first)).isEqualTo(range(0, 8));
        if (source.mode().equals("change stream")) {
            BsonDocument offset = collection(watching, db, MongoSource.DEFAULT_OFFSETS_COLLECTION)
                    .find(Filters.eq("_id", db + ".events->w")).first();
            assertThat(offset.isDocument("resume_token")).as("the change stream position is saved").isTrue();
        }

        insert(events, 8, 2); // while stopped
        Stream second = memoryStream("w");
        Attachment b = attach(second, MongoSource.builder(url, "events").pollInterval(Duration.ofMillis(20)).build());
        await("the 2 documents inserted while stopped", () -> second.buffer().size() >= 2, b);
        insert(events, 100, 1);
        await("the sentinel", () -> numbers(second).contains(100), b);
        assertThat(numbers(second)).as("resumed, no replay").isEqualTo(List.of(8, 9, 100));
    }

    @Test
    void documentsBecomeExtendedJsonAndOptionsWorkThroughTheProvider() throws Exception {
        String db = TestMongo.freshDatabase("conv");
        MongoCollection<BsonDocument> events = collection(polling, db, "events");
        ObjectId id = new ObjectId();
        events.insertOne(new BsonDocument("_id", new BsonObjectId(id)).append("n", new BsonInt32(1))
                .append("at", new BsonDateTime(Instant.parse("2025-01-01T10:00:01.250Z").toEpochMilli()))
                .append("name", new BsonString("x")));
        insert(events, 2, 1);

        Stream stream = memoryStream("conv");
        Source source = Providers.defaults().source("mongodb", Map.of("url", polling.url(db), "collection", "events",
                "start", "latest", "pollInterval", "20ms", "changeStream", "false"));
        Attachment a = attach(stream, source);
        MongoCollection<BsonDocument> offsets = collection(polling, db, MongoSource.DEFAULT_OFFSETS_COLLECTION);
        await("the source's start position", () -> offsets.countDocuments(Filters.eq("_id", db + ".events->conv")) == 1, a);
        insert(events, 3, 1);
        await("the document inserted after start", () -> stream.buffer().size() >= 1, a);
        assertThat(numbers(stream)).as("start=latest skips existing documents").isEqualTo(List.of(3));
        a.stop();

        Stream all = memoryStream("conv2");
        Attachment b = attach(all, Providers.defaults().source("mongodb", Map.of("url", polling.url(db),
                "collection", "events", "pollInterval", "20ms")));
        await("all three", () -> all.buffer().size() >= 3, b);
        JsonNode first = all.buffer().get(0).data();
        assertThat(first.get("_id").get("$oid").asText()).isEqualTo(id.toHexString());
        assertThat(first.get("at").get("$date").asText()).isEqualTo("2025-01-01T10:00:01.250Z");
        assertThat(first.get("name").asText()).isEqualTo("x");
    }

    @Test
    void aDocumentTheStreamRefusesIsDeadLetteredAndTheRestFlows() throws Exception {
        String db = TestMongo.freshDatabase("big");
        MongoCollection<BsonDocument> events = collection(polling, db, "events");
        insert(events, 0, 1);
        events.insertOne(new BsonDocument("_id", new BsonObjectId(new ObjectId())).append("n", new BsonInt32(1))
                .append("blob", new BsonString("x".repeat(5_000))));
        insert(events, 2, 1);
        Minibatch mb = Minibatch.builder().url("memory:").maxMessageBytes(1_000).shutdownHook(false).build();
        clients.add(mb);
        Stream stream = mb.stream("small");
        Attachment a = attach(stream, MongoSource.builder(polling.url(db), "events").pollInterval(Duration.ofMillis(20)).build());
        await("the two small documents", () -> stream.buffer().size() >= 2, a);
        await("the dead letter", () -> stream.deadLetters().buffer().size() >= 1, a);
        assertThat(numbers(stream)).isEqualTo(List.of(0, 2));
        Message dead = stream.deadLetters().buffer().get(0);
        assertThat(dead.data().get("collection").asText()).isEqualTo(db + ".events");
        assertThat(dead.error()).contains("exceeds the limit");
        assertThat(a.isRunning()).isTrue();
    }

    private static void await(String what, BooleanSupplier condition, Attachment attachment) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!condition.getAsBoolean()) {
            if (attachment.failure() != null) {
                throw new AssertionError("source failed while waiting for " + what, attachment.failure());
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(20);
        }
    }
}
