package dev.minibatch.mongo;

import dev.minibatch.spi.connector.StreamWriter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.mongodb.MongoException;
import com.mongodb.client.ChangeStreamIterable;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoCursor;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Aggregates;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Sorts;
import com.mongodb.client.model.UpdateOptions;
import com.mongodb.client.model.Updates;
import dev.minibatch.model.ConfigurationException;
import dev.minibatch.model.InvalidMessageException;
import dev.minibatch.model.StoreException;
import dev.minibatch.internal.Json;
import dev.minibatch.spi.connector.Source;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.bson.BsonDocument;
import org.bson.BsonValue;
import org.bson.conversions.Bson;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A MongoDB collection as a source: appends every inserted document to the stream, as JSON
 * ({@link BsonJson}: ObjectIds become {@code {"$oid": …}}, dates {@code {"$date": …}}, so a MongoDB
 * store or {@link MongoSink} writes them back as the same BSON types).
 *
 * <p><b>Resume.</b> Unlike Python's MongoSource, which replays the collection from the start on
 * every start, the last appended document's id (and, with change streams, the resume token) is
 * saved after each append returned, in the collection {@code minibatch_source_offsets} of the
 * source's database under an offset key (default {@code <db>.<collection>-><stream>}). A restart
 * resumes after it. At least once: a crash between an append and its offset write appends that
 * batch again.
 *
 * <p><b>Change streams or polling.</b> Where the server supports change streams (replica sets,
 * sharded clusters) the source watches inserts; a first start or a lost resume token catches up
 * by polling first, with the change stream already open so nothing inserted meanwhile is missed.
 * Elsewhere (a standalone server) it polls {@code find({idField: {$gt: last}}).sort({idField: 1})}
 * every {@code pollInterval}, as Python does. Polling relies on ids that grow in insertion order:
 * ObjectIds from one writer do; with several writers, one that inserts a smaller id after a larger
 * one was read is skipped (a Python limitation too) — prefer change streams or a monotonic id
 * field there.
 *
 * <p><b>Threading and lifecycle.</b> One instance feeds one stream once: {@link #stream(StreamWriter)} runs
 * on the attachment's thread until {@link #cancel()} (from any thread, after which the instance is
 * spent; build a new one to attach again) or an error; it opens its own client from the URL and closes
 * it when it returns (a client passed in stays the caller's). An error (server unreachable, store
 * failing) ends {@code stream} with the exception; attaching again resumes from the saved offset.
 * A document too large or otherwise refused by the stream is put in the stream's dead-letter
 * stream as {@code {"collection", "_id"}} with the reason, and the source goes on.
 */
public final class MongoSource implements Source {

    /** Whether to use change streams. */
    public enum ChangeStreams {
        /** Use them where the server supports them, else poll (default). */
        AUTO,
        /** Require them: fail if the server does not support them. */
        ON,
        /** Always poll. */
        OFF
    }

    /** Default offsets collection, in the source collection's database. */
    public static final String DEFAULT_OFFSETS_COLLECTION = "minibatch_source_offsets";

    private static final Logger LOG = LoggerFactory.getLogger(MongoSource.class);
    private static final String ID = "_id";
    private static final String LAST_ID = "last_id";
    private static final String RESUME_TOKEN = "resume_token";

    private final MongoConnection.Target target;
    private final MongoClient givenClient;
    private final String database;
    private final String collection;
    private final String idField;
    private final int batchSize;
    private final Duration pollInterval;
    private final ChangeStreams changeStreams;
    private final String offsetKey;
    private final String offsetsCollection;
    private final boolean startAtEnd;
    private final CountDownLatch cancelled = new CountDownLatch(1);
    private volatile String mode = "not started";

    private MongoSource(Builder b) {
        this.target = b.target;
        this.givenClient = b.client;
        this.database = b.target != null ? b.target.database() : b.database;
        this.collection = b.collection;
        this.idField = b.idField;
        this.batchSize = b.batchSize;
        this.pollInterval = b.pollInterval;
        this.changeStreams = b.changeStreams;
        this.offsetKey = b.offsetKey;
        this.offsetsCollection = b.offsetsCollection;
        this.startAtEnd = b.startAtEnd;
    }

    /**
     * A source reading {@code collection} in the URL's database ({@code mongodb://host/db}).
     *
     * @throws ConfigurationException if the URL is not a MongoDB URL with a database
     */
    public static Builder builder(String url, String collection) {
        return builder(url, null, collection);
    }

