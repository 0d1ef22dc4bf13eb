package dev.minibatch.mongo;

import com.mongodb.MongoException;
import com.mongodb.client.MongoDatabase;
import org.bson.BsonDocument;
import org.bson.BsonInvalidOperationException;
import org.bson.BsonInt32;
import org.bson.BsonString;

/**
 * What the store needs to know of the server, told apart by its {@code buildInfo} reply and, for
 * FerretDB, one {@code explain}:
 * <ul>
 *   <li>{@link #claimMode()} for {@link MongoStoreOptions.ClaimMode#AUTO}: FerretDB adds
 *       {@code ferretdbVersion} (1.24.2 answers {@code version: "7.0.42"},
 *       {@code ferretdbVersion: "v1.24.2"}), and its update filters are not atomic under concurrency;
 *       MongoDB and the emulator answer without it.</li>
 *   <li>{@link #secondaryIndexesUsed()}: whether a filter on a field other than {@code _id} reaches
 *       the server's storage at all. FerretDB 1.24's SQLite backend answers {@code filterPushdown:
 *       false} for {@code {stream: "…"}}: it reads and decodes every document, whatever indexes
 *       exist, so a secondary index there only costs every write its upkeep.</li>
 * </ul>
 */
record ServerKind(boolean ferretDb, boolean secondaryIndexesUsed) {

    /** One {@code buildInfo}; on FerretDB also one {@code explain} of a find on {@code collection}. */
    static ServerKind of(MongoDatabase database, String collection) {
        BsonDocument info = database.runCommand(new BsonDocument("buildInfo", new BsonInt32(1)), BsonDocument.class);
        if (!info.containsKey("ferretdbVersion")) {
            return new ServerKind(false, true);
        }
        try {
            BsonDocument explained = database.runCommand(new BsonDocument("explain", new BsonDocument("find",
                    new BsonString(collection)).append("filter", new BsonDocument(Documents.STREAM, new BsonString("-")))),
                    BsonDocument.class);
            boolean pushed = !explained.containsKey("filterPushdown") || explained.getBoolean("filterPushdown").getValue();
            return new ServerKind(true, pushed);
        } catch (MongoException | BsonInvalidOperationException e) {
            return new ServerKind(true, true); // cannot tell: keep the indexes
        }
    }

    MongoStoreOptions.ClaimMode claimMode() {
        return ferretDb ? MongoStoreOptions.ClaimMode.LOCKS : MongoStoreOptions.ClaimMode.UPDATE;
    }
}
