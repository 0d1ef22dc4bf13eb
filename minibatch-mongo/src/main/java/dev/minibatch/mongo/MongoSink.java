package dev.minibatch.mongo;

import com.fasterxml.jackson.databind.JsonNode;
import com.mongodb.ErrorCategory;
import com.mongodb.MongoBulkWriteException;
import com.mongodb.MongoException;
import com.mongodb.bulk.BulkWriteError;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.InsertManyOptions;
import dev.minibatch.model.ConfigurationException;
import dev.minibatch.model.Message;
import dev.minibatch.model.StoreException;
import dev.minibatch.model.Window;
import dev.minibatch.internal.Json;
import dev.minibatch.spi.connector.Sink;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.bson.BsonDocument;
import org.bson.BsonString;
import org.bson.BsonValue;

/**
 * Inserts each forwarded result into a MongoDB collection (Python's {@code MongoSink}:
 * {@code insertMany}). A list (the window's data, or a list the function returned) becomes one
 * document per element; a single value one document. JSON objects are stored as documents (their
 * Extended JSON {@code $oid}/{@code $date} wrappers as BSON types, see {@link BsonJson}); any other
 * value is wrapped as {@code {"value": …}}.
 *
 * <p><b>Idempotent by window.</b> A window is delivered at least once: after a failure it is
 * retried, possibly on another consumer, under a new window id. So that a retry does not duplicate
 * rows, each document without its own {@code _id} gets a deterministic one,
 * {@code "<window key>:<index>"}, where the window key is a digest of the stream name and the ids of
 * the window's messages (of the window id for an empty window), and documents whose {@code _id}
 * already exists are skipped. A retried window holding the same messages therefore writes the same
 * rows once; the first successful write wins. Documents that carry an {@code _id} keep it and are
 * deduplicated by it. {@code put(Object)} without a window, or {@code idempotent=false}, lets the
 * server assign ObjectIds (Python's behaviour).
 *
 * <p><b>Threading and lifecycle.</b> Thread-safe (windows may be put concurrently). Writes are
 * acknowledged when {@code put} returns, so {@link #flush()} has nothing left to do. A sink built
 * from a URL opens its client at construction (failing fast, naming the host) and closes it in
 * {@link #close()}; a client passed in stays the caller's.
 */
public final class MongoSink implements Sink {

    private final MongoClient client;
    private final boolean ownsClient;
    private final MongoCollection<BsonDocument> collection;
    private final String description;
    private final boolean idempotent;

    /** A sink writing to {@code collection} in the URL's database, idempotent by window. */
    public MongoSink(String url, String collection) {
        this(url, null, collection, true);
    }

    /**
     * A sink writing to {@code database.collection} ({@code database} null = the URL's).
     *
     * @param idempotent deterministic ids per window and message (true) or server ObjectIds (false)
     */
    public MongoSink(String url, String database, String collection, boolean idempotent) {
        requireCollection(collection);
        MongoConnection.Target target = MongoConnection.parse(url, "MongoDB sink", MongoStoreProvider.OPTIONS, database);
        this.client = MongoConnection.open(target, "MongoDB sink");
        this.ownsClient = true;
        this.collection = client.getDatabase(target.database()).getCollection(collection, BsonDocument.class);
        this.description = target.database() + "." + collection + " at " + target.hosts();
        this.idempotent = idempotent;
    }

    /** A sink on a client you manage (not closed by the sink). */
    public MongoSink(MongoClient client, String database, String collection, boolean idempotent) {
        requireCollection(collection);
        this.client = Objects.requireNonNull(client, "client");
        this.ownsClient = false;
        this.collection = client.getDatabase(Objects.requireNonNull(database, "database"))
                .getCollection(collection, BsonDocument.class);
        this.description = database + "." + collection;
        this.idempotent = idempotent;
    }

    private static void requireCollection(String collection) {
        if (collection == null || collection.isBlank()) {
            throw new ConfigurationException("MongoDB sink needs a collection name");
        }
    }

    @Override
    public void put(Object message) {
        insert(documents(message, null));
    }

    @Override
    public void put(Object message, Window window) {
        insert(documents(message, idempotent ? window : null));
    }

    private List<BsonDocument> documents(Object message, Window window) {
        List<JsonNode> values = new ArrayList<>();
        if (message instanceof JsonNode node && node.isArray()) {
            node.forEach(values::add);
        } else if (message instanceof Iterable<?> iterable && !(message instanceof JsonNode) && !(message instanceof Map<?, ?>)) {
            for (Object o : iterable) {
                values.add(tree(o));
            }
        } else if (message instanceof Object[] array) {
            for (Object o : array) {
                values.add(tree(o));
            }
        } else if (message != null) {
            values.add(tree(message));
        }
        String key = window == null ? null : windowKey(window);
        List<BsonDocument> docs = new ArrayList<>(values.size());
        for (int i = 0; i < values.size(); i++) {
            BsonValue value = BsonJson.toBson(values.get(i));
            BsonDocument body = value.isDocument() ? value.asDocument() : new BsonDocument("value", value);
            if (key != null && !body.containsKey("_id")) {
                BsonDocument withId = new BsonDocument("_id", new BsonString(key + ":" + i));
                withId.putAll(body);
                body = withId;
            }
            docs.add(body);
        }
        return docs;
    }

    private static JsonNode tree(Object value) {
        return value instanceof JsonNode node ? node : Json.mapper().valueToTree(value);
    }

    /** A digest of what the window holds, stable across retries of the same messages. */
    static String windowKey(Window window) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(window.stream().getBytes(StandardCharsets.UTF_8));
            if (window.messages().isEmpty()) {
                sha.update((byte) 0);
                sha.update(window.id().getBytes(StandardCharsets.UTF_8));
            }
            for (Message m : window.messages()) {
                sha.update((byte) '\n');
                sha.update(m.id().getBytes(StandardCharsets.UTF_8));
            }
            return HexFormat.of().formatHex(sha.digest(), 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    private void insert(List<BsonDocument> docs) {
        if (docs.isEmpty()) {
            return;
        }
        try {
            collection.insertMany(docs, new InsertManyOptions().ordered(false));
        } catch (MongoBulkWriteException e) {
            for (BulkWriteError error : e.getWriteErrors()) {
                if (ErrorCategory.fromErrorCode(error.getCode()) != ErrorCategory.DUPLICATE_KEY) {
                    throw new StoreException("MongoDB sink " + description + ": insert failed: "
                            + MongoConnection.shorten(error.getMessage()), e);
                }
            }
            if (e.getWriteConcernError() != null) {
                throw new StoreException("MongoDB sink " + description + ": write concern failed: "
                        + MongoConnection.shorten(e.getWriteConcernError().getMessage()), e);
            }
            // only duplicates: those rows were written by an earlier try of the same window
        } catch (MongoException e) {
            throw new StoreException("MongoDB sink " + description + ": insert failed: "
                    + MongoConnection.shorten(e.getMessage()), e);
        }
    }

    @Override
    public void close() {
        if (ownsClient) {
            client.close();
        }
    }

    @Override
    public String toString() {
        return "MongoSink[" + description + (idempotent ? ", idempotent" : "") + "]";
    }
}
