package dev.minibatch.mongo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.mongodb.client.MongoClient;
import com.mongodb.client.model.Filters;
import dev.minibatch.model.ConsumerHandle;
import dev.minibatch.Minibatch;
import dev.minibatch.Stream;
import dev.minibatch.model.Window;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.bson.BsonDocument;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Interop with the real Python minibatch 0.6.0 (PyPI, in the venv tools/test-env/python-peer.sh
 * makes), started as a subprocess against the same server: every id exactly once, nothing left
 * unprocessed. A Python consumer never competes with a Java one on one stream (Python has no leases).
 */
class PythonInteropTest {

    private static final Duration PYTHON_TIMEOUT = Duration.ofSeconds(120);
    private static TestMongo mongo;
    private String database;
    private String url;
    private String pythonUrl;

    @BeforeAll
    static void startServer() {
        PythonPeer.python(); // fail at once, naming the setup, when the peer is not installed
        mongo = TestMongo.start();
    }

    @AfterAll
    static void stopServer() {
        mongo.close();
    }

    @BeforeEach
    void freshDatabase() {
        database = TestMongo.freshDatabase("interop");
        // the window documents Python's window() lists: on explicitly, whatever the default
        url = mongo.url(database, "windows=true");
        pythonUrl = mongo.url(database); // pymongo rejects minibatch's own URL options
    }

    private Minibatch connect() {
        return Minibatch.builder().url(url).shutdownHook(false).build();
    }

    private static List<Map<String, Object>> messages(String prefix, int from, int count) {
        return IntStream.range(from, from + count).mapToObj(n -> Map.<String, Object>of("id", prefix + n, "n", n))
                .collect(Collectors.toList());
    }

    private static Set<String> ids(String prefix, int from, int count) {
        return IntStream.range(from, from + count).mapToObj(n -> prefix + n).collect(Collectors.toSet());
    }

    private long left(String stream) {
        try (MongoClient raw = mongo.client()) {
            return raw.getDatabase(database).getCollection("buffer", BsonDocument.class).countDocuments(Filters.eq("stream", stream));
        }
    }

    private long windowDocuments(String stream) {
        try (MongoClient raw = mongo.client()) {
            return raw.getDatabase(database).getCollection("window", BsonDocument.class).countDocuments(Filters.eq("stream", stream));
        }
    }

    /** Asserts every expected id arrived exactly once. */
    private static void assertExactlyOnce(Collection<String> delivered, Set<String> expected) {
        List<String> all = new ArrayList<>(delivered);
        Set<String> distinct = new HashSet<>(all);
        assertThat(all.size() - distinct.size()).as("duplicates").isZero();
        assertThat(distinct).as("every id once").isEqualTo(expected);
    }

    private static ConsumerHandle javaConsumer(Minibatch mb, String stream, int size, boolean keep,
                                               Collection<String> delivered) {
        return mb.streaming(stream).size(size).keep(keep).pollInterval(Duration.ofMillis(20))
                .start(window -> window.data().forEach(d -> delivered.add(d.get("id").asText())));
    }

    // ---- Java producer → Python consumer -------------------------------------------------------

    @Test
    void pythonConsumerGetsWhatJavaAppended() throws Exception {
        try (Minibatch mb = connect()) {
            Stream s = mb.stream("j2p");
            for (int from = 0; from < 1_000; from += 100) {
                s.appendAll(messages("j-", from, 100));
            }
        }
        try (PythonPeer python = PythonPeer.start("consume", pythonUrl, "j2p", "--size", "10", "--expect", "1000")) {
            python.awaitDone(PYTHON_TIMEOUT);
            List<List<String>> windows = python.windows();
            assertThat(windows).allSatisfy(w -> assertThat(w).hasSize(10));
            assertExactlyOnce(windows.stream().flatMap(List::stream).toList(), ids("j-", 0, 1_000));
        }
        assertThat(left("j2p")).as("Python deleted every committed message").isZero();
        assertThat(windowDocuments("j2p")).isZero();
    }

    // ---- Python producer → Java consumer --------------------------------------------------------

    @Test
    void javaConsumerTakesPythonsBacklog() throws Exception {
        try (PythonPeer python = PythonPeer.start("produce", pythonUrl, "p2j", "--count", "1000", "--batch", "50")) {
            python.awaitDone(PYTHON_TIMEOUT);
            assertThat(python.line("appended").asInt()).isEqualTo(1_000);
        }
        assertThat(left("p2j")).isEqualTo(1_000);
        Collection<String> delivered = new ConcurrentLinkedQueue<>();
        try (Minibatch mb = connect(); ConsumerHandle consumer = javaConsumer(mb, "p2j", 10, false, delivered)) {
            await("1000 delivered", () -> delivered.size() >= 1_000, consumer);
        }
        assertExactlyOnce(delivered, ids("py-", 0, 1_000));
        assertThat(left("p2j")).as("nothing left unprocessed").isZero();
    }

