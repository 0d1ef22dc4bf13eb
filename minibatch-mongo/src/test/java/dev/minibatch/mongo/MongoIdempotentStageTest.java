package dev.minibatch.mongo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import dev.minibatch.model.ConsumerHandle;
import dev.minibatch.model.Message;
import dev.minibatch.Minibatch;
import dev.minibatch.model.StoreException;
import dev.minibatch.Stream;
import dev.minibatch.internal.Json;
import dev.minibatch.spi.store.NewMessage;
import dev.minibatch.spi.store.Selection;
import dev.minibatch.spi.store.StreamStore;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.bson.BsonDocument;
import org.bson.BsonObjectId;
import org.bson.BsonString;
import org.bson.types.ObjectId;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Stages on MongoDB append idempotently: outputs carry ids derived from their inputs
 * ({@link IdempotentAppends}), so an input window retried after its outputs were appended but
 * before its commit appends every output exactly once. Against the MongoDB wire server (or a real
 * mongod, see {@link TestMongo}).
 */
class MongoIdempotentStageTest {

    private static TestMongo mongo;

    @BeforeAll
    static void startServer() {
        mongo = TestMongo.start();
    }

    @AfterAll
    static void stopServer() {
        mongo.close();
    }

    private static NewMessage output(int n, String origin) {
        return NewMessage.ofTree(Instant.parse("2026-01-01T00:00:00Z"), Json.mapper().createObjectNode().put("n", n), 0, null)
                .withOrigin(origin);
    }

    @Test
    void derivedIdsAreStablePerStreamAndOriginAndKeepInputOrder() {
        ObjectId first = new ObjectId();
        ObjectId second = new ObjectId(); // same producer: a later counter
        BsonObjectId a0 = IdempotentAppends.derivedId("out", "in/" + first.toHexString() + "#0");
        assertEquals(a0, IdempotentAppends.derivedId("out", "in/" + first.toHexString() + "#0"), "the same on every attempt");
        assertNotEquals(a0, IdempotentAppends.derivedId("other", "in/" + first.toHexString() + "#0"), "another output stream");
        BsonObjectId a1 = IdempotentAppends.derivedId("out", "in/" + first.toHexString() + "#1");
        BsonObjectId b0 = IdempotentAppends.derivedId("out", "in/" + second.toHexString() + "#0");
        assertTrue(a0.compareTo(a1) < 0, "an input's outputs in index order");
        assertTrue(a1.compareTo(b0) < 0, "outputs of later inputs of one producer after earlier ones");
        assertEquals(first.getTimestamp(), a0.getValue().getTimestamp(), "the input's time: ObjectIds Python reads as its own");
        assertNotEquals(IdempotentAppends.derivedId("out", "some origin"), IdempotentAppends.derivedId("out", "other origin"));
    }

    @Test
    void appendingTheSameOriginsAgainStoresNothingTwiceAndACollisionDropsNothing() {
        String db = TestMongo.freshDatabase("idem");
        try (MongoClient client = MongoClients.create(mongo.url(db)); MongoStore store = new MongoStore(client, db)) {
            ObjectId input = new ObjectId();
            List<NewMessage> outs = List.of(output(0, "in/" + input.toHexString() + "#0"),
                    output(1, "in/" + input.toHexString() + "#1"), output(2, "in/" + input.toHexString() + "#2"));
            store.append("out", outs);
            store.append("out", outs); // the retry of the same window
            store.append("out", List.of(outs.get(1), output(3, "in/" + input.toHexString() + "#3"))); // partly new
            assertEquals(List.of(0, 1, 2, 3), numbers(store.read("out", Selection.pending(), null)));

            // a document already under the id another origin derives (a collision): the new message is kept
            MongoCollection<BsonDocument> buffer = client.getDatabase(db).getCollection("buffer", BsonDocument.class);
            String origin = "in/" + new ObjectId().toHexString() + "#0";
            buffer.insertOne(new BsonDocument("_id", IdempotentAppends.derivedId("out", origin))
                    .append("stream", new BsonString("out")).append("data", new BsonDocument("n", new org.bson.BsonInt32(99)))
                    .append("processed", org.bson.BsonBoolean.FALSE).append("created", Documents.date(Instant.parse("2026-01-01T00:00:00Z")))
                    .append("origin", new BsonString("something else")));
            store.append("out", List.of(output(4, origin)));
            assertEquals(List.of(0, 1, 2, 3, 4, 99), sorted(numbers(store.read("out", Selection.pending(), null))));
            // outputs are ordinary Python-shaped buffer documents with ObjectIds, plus the origin
            BsonDocument doc = buffer.find(Filters.eq("_id", IdempotentAppends.derivedId("out", outs.get(0).origin()))).first();
            assertTrue(doc != null && doc.isObjectId("_id") && doc.isBoolean("processed") && doc.isDocument("data")
                    && doc.getString("origin").getValue().equals(outs.get(0).origin()), String.valueOf(doc));
        }
    }

