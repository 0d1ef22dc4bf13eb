package dev.minibatch.mongo;

import static dev.minibatch.mongo.Documents.ID;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Sorts;
import dev.minibatch.spi.store.CommitEffects;
import dev.minibatch.model.TableEntry;
import dev.minibatch.model.TableInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.bson.BsonDocument;
import org.bson.BsonValue;

/**
 * How the MongoDB store keeps tables without transactions: {@link MongoTables} with guarded-update
 * claims, {@link LockTables} with lock claims (FerretDB). Both share the documents of
 * {@code minibatch_table_entries} and {@code minibatch_tables}, so the queries read either.
 * Implementations are thread-safe and hold no resources of their own (the store's client).
 */
interface TableProtocol {

    /**
     * A window's commit with its table state ({@link dev.minibatch.spi.store.TableStore#commitWithState}).
     *
     * @param ids the ids the claim took, when this store made it (else null: found by the token)
     */
    int commit(String stream, String token, boolean keep, int expected, CommitEffects effects, List<BsonValue> ids);

    Optional<TableEntry> entry(String table, String key);

    List<TableEntry> entries(String table, String afterKey, int limit);

    /** The {@code minibatch_tables} collection: one document per table. */
    MongoCollection<BsonDocument> tables();

    /** A table's figures from its {@code minibatch_tables} document, as this protocol keeps them. */
    TableInfo info(BsonDocument meta);

    default Optional<TableInfo> info(String table) {
        BsonDocument meta = tables().find(Filters.eq(ID, table)).first();
        return meta == null ? Optional.empty() : Optional.of(info(meta));
    }

    default List<TableInfo> list() {
        List<TableInfo> out = new ArrayList<>();
        for (BsonDocument meta : tables().find().sort(Sorts.ascending(ID))) {
            out.add(info(meta));
        }
        return out;
    }

    long clear(String table);

    boolean drop(String table);
}
