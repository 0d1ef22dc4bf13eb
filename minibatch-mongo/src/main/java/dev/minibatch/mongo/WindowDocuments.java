package dev.minibatch.mongo;

import static dev.minibatch.mongo.Documents.CREATED;
import static dev.minibatch.mongo.Documents.DATA;
import static dev.minibatch.mongo.Documents.ID;
import static dev.minibatch.mongo.Documents.LEASE_TOKEN;
import static dev.minibatch.mongo.Documents.PROCESSED;
import static dev.minibatch.mongo.Documents.QUERY;
import static dev.minibatch.mongo.Documents.STREAM;
import static dev.minibatch.mongo.Documents.date;

import com.mongodb.ErrorCategory;
import com.mongodb.MongoWriteException;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import dev.minibatch.model.Message;
import dev.minibatch.spi.store.Lease;
import dev.minibatch.spi.store.Selection;
import java.time.Instant;
import java.util.List;
import java.util.function.Consumer;
import org.bson.BsonArray;
import org.bson.BsonBoolean;
import org.bson.BsonDocument;
import org.bson.BsonObjectId;
import org.bson.BsonSerializationException;
import org.bson.BsonString;
import org.bson.types.ObjectId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Python's {@code window} documents ({@code windows=true}): one per claim, deleted when the claim
 * ends, marked {@code processed: true} on a commit with {@code keep}. With {@code windows=false}
 * every method is a no-op. Thread-safe; the caller turns driver failures into
 * {@code StoreException}s.
 */
final class WindowDocuments {

    private static final Logger LOG = LoggerFactory.getLogger(MongoStore.class); // the store's log, as before the split

    private final String url;
    /** Null when the store writes no window documents. */
    private final MongoCollection<BsonDocument> windows;
    /** Logged once: the server refused a window document's data (e.g. FerretDB's nested arrays). */
    private volatile boolean windowDataRefusalLogged;

    WindowDocuments(String url, MongoCollection<BsonDocument> windows) {
        this.url = url;
        this.windows = windows;
    }

    boolean enabled() {
        return windows != null;
    }

    /** The collection when window documents are written, else null (for the tables' recovery). */
    MongoCollection<BsonDocument> collectionOrNull() {
        return windows;
    }

    /**
     * Python's window document for a claim (§2): {@code query} is {@code []} for a claim without
     * time bounds, else {@code [from, to]} from the selection, completed from the messages' own
     * creation times where the selection leaves a bound open. A failure that retrying would not
     * mend keeps the claim with the copy omitted; any other failure goes to {@code giveBackAndThrow}.
     */
    void write(String stream, Selection selection, Lease lease, List<BsonDocument> taken, List<Message> messages,
               Consumer<RuntimeException> giveBackAndThrow) {
        if (windows == null) {
            return;
        }
        BsonArray data = new BsonArray(taken.size());
        for (BsonDocument doc : taken) {
            data.add(doc.containsKey(DATA) ? doc.get(DATA) : new BsonDocument());
        }
        BsonArray query = new BsonArray();
        if (selection.createdFrom() != null || selection.createdBefore() != null) {
            Instant from = selection.createdFrom() != null ? selection.createdFrom() : messages.get(0).created();
            Instant to = selection.createdBefore() != null ? selection.createdBefore()
                    : messages.get(messages.size() - 1).created();
            query.add(date(from));
            query.add(date(to));
        }
        BsonDocument window = new BsonDocument(ID, new BsonObjectId(new ObjectId()))
                .append(STREAM, new BsonString(stream))
                .append(CREATED, date(lease.now()))
                .append(DATA, data)
                .append(PROCESSED, BsonBoolean.FALSE)
                .append(QUERY, query)
                .append(LEASE_TOKEN, new BsonString(lease.token()));
        try {
            windows.insertOne(window);
        } catch (BsonSerializationException tooLarge) {
            // over MongoDB's 16 MiB document limit (Python would fail here): keep the claim, omit the copy
            window.put(DATA, new BsonArray());
            window.put("data_omitted", BsonBoolean.TRUE);
            LOG.debug("window of {} messages in stream '{}' is too large for one document; data omitted",
                    taken.size(), stream);
            windows.insertOne(window);
        } catch (MongoWriteException refused) {
            if (refused.getError().getCategory() != ErrorCategory.UNCATEGORIZED) {
                giveBackAndThrow.accept(refused);
            }
            // a deterministic refusal of the data (FerretDB: "nested arrays are not supported"):
            // retrying the claim would fail the same way for ever, so keep it and omit the copy
            if (!windowDataRefusalLogged) {
                windowDataRefusalLogged = true;
                LOG.warn("MongoDB store {}: the server refused a window document's data ({}); such windows are written"
                        + " with data: [] and data_omitted: true", url, MongoConnection.shorten(refused.getError().getMessage()));
            }
            window.put(DATA, new BsonArray());
            window.put("data_omitted", BsonBoolean.TRUE);
            try {
                windows.insertOne(window);
            } catch (RuntimeException e) {
                giveBackAndThrow.accept(e);
            }
        } catch (RuntimeException e) {
            giveBackAndThrow.accept(e);
        }
    }

    /** The claim ended without {@code keep} (commit, release, dead letter, recovery): its window document goes. */
    void delete(String token) {
        if (windows != null) {
            windows.deleteMany(Filters.eq(LEASE_TOKEN, token));
        }
    }

    /** A commit with {@code keep}: Python's processed window. */
    void keep(String token) {
        if (windows != null) {
            windows.updateMany(Filters.eq(LEASE_TOKEN, token),
                    Updates.combine(Updates.set(PROCESSED, true), Updates.unset(LEASE_TOKEN)));
        }
    }
}