    @Test
    void pythonsUnkeyedReadingsConsumedOnMongoWithKeyBySensor() throws Exception {
        try (PythonPeer python = PythonPeer.start("produce", pythonUrl, "sensors", "--count", "500", "--batch", "50",
                "--sensors", "5")) {
            python.awaitDone(PYTHON_TIMEOUT);
            assertThat(python.line("appended").asInt()).isEqualTo(500);
        }
        List<Window> windows = new CopyOnWriteArrayList<>();
        try (Minibatch mb = connect();
             ConsumerHandle consumer = mb.streaming("sensors").size(10).keyBy("sensor").pollInterval(Duration.ofMillis(20))
                     .start(windows::add)) {
            await("500 readings in keyed windows", () -> windows.stream().mapToInt(Window::size).sum() >= 500, consumer);
        }
        assertThat(windows).hasSize(50).allSatisfy(w -> {
            assertThat(w.size()).isEqualTo(10);
            assertThat(w.key()).startsWith("sensor-");
            assertThat(w.data()).allSatisfy(d -> assertThat(d.get("sensor").asText()).isEqualTo(w.key()));
        });
        Map<String, Long> windowsPerSensor = windows.stream().collect(Collectors.groupingBy(Window::key, Collectors.counting()));
        assertThat(windowsPerSensor).hasSize(5).allSatisfy((sensor, n) -> assertThat(n).isEqualTo(10L));
        assertExactlyOnce(windows.stream().flatMap(w -> w.data().stream()).map(d -> d.get("id").asText()).toList(),
                ids("py-", 0, 500));
        assertThat(left("sensors")).as("nothing left unprocessed").isZero();
    }

    @Test
    void javaConsumerStartedFirstTakesPythonsLiveAppends() throws Exception {
        Collection<String> delivered = new ConcurrentLinkedQueue<>();
        try (Minibatch mb = connect(); ConsumerHandle consumer = javaConsumer(mb, "live", 5, false, delivered)) {
            try (PythonPeer ones = PythonPeer.start("produce", pythonUrl, "live", "--count", "300", "--pause", "0.002");
                 PythonPeer batches = PythonPeer.start("produce", pythonUrl, "live", "--start", "300", "--count", "300",
                         "--batch", "20", "--pause", "0.001")) {
                ones.awaitDone(PYTHON_TIMEOUT);
                batches.awaitDone(PYTHON_TIMEOUT);
            }
            await("600 delivered", () -> delivered.size() >= 600, consumer);
        }
        assertExactlyOnce(delivered, ids("py-", 0, 600));
        assertThat(left("live")).isZero();
    }

    // ---- Java and Python producers, Java consumers ---------------------------------------------

    @Test
    void javaAndPythonProducersIntoOneStreamReadByCompetingJavaConsumers() throws Exception {
        Collection<String> delivered = new ConcurrentLinkedQueue<>();
        try (Minibatch first = connect(); Minibatch second = connect();
             ConsumerHandle a = javaConsumer(first, "mixed", 10, false, delivered);
             ConsumerHandle b = javaConsumer(second, "mixed", 10, false, delivered)) {
            try (PythonPeer python = PythonPeer.start("produce", pythonUrl, "mixed", "--count", "800", "--batch", "10");
                 Minibatch producer = connect()) {
                Stream s = producer.stream("mixed");
                for (int from = 0; from < 800; from += 20) {
                    s.appendAll(messages("j-", from, 20));
                }
                python.awaitDone(PYTHON_TIMEOUT);
            }
            await("1600 delivered", () -> delivered.size() >= 1_600, a);
            assertThat(b.failure()).isNull();
            assertThat(a.stats().windows() + b.stats().windows()).as("both consumers counted").isGreaterThan(0);
        }
        Set<String> expected = new HashSet<>(ids("j-", 0, 800));
        expected.addAll(ids("py-", 0, 800));
        assertExactlyOnce(delivered, expected);
        assertThat(left("mixed")).isZero();
    }

    // ---- Python's views of a stream Java committed ---------------------------------------------

    @Test
    void pythonBufferAndWindowViewsShowWhatTheJavaConsumerCommitted() throws Exception {
        List<List<String>> javaWindows = new CopyOnWriteArrayList<>();
        Collection<String> delivered = new ConcurrentLinkedQueue<>();
        try (Minibatch mb = connect()) {
            mb.stream("views").appendAll(messages("j-", 0, 100));
            try (ConsumerHandle consumer = mb.streaming("views").size(10).keep(true).workers(1)
                    .pollInterval(Duration.ofMillis(20)).start(window -> {
                        List<String> ids = window.data().stream().map(d -> d.get("id").asText()).toList();
                        javaWindows.add(ids);
                        delivered.addAll(ids);
                    })) {
                await("100 delivered", () -> delivered.size() >= 100, consumer);
                await("10 windows committed", () -> consumer.stats().windows() >= 10, consumer);
            }
        }
        assertExactlyOnce(delivered, ids("j-", 0, 100));
        try (PythonPeer python = PythonPeer.start("views", pythonUrl, "views")) {
            python.awaitDone(PYTHON_TIMEOUT);
            JsonNode views = python.line("views");
            List<String> buffered = new ArrayList<>();
            views.get("buffer").forEach(b -> {
                assertThat(b.get("processed").asBoolean()).as("kept messages are processed for Python").isTrue();
                buffered.add(b.get("id").asText());
            });
            assertExactlyOnce(buffered, ids("j-", 0, 100));
            List<List<String>> pythonWindows = new ArrayList<>();
            views.get("window").forEach(w -> {
                assertThat(w.get("processed").asBoolean()).as("committed windows are processed for Python").isTrue();
                assertThat(w.get("query").size()).as("count windows have an empty query").isZero();
                List<String> ids = new ArrayList<>();
                w.get("ids").forEach(id -> ids.add(id.asText()));
                pythonWindows.add(ids);
            });
            assertThat(new HashSet<>(pythonWindows)).as("Python sees Java's windows, message for message")
                    .isEqualTo(new HashSet<>(javaWindows));
        }
    }

    private static void await(String what, BooleanSupplier condition, ConsumerHandle consumer) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (!condition.getAsBoolean()) {
            if (consumer.failure() != null) {
                throw new AssertionError("consumer failed waiting for " + what, consumer.failure());
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what + " (" + consumer.stats() + ")");
            }
            Thread.sleep(20);
        }
    }
}
