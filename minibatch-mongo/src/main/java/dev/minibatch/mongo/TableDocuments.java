package dev.minibatch.mongo;

import static dev.minibatch.mongo.Documents.STREAM;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.InsertManyOptions;
import com.mongodb.client.model.Sorts;
import dev.minibatch.model.TableEntry;
import dev.minibatch.spi.store.CommitEffects;
import dev.minibatch.spi.store.NewMessage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.bson.BsonDocument;
import org.bson.BsonString;
import org.bson.conversions.Bson;

/**
 * What both table protocols ({@link MongoTables}, {@link LockTables}) do alike on the documents
 * they share: page a table's entries by key, and write or delete a window's stage outputs hidden
 * under {@link MongoTables#hiddenOutput}. Stateless; static methods only, safe from any thread.
 */
final class TableDocuments {

    private TableDocuments() {
    }

    /**
     * Up to {@code limit} entries after {@code afterKey}, by key: pages of entry documents matching
     * {@code filter} (plus the key bound), each resolved by {@code current} to the document holding
     * its value, or null to skip it; another page is read only while skipped ones left room.
     */
    static List<TableEntry> page(MongoCollection<BsonDocument> entries, Bson filter, UnaryOperator<BsonDocument> current,
                                 String afterKey, int limit) {
        List<TableEntry> out = new ArrayList<>();
        String after = afterKey;
        while (out.size() < limit) {
            Bson page = after == null ? filter : Filters.and(filter, Filters.gt("key", after));
            List<BsonDocument> heads = entries.find(page).sort(Sorts.ascending("key")).limit(limit).into(new ArrayList<>());
            for (BsonDocument head : heads) {
                BsonDocument doc = current.apply(head);
                if (doc != null && out.size() < limit) {
                    out.add(MongoTables.entry(doc));
                }
                after = head.getString("key").getValue();
            }
            if (heads.size() < limit) {
                break;
            }
        }
        return out;
    }

    /**
     * A window's stage outputs, inserted under a hidden stream name ({@code <out>output}) and
     * marked with the window, so no consumer sees them before the window is decided.
     */
    static void writeHiddenOutputs(MongoStore store, MongoCollection<BsonDocument> buffer, String token,
                                   CommitEffects effects) {
        for (Map.Entry<String, List<NewMessage>> a : effects.appends().entrySet()) {
            if (a.getValue().isEmpty()) {
                continue;
            }
            store.openStream(a.getKey(), Duration.ofSeconds(Documents.DEFAULT_INTERVAL_SECONDS), a.getValue().get(0).created());
            List<BsonDocument> docs = new ArrayList<>(a.getValue().size());
            for (NewMessage m : a.getValue()) {
                docs.add(Documents.newMessageDocument(MongoTables.hiddenOutput(a.getKey()), m)
                        .append(MongoTables.TABLE_WINDOW, new BsonString(token)));
            }
            buffer.insertMany(docs, new InsertManyOptions().ordered(true));
        }
    }

    /** The window's hidden outputs in these output streams, deleted (the window will be retried). */
    static void deleteHiddenOutputs(MongoCollection<BsonDocument> buffer, String token, Collection<String> outputStreams) {
        if (!outputStreams.isEmpty()) {
            buffer.deleteMany(Filters.and(Filters.in(STREAM, outputStreams.stream().map(MongoTables::hiddenOutput).toList()),
                    Filters.eq(MongoTables.TABLE_WINDOW, token)));
        }
    }
}
