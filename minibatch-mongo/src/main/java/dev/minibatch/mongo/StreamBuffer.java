package dev.minibatch.mongo;

import static dev.minibatch.mongo.Documents.ORDER;
import static dev.minibatch.mongo.Documents.addSelection;
import static dev.minibatch.mongo.Documents.instantOrEpoch;
import static dev.minibatch.mongo.Documents.stateFilter;
import static dev.minibatch.mongo.Documents.AVAILABLE_AT;
import static dev.minibatch.mongo.Documents.CREATED;
import static dev.minibatch.mongo.Documents.DEFAULT_INTERVAL_SECONDS;
import static dev.minibatch.mongo.Documents.ID;
import static dev.minibatch.mongo.Documents.KEY;
import static dev.minibatch.mongo.Documents.LEASE_TOKEN;
import static dev.minibatch.mongo.Documents.PROCESSED;
import static dev.minibatch.mongo.Documents.STREAM;
import static dev.minibatch.mongo.Documents.date;
import static dev.minibatch.mongo.Documents.instant;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Accumulators;
import com.mongodb.client.model.Aggregates;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.InsertManyOptions;
import com.mongodb.client.model.Projections;
import com.mongodb.client.model.Sorts;
import dev.minibatch.model.Message;
import dev.minibatch.model.MessageState;
import dev.minibatch.model.StreamStats;
import dev.minibatch.spi.store.KeyedStore.KeyCount;
import dev.minibatch.spi.store.NewMessage;
import dev.minibatch.spi.store.Selection;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.bson.BsonDocument;
import org.bson.BsonValue;
import org.bson.conversions.Bson;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything on the {@code buffer} collection but claims: appends (plain, or idempotent for stage
 * outputs), reads by state and selection, counts by key, stats and housekeeping deletes. An append
 * tells the claims' candidate cache, so this store's next claim reads afresh. Thread-safe; the
 * caller turns driver failures into {@code StoreException}s.
 */
final class StreamBuffer {

    private static final Logger LOG = LoggerFactory.getLogger(MongoStore.class);

    private final String url;
    private final MongoCollection<BsonDocument> buffer;
    private final StreamCatalog catalog;
    private final CandidateCache candidates;
    /** False once the server refused to group by key (FerretDB 1.x): then keys are counted here. */
    private volatile boolean groupByKeyOnServer = true;

    StreamBuffer(String url, MongoCollection<BsonDocument> buffer, StreamCatalog catalog, CandidateCache candidates) {
        this.url = url;
        this.buffer = buffer;
        this.catalog = catalog;
        this.candidates = candidates;
    }

    /** The documents are built by the caller (before its driver call), so a bad value fails before any write. */
    void append(String stream, List<NewMessage> messages, List<BsonDocument> docs) {
        catalog.ensure(stream, Duration.ofSeconds(DEFAULT_INTERVAL_SECONDS), messages.get(0).created(), false);
        if (IdempotentAppends.any(messages)) {
            IdempotentAppends.insert(buffer, stream, docs, messages); // stage outputs: ids from their inputs
        } else {
            buffer.insertMany(docs, new InsertManyOptions().ordered(true));
        }
        candidates.changed(stream);
    }

    List<Message> read(String stream, Selection selection, List<MessageState> wanted) {
        List<Bson> stateFilters = new ArrayList<>();
        for (MessageState state : new java.util.LinkedHashSet<>(wanted)) {
            stateFilters.add(stateFilter(state));
        }
        List<Bson> filters = new ArrayList<>();
        filters.add(Filters.eq(STREAM, stream));
        filters.add(stateFilters.size() == 1 ? stateFilters.get(0) : Filters.or(stateFilters));
        addSelection(filters, selection);
        List<Message> out = new ArrayList<>();
        for (BsonDocument doc : buffer.find(Filters.and(filters)).sort(ORDER).limit(selection.limit())) {
            out.add(Documents.message(doc, stream, null));
        }
        return out;
    }

