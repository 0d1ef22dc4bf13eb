package dev.minibatch.omegaml;

import static org.assertj.core.api.Assertions.assertThat;

import dev.minibatch.mongo.TestMongo;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bson.BsonDocument;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Metadata upserts on FerretDB, which copies no equality field out of an {@code $and} filter into
 * an upserted document: the stream's and the dataset's metadata must carry name, bucket and prefix,
 * exist once, and a second {@code put} must find the first one's document.
 */
class FerretDbMetadataTest {

    static TestMongo ferretDb;

    @BeforeAll
    static void start() {
        ferretDb = TestMongo.startFerretDb();
    }

    @AfterAll
    static void stop() {
        ferretDb.close();
    }

    @Test
    void streamAndDatasetMetadataAreUpsertedWithTheirNames() {
        try (Omega omega = Omega.connect(ferretDb.url(TestMongo.freshDatabase("omega_meta")))) {
            omega.streams().put(Map.of("n", 1), "events");
            omega.streams().put(Map.of("n", 2), "events");
            new DatasetSink(omega, "rows").put(Map.of("n", 1));
            new DatasetSink(omega, "rows").put(Map.of("n", 2));
            List<BsonDocument> metadata = omega.database().getCollection("metadata", BsonDocument.class).find()
                    .into(new ArrayList<>());
            assertThat(metadata).as("one document per object, no orphans").hasSize(2);
            for (BsonDocument doc : metadata) {
                assertThat(doc.containsKey("name") && doc.containsKey("bucket") && doc.containsKey("prefix"))
                        .as("name, bucket and prefix in %s", doc.toJson()).isTrue();
            }
            assertThat(omega.minibatch().stream("omegaml.streams/.events.stream").buffer()).hasSize(2);
            assertThat(omega.database().getCollection(omega.datasets().collection("rows")).countDocuments()).isEqualTo(2);
        }
    }
}
