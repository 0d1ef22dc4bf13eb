package dev.minibatch.omegaml;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.mongodb.client.MongoCollection;
import dev.minibatch.model.ConfigurationException;
import dev.minibatch.model.ConsumerHandle;
import dev.minibatch.model.Message;
import dev.minibatch.plugin.Providers;
import dev.minibatch.Stream;
import dev.minibatch.model.Window;
import dev.minibatch.internal.Json;
import java.time.Duration;
import java.time.Instant;
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

class DatasetTest {

    static TestServer server;
    Omega omega;
    String url;

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
        url = server.freshUrl();
        omega = Omega.connect(url);
    }

    @AfterEach
    void close() {
        omega.close();
    }

    private MongoCollection<BsonDocument> collection(String name) {
        return omega.database().getCollection(name, BsonDocument.class);
    }

    /** Inserts metadata and rows exactly as omega|ml 0.18 writes a two-row frame (OMEGAML.md §5.1), then appends two more. */
    private String insertPythonFrame(String name) {
        String coll = OmegaDatasets.collectionName("omegaml", "data/", name, true);
        collection("metadata").insertOne(BsonDocument.parse("""
                {"name": "%s", "bucket": "omegaml", "prefix": "data/", "kind": "pandas.dfrows", "collection": "%s",
                 "kind_meta": {"columns": [["_idx#0_0", "_idx#0_0"], ["a", "a"], ["b.c", "b_c"], ["when", "when"],
                                           ["_om#rowid", "_om#rowid"]],
                               "dtypes": {"_idx#0_0": "int64", "a": "int64", "b_c": "float64",
                                          "when": "datetime64[ns, UTC]", "_om#rowid": "int64"},
                               "idx_meta": {"names": [null]}},
                 "attributes": {}, "s3file": {}, "created": {"$date": "2025-01-01T10:00:00Z"},
                 "modified": {"$date": "2025-01-01T10:00:00Z"}}""".formatted(name, coll)));
        // rows inserted out of order on purpose: the source must follow _om#rowid, not insertion order
        collection(coll).insertMany(List.of(
                BsonDocument.parse("{\"_idx#0_0\": 0, \"a\": 3, \"b_c\": 1.5, \"when\": {\"$date\": \"2025-01-03T00:00:00Z\"}, \"_om#rowid\": {\"$numberLong\": \"2\"}}"),
                BsonDocument.parse("{\"_idx#0_0\": 0, \"a\": 1, \"b_c\": 0.5, \"when\": {\"$date\": \"2025-01-01T00:00:00Z\"}, \"_om#rowid\": {\"$numberLong\": \"0\"}}"),
                BsonDocument.parse("{\"_idx#0_0\": 1, \"a\": 4, \"b_c\": 2.5, \"when\": {\"$date\": \"2025-01-04T00:00:00Z\"}, \"_om#rowid\": {\"$numberLong\": \"3\"}}"),
                BsonDocument.parse("{\"_idx#0_0\": 1, \"a\": 2, \"b_c\": NaN, \"when\": {\"$date\": \"2025-01-02T00:00:00Z\"}, \"_om#rowid\": {\"$numberLong\": \"1\"}}")));
        return coll;
    }

    private List<JsonNode> drain(Stream stream) {
        return stream.buffer().stream().map(Message::data).toList();
    }

    @Test
    void collectionNamesFollowOmegaml() {
        assertThat(OmegaDatasets.collectionName("omegaml", "data/", "mydataset", true))
                .isEqualTo("8c4ac6ad4430b70fb606945bc31e3d4e651afb26");
        assertThat(OmegaDatasets.collectionName("omegaml", "data/", "stream-sink", true))
                .isEqualTo("d999a10efb07d720f77547e6820525492be0bca4");
        assertThat(OmegaDatasets.collectionName("omegaml", "data/", "consumer", true))
                .isEqualTo("a7e33ee09db9e96c1a376525513c10f7a0287bf8");
        assertThat(OmegaDatasets.collectionName("omegaml", "data/", "mydataset", false))
                .isEqualTo("omegaml.data_.mydataset.datastore");
    }

    @Test
    void aPandasFrameIsReadInRowOrderWithItsTypes() throws Exception {
        insertPythonFrame("frame");
        Stream stream = omega.minibatch().stream("rows");
        new DatasetSource(omega, "frame").stream(stream);
        List<JsonNode> rows = drain(stream);
        assertThat(rows).extracting(r -> r.get("a").asInt()).containsExactly(1, 2, 3, 4);
        JsonNode first = rows.get(0);
        assertThat(first.get("a").isIntegralNumber()).isTrue();
        assertThat(first.get("b_c").isDouble()).as("the stored name, as omega|ml 0.18's get gives it").isTrue();
        assertThat(first.get("b_c").asDouble()).isEqualTo(0.5);
        assertThat(rows.get(1).get("b_c").isNull()).as("NaN is pandas' missing value: null").isTrue();
        assertThat(first.get("when").asText()).isEqualTo("2025-01-01T00:00:00Z");
        assertThat(first.has("_id") || first.has("_om#rowid") || first.has("_idx#0_0")).isFalse();
    }

    @Test
    void rawModeAppendsStoredDocumentsAsPythonDoes() throws Exception {
        insertPythonFrame("rawframe");
        Stream stream = omega.minibatch().stream("raw");
        new DatasetSource(omega, "rawframe").raw(true).stream(stream);
        JsonNode first = drain(stream).get(0);
        assertThat(first.has("_id")).isTrue();
        assertThat(first.get("_om#rowid").asLong()).isZero();
        assertThat(first.has("b_c")).isTrue();
    }

    @Test
    void rawdictAndPythonDataDatasetsAreRead() throws Exception {
        collection("metadata").insertOne(BsonDocument.parse("""
                {"name": "events", "bucket": "omegaml", "prefix": "data/", "kind": "pandas.rawdict",
                 "collection": "events_raw", "kind_meta": {}, "attributes": {}, "s3file": {}}"""));
        collection("events_raw").insertMany(List.of(
                BsonDocument.parse("{\"myprocess\": true, \"data\": [{\"id\": \"a1\", \"t\": 21.5}]}"),
                BsonDocument.parse("{\"myprocess\": false, \"data\": []}")));
        collection("metadata").insertOne(BsonDocument.parse("""
                {"name": "blob", "bucket": "omegaml", "prefix": "data/", "kind": "python.data",
                 "collection": "blob_data", "kind_meta": {}, "attributes": {}, "s3file": {}}"""));
        collection("blob_data").insertMany(List.of(
                BsonDocument.parse("{\"data\": {\"foo\": \"bar\", \"when\": \"2025-01-01T10:00:00\"}}"),
                BsonDocument.parse("{\"data\": [1, 2, 3]}")));
        Stream events = omega.minibatch().stream("events");
        new DatasetSource(omega, "events").stream(events);
        assertThat(drain(events)).extracting(JsonNode::toString).containsExactly(
                "{\"myprocess\":true,\"data\":[{\"id\":\"a1\",\"t\":21.5}]}", "{\"myprocess\":false,\"data\":[]}");
        Stream blob = omega.minibatch().stream("blob");
        new DatasetSource(omega, "blob").stream(blob);
        assertThat(drain(blob)).extracting(JsonNode::toString).containsExactly(
                "{\"foo\":\"bar\",\"when\":\"2025-01-01T10:00:00\"}", "[1,2,3]");
    }

    @Test
    void theSourceResumesAfterARestartAndFollowsNewRows() throws Exception {
        String coll = insertPythonFrame("growing");
        Stream stream = omega.minibatch().stream("growing-rows");
        new DatasetSource(omega, "growing").stream(stream);
        new DatasetSource(omega, "growing").stream(stream);
        assertThat(drain(stream)).as("the second run resumes: nothing replayed").hasSize(4);
        new DatasetSource(omega, "growing").resume(false).stream(omega.minibatch().stream("replay"));
        assertThat(drain(omega.minibatch().stream("replay"))).as("resume(false) replays like Python").hasSize(4);

        DatasetSource follower = new DatasetSource(omega, "growing").follow(true).pollInterval(Duration.ofMillis(20));
        var attachment = stream.attach(follower);
        collection(coll).insertOne(BsonDocument.parse("{\"_idx#0_0\": 0, \"a\": 5, \"b_c\": 3.5, \"_om#rowid\": {\"$numberLong\": \"4\"}}"));
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (drain(stream).size() < 5 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        attachment.stop();
        assertThat(drain(stream)).extracting(r -> r.get("a").asInt()).containsExactly(1, 2, 3, 4, 5);
    }

    @Test
    void aSinkRegistersANewDatasetAsRawdict() {
        DatasetSink sink = new DatasetSink(omega, "stream-sink");
        sink.put(List.of(Map.of("id", "a1", "t", 21.5), Map.of("id", "a2", "t", 22.0)));
        BsonDocument meta = collection("metadata").find(BsonDocument.parse("{\"name\": \"stream-sink\"}")).first();
        assertThat(meta.getString("kind").getValue()).isEqualTo("pandas.rawdict");
        assertThat(meta.getString("bucket").getValue()).isEqualTo("omegaml");
        assertThat(meta.getString("prefix").getValue()).isEqualTo("data/");
        assertThat(meta.getString("collection").getValue()).isEqualTo("d999a10efb07d720f77547e6820525492be0bca4");
        assertThat(meta.getDocument("kind_meta")).isEmpty();
        assertThat(meta.getDocument("attributes")).isEmpty();
        assertThat(meta.getDocument("s3file")).isEmpty();
        assertThat(meta.get("created").getBsonType()).isEqualTo(BsonType.DATE_TIME);
        assertThat(meta.get("modified").getBsonType()).isEqualTo(BsonType.DATE_TIME);
        List<BsonDocument> docs = collection("d999a10efb07d720f77547e6820525492be0bca4").find().into(new ArrayList<>());
        assertThat(docs).hasSize(2);
        assertThat(docs.get(0).get("_id").getBsonType()).isEqualTo(BsonType.OBJECT_ID);
        assertThat(docs.get(0).getString("id").getValue()).isEqualTo("a1");
        assertThat(docs.get(0).getDouble("t").getValue()).isEqualTo(21.5);
    }

    @Test
    void aSinkAppendsToAPandasFrameWithIndexRowIdAndColumns() {
        String coll = insertPythonFrame("frame-out");
        DatasetSink sink = new DatasetSink(omega, "frame-out");
        sink.put(List.of(Map.of("a", 5, "b.c", 4.5, "extra.col", "x"), Map.of("a", 6, "b.c", 5.5, "extra.col", "y")));
        List<BsonDocument> added = collection(coll).find(BsonDocument.parse("{\"a\": {\"$gte\": 5}}"))
                .sort(BsonDocument.parse("{\"_om#rowid\": 1}")).into(new ArrayList<>());
        assertThat(added).hasSize(2);
        assertThat(added.get(0).getInt64("_idx#0_0").getValue()).isEqualTo(0);
        assertThat(added.get(1).getInt64("_idx#0_0").getValue()).isEqualTo(1);
        assertThat(added.get(0).getInt64("_om#rowid").getValue()).as("continues after the 4 rows").isEqualTo(4);
        assertThat(added.get(1).getInt64("_om#rowid").getValue()).isEqualTo(5);
        assertThat(added.get(0).getDouble("b_c").getValue()).as("'.' escaped as pandas does").isEqualTo(4.5);
        assertThat(added.get(0).getString("extra_col").getValue()).isEqualTo("x");
        BsonDocument kindMeta = collection("metadata").find(BsonDocument.parse("{\"name\": \"frame-out\"}")).first()
                .getDocument("kind_meta");
        assertThat(dev.minibatch.mongo.BsonJson.toJson(kindMeta.getArray("columns")).toString()).isEqualTo(
                "[[\"_idx#0_0\",\"_idx#0_0\"],[\"a\",\"a\"],[\"b.c\",\"b_c\"],[\"when\",\"when\"],"
                        + "[\"extra.col\",\"extra_col\"],[\"_om#rowid\",\"_om#rowid\"]]");
        assertThat(kindMeta.getDocument("dtypes").getString("extra_col").getValue()).isEqualTo("object");
        assertThat(kindMeta.getDocument("dtypes").getString("a").getValue()).isEqualTo("int64");
    }

    @Test
    void aRetriedWindowDoesNotDuplicateRows() {
        DatasetSink sink = new DatasetSink(omega, "idem");
        Instant t = Instant.parse("2025-01-01T10:00:00.123Z");
        List<Message> messages = List.of(
                new Message("11", "s", t, Json.parseInput("{\"n\":1}", "m"), dev.minibatch.model.MessageState.CLAIMED, 0, null),
                new Message("12", "s", t, Json.parseInput("{\"n\":2}", "m"), dev.minibatch.model.MessageState.CLAIMED, 0, null));
        Window window = new Window("claim-1", "s", t.plusSeconds(1), messages, null, null);
        sink.put(window.data(), window);
        // the retry is a new claim (new window id, later creation) of the same messages
        Window retry = new Window("claim-2", "s", t.plusSeconds(9), messages, null, null);
        sink.put(retry.data(), retry);
        String coll = omega.datasets().collection("idem");
        assertThat(collection(coll).countDocuments()).isEqualTo(2);
        Window other = new Window("claim-3", "s", t.plusSeconds(10), List.of(
                new Message("13", "s", t, Json.parseInput("{\"n\":3}", "m"), dev.minibatch.model.MessageState.CLAIMED, 0, null)),
                null, null);
        sink.put(other.data(), other);
        assertThat(collection(coll).countDocuments()).isEqualTo(3);
    }

    @Test
    void datasetToStreamToCountWindowToDatasetKeepsEveryRowInOrder() throws Exception {
        String coll = OmegaDatasets.collectionName("omegaml", "data/", "input", true);
        collection("metadata").insertOne(BsonDocument.parse("""
                {"name": "input", "bucket": "omegaml", "prefix": "data/", "kind": "pandas.dfrows", "collection": "%s",
                 "kind_meta": {"columns": [["_idx#0_0", "_idx#0_0"], ["i", "i"], ["v", "v"], ["_om#rowid", "_om#rowid"]],
                               "dtypes": {"_idx#0_0": "int64", "i": "int64", "v": "float64", "_om#rowid": "int64"},
                               "idx_meta": {"names": [null]}},
                 "attributes": {}, "s3file": {}}""".formatted(coll)));
        List<BsonDocument> input = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            input.add(BsonDocument.parse("{\"_idx#0_0\": " + i + ", \"i\": " + i + ", \"v\": " + (i / 4.0)
                    + ", \"_om#rowid\": {\"$numberLong\": \"" + i + "\"}}"));
        }
        collection(coll).insertMany(input);

        Stream stream = omega.minibatch().stream("loop");
        ConsumerHandle consumer = omega.minibatch().streaming("loop").size(100)
                .sink(new DatasetSink(omega, "output")).start(window -> { });
        var attachment = stream.attach(new DatasetSource(omega, "input"));
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (consumer.stats().messages() < 1000 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        consumer.stop();
        attachment.stop();
        Stream back = omega.minibatch().stream("back");
        new DatasetSource(omega, "output").stream(back);
        List<JsonNode> rows = drain(back);
        assertThat(rows).hasSize(1000);
        for (int i = 0; i < 1000; i++) {
            assertThat(rows.get(i)).isEqualTo(Json.parseInput("{\"i\":" + i + ",\"v\":" + (i / 4.0) + "}", "expected"));
        }
    }

    @Test
    void providersAreDiscoveredUnderTheNameOmegaml() throws Exception {
        Providers providers = Providers.defaults();
        assertThat(providers.names(Providers.Kind.SOURCE)).contains("omegaml");
        assertThat(providers.names(Providers.Kind.SINK)).contains("omegaml");
        assertThatThrownBy(() -> providers.sink("omegaml", Map.of("url", url)))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("needs option 'dataset'");
        var sink = providers.sink("omegaml", Map.of("url", url, "dataset", "by-name"));
        sink.put(List.of(Map.of("k", 1)));
        sink.close();
        assertThat(omega.datasets().metadata("by-name")).isPresent();
        var source = providers.source("omegaml", Map.of("url", url, "dataset", "by-name"));
        Stream stream = omega.minibatch().stream("by-name-rows");
        source.stream(stream);
        assertThat(drain(stream)).extracting(JsonNode::toString).containsExactly("{\"k\":1}");
    }
}
