package dev.minibatch.mongo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCollection;
import dev.minibatch.model.ConsumerHandle;
import dev.minibatch.model.Message;
import dev.minibatch.model.MessageState;
import dev.minibatch.Minibatch;
import dev.minibatch.model.Window;
import dev.minibatch.internal.Json;
import dev.minibatch.spi.connector.Sink;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonString;
import org.bson.types.ObjectId;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** MongoSink against a real wire server: inserts, and no duplicate rows when a window is retried. */
class MongoSinkTest {

    private static final Instant T0 = Instant.parse("2025-01-01T10:00:00Z");
    private static TestMongo mongo;
    private MongoClient raw;
    private String db;
    private String url;

    @BeforeAll
    static void startServer() {
        mongo = TestMongo.start();
    }

    @AfterAll
    static void stopServer() {
        mongo.close();
    }

    @BeforeEach
    void connect() {
        db = TestMongo.freshDatabase("sink");
        url = mongo.url(db);
        raw = mongo.client();
    }

    @AfterEach
    void disconnect() {
        raw.close();
    }

    private MongoCollection<BsonDocument> out() {
        return raw.getDatabase(db).getCollection("out", BsonDocument.class);
    }

    private static Window window(String id, String... messageIds) {
        List<Message> messages = new ArrayList<>();
        for (int i = 0; i < messageIds.length; i++) {
            JsonNode data = Json.mapper().createObjectNode().put("n", i);
            messages.add(new Message(messageIds[i], "s", T0, data, MessageState.CLAIMED, 0, null));
        }
        return new Window(id, "s", T0, messages, null, null);
    }

    @Test
    void aWindowPutAgainWritesNoDuplicateRows() throws Exception {
        try (MongoSink sink = new MongoSink(url, "out")) {
            Window first = window("w-1", "m1", "m2");
            sink.put(first.data(), first);
            sink.put(first.data(), first); // the same window twice
            assertThat(out().countDocuments()).isEqualTo(2);
            Window retried = window("w-2", "m1", "m2"); // retried under a new window id, same messages
            sink.put(retried.data(), retried);
            assertThat(out().countDocuments()).as("a retried window holding the same messages").isEqualTo(2);
            Window other = window("w-3", "m3");
            sink.put(other.data(), other);
            assertThat(out().countDocuments()).isEqualTo(3);
            sink.flush();
        }
        List<BsonDocument> rows = out().find().into(new ArrayList<>());
        assertThat(rows).allSatisfy(r -> assertThat(r.getString("_id").getValue()).matches("[0-9a-f]{32}:\\d+"));
    }

    @Test
    void withoutAWindowRowsGetServerIdsAsInPython() {
        try (MongoSink sink = new MongoSink(url, null, "out", true)) {
            sink.put(List.of(Map.of("a", 1), Map.of("a", 2)));
            sink.put(List.of(Map.of("a", 1), Map.of("a", 2)));
        }
        assertThat(out().countDocuments()).isEqualTo(4);
        assertThat(out().find().into(new ArrayList<>())).allSatisfy(r -> assertThat(r.get("_id").isObjectId()).isTrue());
        try (MongoSink notIdempotent = new MongoSink(url, null, "out", false)) {
            Window w = window("w", "m1");
            notIdempotent.put(w.data(), w);
            notIdempotent.put(w.data(), w);
        }
        assertThat(out().countDocuments()).as("idempotent=false inserts every time").isEqualTo(6);
    }

    @Test
    void valuesAreConvertedAndOwnIdsKept() throws Exception {
        ObjectId id = new ObjectId();
        try (MongoSink sink = new MongoSink(url, "out")) {
            Window w = window("w", "m1");
            sink.put(List.of(7, "x", Map.of("_id", Map.of("$oid", id.toHexString()), "a", 1)), w);
            sink.put(Map.of("_id", Map.of("$oid", id.toHexString()), "a", 2), w); // same _id: skipped
        }
        List<BsonDocument> rows = out().find().into(new ArrayList<>());
        assertThat(rows).hasSize(3);
        assertThat(rows).anySatisfy(r -> assertThat(r.get("value")).isEqualTo(new BsonInt32(7)));
        assertThat(rows).anySatisfy(r -> assertThat(r.get("value")).isEqualTo(new BsonString("x")));
        assertThat(rows).anySatisfy(r -> {
            assertThat(r.get("_id")).isEqualTo(new org.bson.BsonObjectId(id));
            assertThat(r.get("a")).as("the first write wins").isEqualTo(new BsonInt32(1));
        });
    }

    @Test
    void aConsumerRetryingAfterTheSinkWroteLeavesEachRowOnce() throws Exception {
        AtomicInteger puts = new AtomicInteger();
        try (Minibatch mb = Minibatch.builder().url(url).shutdownHook(false).build();
             MongoSink mongoSink = (MongoSink) mb.providers().sink("mongodb", Map.of("url", url, "collection", "out"))) {
            // writes, then fails the first delivery: the window is retried after its rows exist
            Sink failingOnce = new Sink() {
                @Override
                public void put(Object message) {
                    throw new UnsupportedOperationException("windows only");
                }

                @Override
                public void put(Object message, Window window) throws Exception {
                    mongoSink.put(message, window);
                    if (puts.incrementAndGet() == 1) {
                        throw new IllegalStateException("acknowledgement lost");
                    }
                }

                @Override
                public void close() {
                    // the MongoDB sink is closed by the try block
                }
            };
            List<Map<String, Integer>> values = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                values.add(Map.of("n", i));
            }
            mb.stream("s").appendAll(values);
            ConsumerHandle handle = mb.streaming("s").size(3).backoff(Duration.ofMillis(10), Duration.ofMillis(10))
                    .sink(failingOnce).start();
            await("both windows delivered", () -> handle.stats().windows() >= 2);
            handle.stop();
            assertThat(handle.stats().failures()).isEqualTo(1);
        }
        assertThat(puts.get()).as("one window was put twice").isEqualTo(3);
        List<BsonDocument> rows = out().find().into(new ArrayList<>());
        Set<Integer> numbers = new TreeSet<>();
        rows.forEach(r -> numbers.add(r.getInt32("n").getValue()));
        assertThat(rows).as("no duplicate rows").hasSize(6);
        assertThat(numbers).containsExactly(0, 1, 2, 3, 4, 5);
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