    /**
     * The window's commit fails once, after the stage appended its outputs (as a crash between the
     * two would leave it): the claim lapses, the window is retried and appends again, and still
     * every output is stored once.
     */
    @Test
    void aStageWindowRetriedAfterItsOutputsWereAppendedAppendsEveryOutputOnce() throws Exception {
        String db = TestMongo.freshDatabase("idemstage");
        try (MongoClient client = MongoClients.create(mongo.url(db))) {
            MongoStore real = new MongoStore(client, db);
            AtomicInteger failedCommits = new AtomicInteger();
            StreamStore crashingOnce = crashOnFirstCommitOf("lines", real, failedCommits);
            try (Minibatch mb = Minibatch.builder().store(crashingOnce).shutdownHook(false).build()) {
                Stream lines = mb.stream("lines");
                List<Map<String, Object>> input = new ArrayList<>();
                for (int i = 0; i < 40; i++) {
                    input.add(Map.of("n", i, "text", "w" + i + " x" + i));
                }
                lines.appendAll(input);
                lines.flush();
                ConsumerHandle stage = mb.stage("lines")
                        .flatMap(v -> List.of(Map.of("word", v.get("text").asText().split(" ")[0]),
                                Map.of("word", v.get("text").asText().split(" ")[1])))
                        .to("words").batch(40).lease(Duration.ofSeconds(1)).start();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while ((real.stats("lines").pending() + real.stats("lines").claimed() > 0 || failedCommits.get() == 0)
                        && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                stage.stop();
                assertEquals(1, failedCommits.get(), "the first commit failed after the outputs were appended");
                assertEquals(0, real.stats("lines").pending() + real.stats("lines").claimed(), "the retry committed the input");
                Map<String, Integer> words = new HashMap<>();
                for (Message m : real.read("words", Selection.pending(), null)) {
                    words.merge(m.data().get("word").asText(), 1, Integer::sum);
                }
                assertEquals(80, words.size(), "every output is there: " + words.keySet());
                words.forEach((w, count) -> assertEquals(1, count, "output '" + w + "' appended once"));
            }
        }
    }

    /**
     * The real Python minibatch 0.6 consumes a stage's output stream written with derived ids:
     * every output once, and Python marks and deletes them by their ObjectIds like its own.
     */
    @Test
    void pythonMinibatchConsumesAStagesOutputStream() throws Exception {
        PythonPeer.python(); // fails naming the setup when the peer is not installed
        String db = TestMongo.freshDatabase("idempy");
        try (Minibatch mb = Minibatch.builder().url(mongo.url(db)).shutdownHook(false).build()) {
            Stream in = mb.stream("raw");
            List<Map<String, Object>> input = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                input.add(Map.of("n", i));
            }
            in.appendAll(input);
            in.flush();
            ConsumerHandle stage = mb.stage("raw").map(v -> Map.of("id", "s-" + v.get("n").asInt())).to("staged").batch(50).start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (mb.stream("staged").stats().pending() < 200 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            stage.stop();
            assertEquals(200, mb.stream("staged").stats().pending());
        }
        try (PythonPeer python = PythonPeer.start("consume", mongo.url(db), "staged", "--size", "10", "--expect", "200")) {
            python.awaitDone(Duration.ofSeconds(120));
            List<String> ids = new ArrayList<>();
            python.windows().forEach(ids::addAll);
            assertEquals(200, ids.size(), "every output once");
            assertEquals(200, new java.util.HashSet<>(ids).size(), "no output twice");
        }
        try (MongoClient client = MongoClients.create(mongo.url(db))) {
            assertEquals(0, client.getDatabase(db).getCollection("buffer").countDocuments(Filters.eq("stream", "staged")),
                    "Python deleted every output it committed, by its ObjectId");
        }
    }

    /**
     * The real store, except that the first commit of {@code stream} throws after doing nothing: a
     * fault injected between the stage's append and its commit (the server and connection are real).
     */
    private static StreamStore crashOnFirstCommitOf(String stream, MongoStore real, AtomicInteger failed) {
        InvocationHandler handler = (proxy, method, args) -> {
            if (method.getName().equals("commit") && args != null && stream.equals(args[0]) && failed.compareAndSet(0, 1)) {
                throw new StoreException("injected: the process died between the stage's append and its commit");
            }
            try {
                return method.invoke(real, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        };
        return (StreamStore) Proxy.newProxyInstance(MongoIdempotentStageTest.class.getClassLoader(),
                new Class<?>[] {StreamStore.class}, handler);
    }

    private static List<Integer> numbers(List<Message> messages) {
        List<Integer> out = new ArrayList<>();
        messages.forEach(m -> out.add(m.data().get("n").asInt()));
        return out;
    }

    private static List<Integer> sorted(List<Integer> values) {
        List<Integer> out = new ArrayList<>(values);
        out.sort(null);
        return out;
    }
}