    /** A source reading {@code database.collection} ({@code database} null = the URL's). */
    public static Builder builder(String url, String database, String collection) {
        return builderFor(MongoConnection.parse(url, "MongoDB source", MongoStoreProvider.OPTIONS, database), collection);
    }

    static Builder builderFor(MongoConnection.Target target, String collection) {
        return new Builder(target, null, null, collection);
    }

    /** A source on a client you manage (it is not closed by the source). */
    public static Builder builder(MongoClient client, String database, String collection) {
        return new Builder(null, Objects.requireNonNull(client, "client"), Objects.requireNonNull(database, "database"),
                collection);
    }

    /** {@code "change stream"} or {@code "polling"} once running; for diagnostics and tests. */
    public String mode() {
        return mode;
    }

    /** The offset key used for {@code stream}. */
    public String offsetKey(String stream) {
        return offsetKey != null ? offsetKey : database + "." + collection + "->" + stream;
    }

    @Override
    public void stream(StreamWriter stream) throws Exception {
        MongoClient client = givenClient != null ? givenClient : MongoConnection.open(target, "MongoDB source");
        try {
            MongoDatabase db = client.getDatabase(database);
            MongoCollection<BsonDocument> source = db.getCollection(collection, BsonDocument.class);
            Offsets offsets = new Offsets(db.getCollection(offsetsCollection, BsonDocument.class), offsetKey(stream.name()),
                    database + "." + collection);
            BsonDocument saved = offsets.load();
            BsonValue last = saved == null ? null : saved.get(LAST_ID);
            BsonDocument token = saved != null && saved.isDocument(RESUME_TOKEN) ? saved.getDocument(RESUME_TOKEN) : null;
            if (saved == null && startAtEnd) {
                BsonDocument newest = source.find().sort(Sorts.descending(idField)).limit(1).first();
                last = newest == null ? null : newest.get(idField);
                if (last != null) {
                    offsets.save(last, null);
                }
            }
            if (changeStreams != ChangeStreams.OFF) {
                MongoCursor<BsonDocument> cursor = openChangeStream(source, token);
                if (cursor == null && token != null) {
                    token = null; // the token is gone (e.g. rolled out of the oplog): catch up from last_id
                    cursor = openChangeStream(source, null);
                }
                if (cursor != null) {
                    mode = "change stream";
                    try {
                        runChangeStream(stream, source, offsets, cursor, last, token == null);
                    } finally {
                        cursor.close();
                    }
                    return;
                }
            }
            mode = "polling";
            poll(stream, source, offsets, last, false, null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // stopped while waiting: a normal end
        } catch (MongoException e) {
            if (isCancelled()) {
                return;
            }
            throw new StoreException("MongoDB source " + database + "." + collection + (target != null ? " at "
                    + target.hosts() : "") + ": " + MongoConnection.shorten(e.getMessage()), e);
        } finally {
            if (givenClient == null) {
                client.close();
            }
        }
    }

    /** Opens an insert change stream, or returns null where the server has none (AUTO) or the token is lost. */
    private MongoCursor<BsonDocument> openChangeStream(MongoCollection<BsonDocument> source, BsonDocument token) {
        ChangeStreamIterable<BsonDocument> watch = source.watch(
                        List.of(Aggregates.match(Filters.in("operationType", List.of("insert")))), BsonDocument.class)
                .maxAwaitTime(pollInterval.toMillis(), TimeUnit.MILLISECONDS);
        if (token != null) {
            watch = watch.resumeAfter(token);
        }
        try {
            return watch.withDocumentClass(BsonDocument.class).cursor();
        } catch (MongoException e) {
            if (token != null) {
                LOG.info("MongoDB source {}.{}: cannot resume the change stream ({}); catching up by id",
                        database, collection, MongoConnection.shorten(e.getMessage()));
                return null;
            }
            if (changeStreams == ChangeStreams.ON) {
                throw new StoreException("MongoDB source " + database + "." + collection
                        + ": change streams are required (changeStream=true) but the server refused them: "
                        + MongoConnection.shorten(e.getMessage()), e);
            }
            LOG.info("MongoDB source {}.{}: no change streams here ({}); polling every {} ms", database, collection,
                    MongoConnection.shorten(e.getMessage()), pollInterval.toMillis());
            return null;
        }
    }

    private void runChangeStream(StreamWriter stream, MongoCollection<BsonDocument> source, Offsets offsets,
                                 MongoCursor<BsonDocument> cursor, BsonValue last, boolean catchUp)
            throws InterruptedException {
        // documents inserted while catching up show up both in the poll and as events: skip the repeats
        Set<BsonValue> caughtUp = new HashSet<>();
        BsonValue position = last;
        if (catchUp) {
            position = poll(stream, source, offsets, last, true, caughtUp);
        }
        while (!isCancelled()) {
            long started = System.nanoTime();
            List<BsonDocument> events = new ArrayList<>();
            BsonDocument event;
            while (events.size() < batchSize && (event = cursor.tryNext()) != null) {
                events.add(event);
            }
            if (events.isEmpty()) {
                caughtUp.clear(); // the stream is drained: every catch-up insert has been seen
                long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
                if (waited < pollInterval.toMillis() / 2) {
                    cancelled.await(pollInterval.toMillis() - waited, TimeUnit.MILLISECONDS);
                }
                continue;
            }
            List<BsonDocument> docs = new ArrayList<>();
            BsonDocument token = null;
            for (BsonDocument e : events) {
                token = e.getDocument(ID, token);
                BsonDocument doc = e.isDocument("fullDocument") ? e.getDocument("fullDocument") : null;
                if (doc == null || caughtUp.remove(doc.get(idField))) {
                    continue;
                }
                docs.add(doc);
                BsonValue id = doc.get(idField);
                if (id != null && (position == null || compare(id, position) > 0)) {
                    position = id;
                }
            }
            append(stream, docs);
            offsets.save(position, token);
        }
    }

    /**
     * Appends documents with ids above {@code last}, batch by batch; returns the new position. With
     * {@code untilCaughtUp} it returns at the first empty batch, else it runs until cancelled.
     */
    private BsonValue poll(StreamWriter stream, MongoCollection<BsonDocument> source, Offsets offsets, BsonValue last,
                           boolean untilCaughtUp, Set<BsonValue> appendedIds) throws InterruptedException {
        BsonValue position = last;
        while (!isCancelled()) {
            Bson filter = position == null ? new BsonDocument() : Filters.gt(idField, position);
            List<BsonDocument> batch = source.find(filter).sort(Sorts.ascending(idField)).limit(batchSize)
                    .into(new ArrayList<>());
            if (batch.isEmpty()) {
                if (untilCaughtUp) {
                    return position;
                }
                cancelled.await(pollInterval.toMillis(), TimeUnit.MILLISECONDS);
                continue;
            }
            append(stream, batch);
            position = batch.get(batch.size() - 1).get(idField);
            offsets.save(position, null);
            if (appendedIds != null) {
                batch.forEach(d -> appendedIds.add(d.get(idField)));
            }
        }
        return position;
    }

    /** Appends documents durably; values the stream refuses go to its dead letters. */
    private void append(StreamWriter stream, List<BsonDocument> docs) {
        if (docs.isEmpty()) {
            return;
        }
        List<JsonNode> values = new ArrayList<>(docs.size());
        for (BsonDocument doc : docs) {
            values.add(BsonJson.toJson(doc));
        }
        try {
            stream.appendAll(values);
        } catch (InvalidMessageException batchRefused) {
            for (int i = 0; i < values.size(); i++) {
                try {
                    stream.append(values.get(i));
                } catch (InvalidMessageException e) {
                    ObjectNode ref = Json.mapper().createObjectNode().put("collection", database + "." + collection);
                    ref.set(ID, BsonJson.toJson(docs.get(i).get(ID)));
                    stream.deadLetter(ref, "MongoDB source: document refused: " + e.getMessage());
                    LOG.warn("MongoDB source {}.{}: document {} refused by stream '{}' and dead-lettered: {}", database,
                            collection, ref.get(ID), stream.name(), e.getMessage());
                }
            }
        }
        stream.flush(); // durable before the offset moves past it
    }

    private static int compare(BsonValue a, BsonValue b) {
        if (a.isObjectId() && b.isObjectId()) {
            return a.asObjectId().getValue().compareTo(b.asObjectId().getValue());
        }
        if (a.isNumber() && b.isNumber()) {
            return Double.compare(a.asNumber().doubleValue(), b.asNumber().doubleValue());
        }
        if (a.isString() && b.isString()) {
            return a.asString().getValue().compareTo(b.asString().getValue());
        }
        if (a.isDateTime() && b.isDateTime()) {
            return Long.compare(a.asDateTime().getValue(), b.asDateTime().getValue());
        }
        return Integer.compare(a.getBsonType().getValue(), b.getBsonType().getValue());
    }

    private boolean isCancelled() {
        return cancelled.getCount() == 0 || Thread.currentThread().isInterrupted();
    }

    @Override
    public void cancel() {
        cancelled.countDown();
    }

    @Override
    public String toString() {
        return "MongoSource[" + database + "." + collection + (target != null ? " @ " + target.redacted() : "") + "]";
    }

    /** The saved position of one source key. */
    private static final class Offsets {
        private final MongoCollection<BsonDocument> offsets;
        private final String key;
        private final String namespace;

        Offsets(MongoCollection<BsonDocument> offsets, String key, String namespace) {
            this.offsets = offsets;
            this.key = key;
            this.namespace = namespace;
        }

        BsonDocument load() {
            return offsets.find(Filters.eq(ID, key)).first();
        }

        void save(BsonValue lastId, BsonDocument resumeToken) {
            if (lastId == null && resumeToken == null) {
                return;
            }
            List<Bson> updates = new ArrayList<>();
            if (lastId != null) {
                updates.add(Updates.set(LAST_ID, lastId));
            }
            updates.add(resumeToken != null ? Updates.set(RESUME_TOKEN, resumeToken) : Updates.unset(RESUME_TOKEN));
            updates.add(Updates.set("collection", namespace));
            updates.add(Updates.set("updated", Documents.date(Instant.now())));
            offsets.updateOne(Filters.eq(ID, key), Updates.combine(updates), new UpdateOptions().upsert(true));
        }
    }

    /** Configures a {@link MongoSource}; not thread-safe. */
    public static final class Builder {
        private final MongoConnection.Target target;
        private final MongoClient client;
        private final String database;
        private final String collection;
        private String idField = ID;
        private int batchSize = 100;
        private Duration pollInterval = Duration.ofMillis(100);
        private ChangeStreams changeStreams = ChangeStreams.AUTO;
        private String offsetKey;
        private String offsetsCollection = DEFAULT_OFFSETS_COLLECTION;
        private boolean startAtEnd;

        private Builder(MongoConnection.Target target, MongoClient client, String database, String collection) {
            if (collection == null || collection.isBlank()) {
                throw new ConfigurationException("MongoDB source needs a collection name");
            }
            this.target = target;
            this.client = client;
            this.database = database;
            this.collection = collection;
        }

        /** The ordered field read by polling (Python's {@code idcol}); default {@code _id}. */
        public Builder idField(String field) {
            if (field == null || field.isBlank()) {
                throw new ConfigurationException("MongoDB source: idField must not be empty");
            }
            this.idField = field;
            return this;
        }

        /** Documents per read and per append (default 100). */
        public Builder batchSize(int size) {
            if (size < 1) {
                throw new ConfigurationException("MongoDB source: batchSize must be >= 1, was " + size);
            }
            this.batchSize = size;
            return this;
        }

        /** How long to wait when nothing new arrived (default 100 ms, Python's {@code delay}). */
        public Builder pollInterval(Duration every) {
            if (every == null || every.toMillis() < 1) {
                throw new ConfigurationException("MongoDB source: pollInterval must be at least 1 ms, was " + every);
            }
            this.pollInterval = every;
            return this;
        }

        /** Change streams: AUTO (default), ON or OFF. */
        public Builder changeStreams(ChangeStreams use) {
            this.changeStreams = Objects.requireNonNull(use, "changeStreams");
            return this;
        }

        /** The key the offset is saved under (default {@code <db>.<collection>-><stream>}). */
        public Builder offsetKey(String key) {
            this.offsetKey = key;
            return this;
        }

        /** The collection holding offsets, in the source's database (default {@value #DEFAULT_OFFSETS_COLLECTION}). */
        public Builder offsetsCollection(String name) {
            if (name == null || name.isBlank()) {
                throw new ConfigurationException("MongoDB source: offsetsCollection must not be empty");
            }
            this.offsetsCollection = name;
            return this;
        }

        /** With no saved offset: false (default) appends existing documents first; true only new ones. */
        public Builder startAtEnd(boolean onlyNew) {
            this.startAtEnd = onlyNew;
            return this;
        }

        public MongoSource build() {
            return new MongoSource(this);
        }
    }
}
