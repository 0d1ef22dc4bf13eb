package dev.minibatch.mongo;

import com.mongodb.client.MongoDatabase;
import org.bson.BsonDocument;
import org.bson.BsonInt32;

/**
 * Tells servers apart by their {@code buildInfo} reply, for {@link MongoStoreOptions.ClaimMode#AUTO}:
 * FerretDB adds {@code ferretdbVersion} (1.24.2 answers {@code version: "7.0.42"},
 * {@code ferretdbVersion: "v1.24.2"}), and its update filters are not atomic under concurrency.
 * MongoDB and the emulator answer without it.
 */
final class ServerKind {

    private ServerKind() {
    }

    /** One {@code buildInfo} command. */
    static MongoStoreOptions.ClaimMode claimModeFor(MongoDatabase database) {
        BsonDocument info = database.runCommand(new BsonDocument("buildInfo", new BsonInt32(1)), BsonDocument.class);
        return info.containsKey("ferretdbVersion") ? MongoStoreOptions.ClaimMode.LOCKS : MongoStoreOptions.ClaimMode.UPDATE;
    }
}