    /** One aggregation: pending and available messages grouped by key, oldest key first. */
    List<KeyCount> pendingByKey(String stream, Selection selection, Instant now) {
        List<Bson> match = new ArrayList<>();
        match.add(Filters.eq(STREAM, stream));
        match.add(Filters.eq(PROCESSED, false));
        match.add(Filters.not(Filters.gt(AVAILABLE_AT, date(now))));
        addSelection(match, new Selection(selection.createdFrom(), selection.createdBefore(), 0, 0, null));
        List<KeyCount> out = new ArrayList<>();
        if (groupByKeyOnServer) {
            // sorted first, so $first is each key's oldest ($min is missing on FerretDB 1.x)
            List<Bson> pipeline = List.of(
                    Aggregates.match(Filters.and(match)),
                    Aggregates.sort(ORDER),
                    Aggregates.group("$" + KEY, Accumulators.sum("count", 1), Accumulators.first("oldest", "$" + CREATED)),
                    Aggregates.sort(Sorts.ascending("oldest", ID)));
            try {
                for (BsonDocument d : buffer.aggregate(pipeline, BsonDocument.class)) {
                    BsonValue key = d.get(ID);
                    out.add(new KeyCount(key != null && key.isString() ? key.asString().getValue() : null,
                            d.get("count").asNumber().longValue(), instantOrEpoch(d.get("oldest"))));
                }
                return out;
            } catch (com.mongodb.MongoCommandException e) {
                if (e.getErrorCode() != 238) { // NotImplemented: group here instead, from now on
                    throw e;
                }
                LOG.info("MongoDB store {}: the server cannot group by key ({}); counting keys in the client", url,
                        e.getErrorMessage());
                groupByKeyOnServer = false;
                out.clear();
            }
        }
        java.util.LinkedHashMap<String, long[]> counts = new java.util.LinkedHashMap<>();
        java.util.Map<String, Instant> oldest = new java.util.HashMap<>();
        for (BsonDocument d : buffer.find(Filters.and(match)).sort(ORDER).projection(Projections.include(KEY, CREATED))) {
            String key = d.isString(KEY) ? d.getString(KEY).getValue() : null;
            counts.computeIfAbsent(key, k -> new long[1])[0]++;
            oldest.putIfAbsent(key, instantOrEpoch(d.get(CREATED)));
        }
        counts.forEach((key, n) -> out.add(new KeyCount(key, n[0], oldest.get(key))));
        return out;
    }

    StreamStats stats(String stream) {
        long pending = buffer.countDocuments(Filters.and(Filters.eq(STREAM, stream), stateFilter(MessageState.PENDING)));
        long claimed = buffer.countDocuments(Filters.and(Filters.eq(STREAM, stream), stateFilter(MessageState.CLAIMED)));
        long done = buffer.countDocuments(Filters.and(Filters.eq(STREAM, stream), stateFilter(MessageState.DONE)));
        BsonDocument newest = buffer.find(Filters.eq(STREAM, stream)).sort(Sorts.descending(CREATED))
                .projection(Projections.include(CREATED)).limit(1).first();
        return new StreamStats(pending, claimed, done, newest == null ? null : instant(newest.get(CREATED)));
    }

    int expire(String stream, Instant cutoff) {
        return (int) buffer.deleteMany(Filters.and(
                Filters.eq(STREAM, stream), Filters.lt(CREATED, date(cutoff)), notLiveClaimed())).getDeletedCount();
    }

    int clear(String stream) {
        return (int) buffer.deleteMany(Filters.and(Filters.eq(STREAM, stream), notLiveClaimed())).getDeletedCount();
    }

    /** PENDING or DONE: messages in a window are left alone. */
    private static Bson notLiveClaimed() {
        return Filters.or(Filters.eq(PROCESSED, false), Filters.exists(LEASE_TOKEN, false));
    }
}
