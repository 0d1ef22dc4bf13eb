package dev.minibatch.omegaml;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.minibatch.model.ConfigurationException;
import dev.minibatch.model.Message;
import dev.minibatch.Stream;
import dev.minibatch.model.StoreException;
import dev.minibatch.model.Window;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bson.BsonDocument;
import org.bson.BsonType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class OmegaStreamsTest {

    static TestServer server;
    Omega omega;

    @BeforeAll
    static void startServer() {
        server = TestServer.start();
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    @BeforeEach
    void connect() {
        omega = Omega.connect(server.freshUrl());
    }

    @AfterEach
    void close() {
        omega.close();
    }

    private BsonDocument rawMetadata(String name) {
        return omega.database().getCollection("metadata", BsonDocument.class)
                .find(new BsonDocument("name", new org.bson.BsonString(name))).first();
    }

    @Test
    void getCreatesMetadataShapedAsOmegamlWritesIt() {
        Stream stream = omega.streams().get("test");
        assertThat(stream.name()).isEqualTo("omegaml.streams/.test.stream");
        BsonDocument meta = rawMetadata("test");
        assertThat(meta.keySet()).containsExactlyInAnyOrder("_id", "name", "bucket", "prefix", "kind", "kind_meta",
                "attributes", "s3file", "created", "modified");
        assertThat(meta.get("_id").getBsonType()).isEqualTo(BsonType.OBJECT_ID);
        assertThat(meta.getString("bucket").getValue()).isEqualTo("omegaml");
        assertThat(meta.getString("prefix").getValue()).isEqualTo("streams/");
        assertThat(meta.getString("kind").getValue()).isEqualTo("stream.minibatch");
        assertThat(meta.get("created").getBsonType()).isEqualTo(BsonType.DATE_TIME);
        assertThat(meta.get("modified").getBsonType()).isEqualTo(BsonType.DATE_TIME);
        assertThat(meta.getDocument("attributes")).isEmpty();
        assertThat(meta.getDocument("s3file")).isEmpty();
        BsonDocument kindMeta = meta.getDocument("kind_meta");
        assertThat(kindMeta.toJson()).isEqualTo("{\"stream\": {\"name\": \"omegaml.streams/.test.stream\", "
                + "\"stream_kwargs\": {}, \"streaming_kwargs\": {}}, \"attach\": {\"source\": null, \"source_kwargs\": {}}}");
        BsonDocument streamDoc = omega.database().getCollection("stream", BsonDocument.class)
                .find(new BsonDocument("name", new org.bson.BsonString("omegaml.streams/.test.stream"))).first();
        assertThat(streamDoc).as("the minibatch stream document in the same database").isNotNull();
        assertThat(streamDoc.getString("status").getValue()).isEqualTo("open");
    }

    @Test
    void putAppendsToTheQualifiedStreamAndReturnsMetadata() {
        JsonNode meta = omega.streams().put(Map.of("x", 1), "sensors");
        assertThat(meta.get("kind").asText()).isEqualTo("stream.minibatch");
        omega.streams().put(Map.of("x", 2), "sensors");
        List<Message> buffer = omega.streams().get("sensors").buffer();
        assertThat(buffer).extracting(m -> m.data().get("x").asInt()).containsExactly(1, 2);
        long docs = omega.database().getCollection("buffer", BsonDocument.class)
                .countDocuments(new BsonDocument("stream", new org.bson.BsonString("omegaml.streams/.sensors.stream")));
        assertThat(docs).isEqualTo(2);
    }

    @Test
    void windowOptionsToGetlReallySetTheWindowAndAreStoredAsDefaults() {
        Stream stream = omega.streams().get("win");
        for (int i = 0; i < 12; i++) {
            stream.append(Map.of("i", i));
        }
        List<Window> windows = new ArrayList<>();
        omega.streams().getl("win", Map.of("size", 5, "blocking", false)).apply(windows::add);
        assertThat(windows).hasSize(1);
        assertThat(windows.get(0).size()).as("size=5 sets the window, unlike omega|ml's get(lazy=True, size=5)").isEqualTo(5);
        assertThat(rawMetadata("win").getDocument("kind_meta").getDocument("stream").getDocument("streaming_kwargs")
                .toJson()).as("win's metadata was created by get(), so nothing was stored").isEqualTo("{}");

        omega.streams().getl("fresh", Map.of("size", 3));
        BsonDocument stored = rawMetadata("fresh").getDocument("kind_meta").getDocument("stream").getDocument("streaming_kwargs");
        assertThat(stored.getInt32("size").getValue()).isEqualTo(3);
        Stream fresh = omega.streams().get("fresh");
        for (int i = 0; i < 7; i++) {
            fresh.append(i);
        }
        windows.clear();
        omega.streams().getl("fresh").blocking(false).apply(windows::add);
        assertThat(windows.get(0).size()).as("stored options are re-applied").isEqualTo(3);
        windows.clear();
        omega.streams().getl("fresh", Map.of("size", 2, "blocking", false)).apply(windows::add);
        assertThat(windows.get(0).size()).as("explicit options win over stored ones").isEqualTo(2);
    }

    @Test
    void metadataWrittenByPythonIsHonoured() {
        omega.database().getCollection("metadata", BsonDocument.class).insertOne(BsonDocument.parse("""
                {"name": "py", "bucket": "omegaml", "prefix": "streams/", "kind": "stream.minibatch",
                 "kind_meta": {"stream": {"name": "omegaml.streams/.py.stream",
                                          "stream_kwargs": {"max_age": 3600.0},
                                          "streaming_kwargs": {"size": 4}},
                               "attach": {"source": null, "source_kwargs": {}}},
                 "attributes": {}, "s3file": {}}"""));
        Stream stream = omega.streams().get("py");
        assertThat(stream.options().maxAge()).isEqualTo(Duration.ofHours(1));
        for (int i = 0; i < 4; i++) {
            stream.append(i);
        }
        List<Window> windows = new ArrayList<>();
        omega.streams().getl("py").blocking(false).apply(windows::add);
        assertThat(windows).hasSize(1);
        assertThat(windows.get(0).size()).isEqualTo(4);
        stream.close();
    }

    @Test
    void streamOptionsAreCheckedAndWindowOptionsPointToGetl() {
        assertThatThrownBy(() -> omega.streams().get("x", Map.of("size", 5)))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("unknown stream option 'size'")
                .hasMessageContaining("go to getl");
        assertThatThrownBy(() -> omega.streams().getl("x", Map.of("sise", 5)))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("unknown window option 'sise'");
        omega.streams().get("aged", Map.of("max_age", 60));
        assertThat(rawMetadata("aged").getDocument("kind_meta").getDocument("stream").getDocument("stream_kwargs")
                .getInt32("max_age").getValue()).isEqualTo(60);
    }

    @Test
    void listHidesTemporaryAndHiddenNamesAndDropKeepsDataByDefault() {
        omega.streams().get("alpha");
        omega.streams().get("_tmp");
        omega.streams().get(".system/complete/1");
        assertThat(omega.streams().list()).containsExactly("alpha");
        assertThat(omega.streams().list(null, true, true)).containsExactly(".system/complete/1", "_tmp", "alpha");
        assertThat(omega.streams().list("al*", false, false)).containsExactly("alpha");
        assertThat(omega.streams().exists("alpha")).isTrue();

        omega.streams().put(Map.of("k", 1), "alpha");
        omega.streams().drop("alpha");
        assertThat(omega.streams().exists("alpha")).isFalse();
        assertThat(omega.minibatch().stream("omegaml.streams/.alpha.stream").buffer()).as("drop keeps data").hasSize(1);
        assertThatThrownBy(() -> omega.streams().drop("alpha")).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("does not exist");
        omega.streams().drop("alpha", true, false);
        assertThat(omega.minibatch().stream("omegaml.streams/.alpha.stream").buffer()).as("keep_data=False clears").isEmpty();
    }

    @Test
    void otherBucketsGetTheirOwnNames() {
        try (Omega other = omega.bucket("team")) {
            assertThat(other.streams().get("s").name()).isEqualTo("team.streams/.s.stream");
            assertThat(other.streams().list()).containsExactly("s");
            assertThat(omega.streams().list()).isEmpty();
        }
    }

    @Test
    void anUnreachableServerIsAClearErrorWithinBoundedTime() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        long start = System.nanoTime();
        String url = "mongodb://admin:secret@127.0.0.1:" + port + "/omega";
        assertThatThrownBy(() -> Omega.connect(url)).isInstanceOf(StoreException.class)
                .hasMessageContaining("127.0.0.1:" + port).hasMessageNotContaining("secret");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(60));
    }
}
