package dev.minibatch.mongo;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.IndexOptions;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.bson.BsonDocument;

/**
 * Creates indexes that are missing, one {@code createIndex} per index, after one
 * {@code listIndexes}: FerretDB 1.24 drops the connection when one {@code createIndexes} names two
 * or more indexes that exist already, and MongoDB 4.4+ and the emulator accept this form too. A
 * reopen of an indexed database costs one {@code listIndexes} per collection and nothing else.
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
                ? new org.bson.BsonInt32(direction.asNumber().intValue()) : direction));
        return out;
    }
}
