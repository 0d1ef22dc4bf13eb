package dev.minibatch.mongo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.mongodb.client.MongoClient;
import com.mongodb.client.model.Filters;
import dev.minibatch.model.ConfigurationException;
import dev.minibatch.Minibatch;
import dev.minibatch.plugin.Providers;
import dev.minibatch.model.StoreException;
import dev.minibatch.spi.store.Claim;
import dev.minibatch.spi.store.Lease;
import dev.minibatch.spi.store.NewMessage;
import dev.minibatch.spi.store.Selection;
import dev.minibatch.spi.store.StreamStore;
import dev.minibatch.internal.Json;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.bson.BsonDocument;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** URL rules: a database is required, unreachable servers fail fast and clearly, options, environment. */
class MongoUrlTest {

    private static final Instant T0 = Instant.parse("2025-01-01T10:00:00Z");
    private static TestMongo mongo;

    @TempDir
    Path dir;

    @BeforeAll
    static void startServer() {
        mongo = TestMongo.start();
    }

    @AfterAll
    static void stopServer() {
        mongo.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"mongodb://127.0.0.1:27017", "mongodb://127.0.0.1:27017/", "mongodb://127.0.0.1:27017/?w=1",
            "mongodb://u:pw@127.0.0.1:27017", "mongodb+srv://cluster0.example.invalid"})
    void aUrlWithoutDatabaseIsRefusedNotDefaultedToTest(String url) {
        assertThatThrownBy(() -> Minibatch.connect(url))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("names no database")
                .hasMessageContaining("/dbname")
                .hasMessageNotContaining("pw@");
    }

    @Test
    void bothSchemesAreRegisteredForTheStore() {
        assertThat(Providers.defaults().find(Providers.Kind.STORE, "mongodb").provider()).isInstanceOf(MongoStoreProvider.class);
        assertThat(Providers.defaults().find(Providers.Kind.STORE, "mongodb+srv").provider()).isInstanceOf(MongoStoreProvider.class);
        assertThat(Providers.defaults().find(Providers.Kind.SOURCE, "mongodb").provider()).isInstanceOf(MongoSourceProvider.class);
        assertThat(Providers.defaults().find(Providers.Kind.SINK, "mongodb").provider()).isInstanceOf(MongoSinkProvider.class);
    }

    @Test
    void anUnreachableServerFailsWithinTheSelectionTimeoutNamingTheHost() throws IOException {
        int port = freePort();
        String url = "mongodb://minibatch:s3cret@127.0.0.1:" + port + "/db?serverSelectionTimeoutMS=1500";
        StoreException error = assertTimeoutPreemptively(Duration.ofSeconds(30),
                () -> org.junit.jupiter.api.Assertions.assertThrows(StoreException.class, () -> Minibatch.connect(url)));
        assertThat(error.getMessage())
                .contains("127.0.0.1:" + port)
                .contains("1500 ms")
                .doesNotContain("s3cret");
    }

    @Test
    void theDefaultSelectionTimeoutIsBoundedToo() throws IOException {
        int port = freePort();
        StoreException error = assertTimeoutPreemptively(Duration.ofSeconds(30),
                () -> org.junit.jupiter.api.Assertions.assertThrows(StoreException.class,
                        () -> Minibatch.connect("mongodb://127.0.0.1:" + port + "/db")));
        assertThat(error.getMessage()).contains("127.0.0.1:" + port).contains("5000 ms");
    }

    @Test
    void sourceAndSinkFailClearlyToo() throws IOException {
        int port = freePort();
        String url = "mongodb://u:s3cret@127.0.0.1:" + port + "/db?serverSelectionTimeoutMS=1000";
        assertThatThrownBy(() -> new MongoSink(url, "out"))
                .isInstanceOf(StoreException.class).hasMessageContaining("127.0.0.1:" + port).hasMessageNotContaining("s3cret");
        assertThatThrownBy(() -> MongoSource.builder("mongodb://127.0.0.1/", "c"))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("/dbname");
        assertThatThrownBy(() -> Providers.defaults().sink("mongodb", Map.of("url", "mongodb://127.0.0.1/db")))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("collection");
    }

    @Test
    void badStoreOptionsAreNamed() {
        assertThatThrownBy(() -> Minibatch.connect(mongo.url("opts", "windows=maybe")))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("'windows'");
        assertThatThrownBy(() -> Minibatch.connect("mongodb://127.0.0.1/db?serverSelectionTimeoutMS=soon"))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("serverSelectionTimeoutMS");
        assertThatThrownBy(() -> Minibatch.connect("mongodb://127.0.0.1:notaport/db"))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("invalid MongoDB URL");
    }

    @Test
    void windowDocumentsAreOffByDefault() {
        String db = TestMongo.freshDatabase("defaultwin");
        try (StreamStore store = Providers.defaults().openStore(mongo.url(db));
             MongoClient raw = mongo.client()) {
            assertThat(((MongoStore) store).writesWindows()).isFalse();
            store.append("s", List.of(message(1)));
            assertThat(store.claim("s", Selection.pending(), new Lease("t", "o", T0, T0.plusSeconds(30))).messages()).hasSize(1);
            assertThat(raw.getDatabase(db).getCollection("window").countDocuments()).isZero();
        }
        try (StreamStore store = Providers.defaults().openStore(mongo.url(db, "windows=true"))) {
            assertThat(((MongoStore) store).writesWindows()).isTrue();
        }
    }

    @Test
    void changeStreamOptionIsCheckedAndRequiredOnesFailClearly() {
        assertThatThrownBy(() -> Minibatch.connect(mongo.url("opts", "changeStream=sometimes")))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("'changeStream'");
        // this wire server runs without its oplog: no change streams
        assertThatThrownBy(() -> Providers.defaults().openStore(mongo.url(TestMongo.freshDatabase("cs"), "changeStream=true")))
                .isInstanceOf(StoreException.class).hasMessageContaining("change streams are required");
        try (StreamStore store = Providers.defaults().openStore(mongo.url(TestMongo.freshDatabase("cs"), "changeStream=false"))) {
            assertThat(((MongoStore) store).options().changeStreams()).isEqualTo(MongoSource.ChangeStreams.OFF);
            assertThat(((MongoStore) store).subscribeAppends("s", () -> { }).active()).isFalse();
        }
    }

    @Test
    void windowsFalseWritesNoWindowDocuments() {
        String db = TestMongo.freshDatabase("nowin");
        try (StreamStore store = Providers.defaults().openStore(mongo.url(db, "windows=false"));
             MongoClient raw = mongo.client()) {
            assertThat(((MongoStore) store).writesWindows()).isFalse();
            store.append("s", List.of(message(1)));
            Claim claim = store.claim("s", Selection.pending(), new Lease("t", "o", T0, T0.plusSeconds(30)));
            assertThat(claim.messages()).hasSize(1);
            assertThat(raw.getDatabase(db).getCollection("window").countDocuments()).isZero();
            assertThat(store.commit("s", "t", false)).isEqualTo(1);
        }
    }

    @Test
    void recoveryFalseLeavesExpiredLeasesAsPythonWould() {
        String db = TestMongo.freshDatabase("norecovery");
        try (StreamStore store = Providers.defaults().openStore(mongo.url(db, "recovery=false"));
             MongoClient raw = mongo.client()) {
            store.append("s", List.of(message(1)));
            store.claim("s", Selection.pending(), new Lease("t", "o", T0, T0.plusSeconds(30)));
            assertThat(store.claim("s", Selection.pending(), new Lease("u", "o", T0.plusSeconds(3600), T0.plusSeconds(3630)))
                    .isEmpty()).as("without recovery an expired lease keeps its messages").isTrue();
            BsonDocument doc = raw.getDatabase(db).getCollection("buffer", BsonDocument.class).find().first();
            assertThat(doc.getBoolean("processed").getValue()).isTrue();
            assertThat(store.commit("s", "t", false)).as("the late owner can still commit").isEqualTo(1);
        }
    }

    @Test
    void environmentVariablesNameTheStoreAsInPython() throws Exception {
        for (String variable : List.of("MINIBATCH_MONGO_URL", "MONGO_URL")) {
            String db = TestMongo.freshDatabase("env");
            ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx128m", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                    EnvProducerMain.class.getName(), variable)
                    .redirectErrorStream(true).redirectOutput(dir.resolve(variable + ".log").toFile());
            builder.environment().remove("MINIBATCH_URL");
            builder.environment().remove("MINIBATCH_MONGO_URL");
            builder.environment().remove("MONGO_URL");
            builder.environment().put(variable, mongo.url(db));
            Process process = builder.start();
            try {
                assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("producer finished").isTrue();
                assertThat(process.exitValue()).as(Files.readString(dir.resolve(variable + ".log"))).isZero();
            } finally {
                process.destroyForcibly();
            }
            try (MongoClient raw = mongo.client()) {
                List<BsonDocument> docs = raw.getDatabase(db).getCollection("buffer", BsonDocument.class)
                        .find(Filters.eq("stream", "env")).into(new ArrayList<>());
                assertThat(docs).hasSize(1);
                assertThat(docs.get(0).getDocument("data").getString("via").getValue()).isEqualTo(variable);
            }
        }
    }

    private static NewMessage message(int n) {
        var data = Json.mapper().createObjectNode().put("n", n);
        return NewMessage.ofTree(T0, data, 0, null);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    /** A producer that connects with no URL at all: the environment decides. */
    public static final class EnvProducerMain {
        private EnvProducerMain() {
        }

        public static void main(String[] args) {
            try (Minibatch mb = Minibatch.connect()) {
                if (!mb.url().startsWith("mongodb://")) {
                    throw new IllegalStateException("expected a MongoDB store, got " + mb.url());
                }
                mb.stream("env").append(Map.of("via", args[0]));
            }
        }
    }
}
