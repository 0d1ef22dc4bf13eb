package dev.minibatch.mongo;

import static dev.minibatch.mongo.Documents.CREATED;
import static dev.minibatch.mongo.Documents.ID;
import static dev.minibatch.mongo.Documents.KEY;
import static dev.minibatch.mongo.Documents.LEASE_TOKEN;
import static dev.minibatch.mongo.Documents.LEASE_UNTIL;
import static dev.minibatch.mongo.Documents.NAME;
import static dev.minibatch.mongo.Documents.PROCESSED;
import static dev.minibatch.mongo.Documents.STREAM;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.IndexOptions;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.bson.BsonDocument;
import org.bson.BsonInt32;

/**
 * Creates indexes that are missing, one {@code createIndex} per index, after one
 * {@code listIndexes}: FerretDB 1.24 drops the connection when one {@code createIndexes} names two
 * or more indexes that exist already, and MongoDB 4.4+ and the emulator accept this form too. A
 * reopen of an indexed database costs one {@code listIndexes} per collection and nothing else.
 * Stateless; safe from any thread.
 */
final class StoreIndexes {

    /** An index: key pattern and options. */
    record Index(BsonDocument keys, IndexOptions options) {
        Index(BsonDocument keys) {
            this(keys, new IndexOptions());
        }
    }

    private StoreIndexes() {
    }

    /**
     * The store's indexes: Python's with identical keys and options (PYTHON-INTEROP.md §2), plus
     * Java's with distinct key patterns: claims (pending, oldest first), token lookups, lease expiry
     * scans, then the claim protocol's own. Driver-default names, so creating them again — from Java
     * or Python — is a no-op. On a server that uses no secondary index
     * ({@link ServerKind#secondaryIndexesUsed()}: FerretDB 1.24 with SQLite) only the unique one is
     * made: the others would cost every append their upkeep and serve no read (Python creates its
     * own when it first opens the database).
     */
    static void ensureStore(MongoCollection<BsonDocument> streams, MongoCollection<BsonDocument> buffer,
                            MongoCollection<BsonDocument> windows, boolean secondaryIndexesUsed, ClaimProtocol claims) {
        Index uniqueName = new Index(new BsonDocument(NAME, new BsonInt32(1)), new IndexOptions().unique(true));
        if (!secondaryIndexesUsed) {
            ensure(streams, List.of(uniqueName));
            return;
        }
        ensure(streams, List.of(new Index(new BsonDocument(CREATED, new BsonInt32(1))), uniqueName));
        ensure(buffer, List.of(
                new Index(new BsonDocument(CREATED, new BsonInt32(1))),
                new Index(new BsonDocument(STREAM, new BsonInt32(1))),
                new Index(new BsonDocument(STREAM, new BsonInt32(1)).append(PROCESSED, new BsonInt32(1))
                        .append(CREATED, new BsonInt32(1)).append(ID, new BsonInt32(1))),
                new Index(new BsonDocument(LEASE_TOKEN, new BsonInt32(1)), new IndexOptions().sparse(true)),
                new Index(new BsonDocument(LEASE_UNTIL, new BsonInt32(1)), new IndexOptions().sparse(true)),
                // keyed claims; sparse, so unkeyed (and Python's) documents cost no entry (FerretDB has no
                // partial indexes, and a sparse compound index would hold every document)
                new Index(new BsonDocument(KEY, new BsonInt32(1)), new IndexOptions().sparse(true))));
        ensure(windows, List.of(
                new Index(new BsonDocument(CREATED, new BsonInt32(1))),
                new Index(new BsonDocument(STREAM, new BsonInt32(1))),
                new Index(new BsonDocument(LEASE_TOKEN, new BsonInt32(1)), new IndexOptions().sparse(true))));
        claims.createIndexes();
    }

    static void ensure(MongoCollection<BsonDocument> collection, List<Index> indexes) {
        Set<BsonDocument> existing = new HashSet<>();
        // the driver answers an empty list for a collection that does not exist yet
        for (BsonDocument index : collection.listIndexes(BsonDocument.class)) {
            if (index.isDocument("key")) {
                existing.add(normalized(index.getDocument("key")));
            }
        }
        for (Index index : indexes) {
            if (!existing.contains(normalized(index.keys()))) {
                collection.createIndex(index.keys(), index.options());
            }
        }
    }

    /** Key patterns compare by field order and direction; 1, 1L and 1.0 are the same direction. */
    private static BsonDocument normalized(BsonDocument keys) {
        BsonDocument out = new BsonDocument();
        keys.forEach((field, direction) -> out.append(field, direction.isNumber()
                ? new BsonInt32(direction.asNumber().intValue()) : direction));
        return out;
    }
}
