package dev.minibatch.mongo;

import static dev.minibatch.mongo.Documents.CREATED;
import static dev.minibatch.mongo.Documents.DEFAULT_INTERVAL_SECONDS;
import static dev.minibatch.mongo.Documents.ID;
import static dev.minibatch.mongo.Documents.INTERVAL;
import static dev.minibatch.mongo.Documents.LAST_READ;
import static dev.minibatch.mongo.Documents.NAME;
import static dev.minibatch.mongo.Documents.STATUS;
import static dev.minibatch.mongo.Documents.date;
import static dev.minibatch.mongo.Documents.instant;

import com.mongodb.ErrorCategory;
import com.mongodb.MongoWriteException;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Sorts;
import com.mongodb.client.model.UpdateOptions;
import dev.minibatch.internal.Names;
import dev.minibatch.model.StoreException;
import dev.minibatch.model.StreamInfo;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonString;
import org.bson.BsonValue;

/**
 * The {@code stream} collection: Python's stream documents, created by upsert on the unique
 * {@code name} and read tolerantly. Remembers which streams this store already made sure of, so
 * an append costs no extra command. Thread-safe; the caller turns driver failures into
 * {@code StoreException}s.
 */
final class StreamCatalog {

    private final String url;
    private final MongoCollection<BsonDocument> streams;
    private final Set<String> knownStreams = ConcurrentHashMap.newKeySet();

    StreamCatalog(String url, MongoCollection<BsonDocument> streams) {
        this.url = url;
        this.streams = streams;
    }

    MongoCollection<BsonDocument> collection() {
        return streams;
    }

    StreamInfo open(String name, Duration interval, Instant now) {
        ensure(name, interval, now, true);
        return find(name).orElseThrow(() -> new StoreException("MongoDB store " + url + ": stream '" + name
                + "' vanished right after it was created"));
    }

    /** Creates the stream document by upsert on {@code name} (PYTHON-INTEROP.md §10.3); {@code force}: even if known here. */
    void ensure(String name, Duration interval, Instant now, boolean force) {
        if (!force && knownStreams.contains(name)) {
            return;
        }
        Names.checkStreamName(name);
        BsonDocument onInsert = new BsonDocument(STATUS, new BsonString("open"))
                .append(CREATED, date(now))
                .append(INTERVAL, new BsonInt32(intervalSeconds(interval)))
                .append(LAST_READ, date(now));
        try {
            streams.updateOne(Filters.eq(NAME, name), new BsonDocument("$setOnInsert", onInsert),
                    new UpdateOptions().upsert(true));
        } catch (MongoWriteException | org.bson.BsonInvalidOperationException e) {
            // two creators raced on the unique name index: the other one created it. MongoDB says
            // duplicate key; FerretDB answers the loser without 'n', which the driver cannot parse
            boolean duplicate = e instanceof MongoWriteException w && w.getError().getCategory() == ErrorCategory.DUPLICATE_KEY;
            if (!duplicate && streams.find(Filters.eq(NAME, name)).first() == null) {
                throw e;
            }
        }
        knownStreams.add(name);
    }

    /** Python stores whole seconds (Int32); sub-second intervals round up to 1 s. */
    static int intervalSeconds(Duration interval) {
        if (interval == null) {
            return DEFAULT_INTERVAL_SECONDS;
        }
        long seconds = interval.getSeconds();
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, seconds));
    }

    Optional<StreamInfo> find(String name) {
        BsonDocument doc = streams.find(Filters.eq(NAME, name)).first();
        return doc == null ? Optional.empty() : Optional.of(streamInfo(doc));
    }

    List<StreamInfo> list() {
        List<StreamInfo> out = new ArrayList<>();
        for (BsonDocument doc : streams.find().sort(Sorts.ascending(NAME))) {
            if (doc.isString(NAME)) {
                out.add(streamInfo(doc));
            }
        }
        return out;
    }

    /** Reads a stream document tolerantly: Python may lack optional fields or use other number types. */
    private static StreamInfo streamInfo(BsonDocument doc) {
        String name = doc.getString(NAME).getValue();
        String status = doc.isString(STATUS) ? doc.getString(STATUS).getValue() : "open";
        Instant created = instant(doc.get(CREATED));
        if (created == null) {
            created = doc.isObjectId(ID) ? Instant.ofEpochSecond(doc.getObjectId(ID).getValue().getTimestamp()) : Instant.EPOCH;
        }
        BsonValue interval = doc.get(INTERVAL);
        long seconds = interval != null && interval.isNumber() ? (long) interval.asNumber().doubleValue() : DEFAULT_INTERVAL_SECONDS;
        return new StreamInfo(name, status, created, Duration.ofSeconds(seconds), instant(doc.get(LAST_READ)), null);
    }
}
