package dev.minibatch.omegaml;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.mongodb.MongoBulkWriteException;
import com.mongodb.bulk.BulkWriteError;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.InsertManyOptions;
import com.mongodb.client.model.Updates;
import dev.minibatch.model.ConfigurationException;
import dev.minibatch.model.Window;
import dev.minibatch.internal.Json;
import dev.minibatch.mongo.BsonJson;
import dev.minibatch.spi.connector.Sink;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.bson.BsonArray;
import org.bson.BsonDocument;
import org.bson.BsonInt64;
import org.bson.BsonObjectId;
import org.bson.BsonString;
import org.bson.BsonValue;
import org.bson.conversions.Bson;
import org.bson.types.ObjectId;

/**
 * Writes windows into an omega|ml dataset as rows. A forwarded list (such as a window's data) is
 * one row per element; anything else is one row. The dataset decides the layout:
 * <ul>
 *   <li>missing: registered as {@code pandas.rawdict} (as Python minibatch's sink does) and the
 *       rows inserted as documents;</li>
 *   <li>{@code pandas.rawdict}: rows inserted as documents (a non-object value as
 *       {@code {"value": v}}); keep rows homogeneous, Python takes columns from the first;</li>
 *   <li>{@code pandas.dfrows}: rows appended the way pandas would — {@code .} in column names
 *       becomes {@code _}, each row gets {@code _idx#0_0} (its position in the batch, like a fresh
 *       default index) and {@code _om#rowid} (row count before the batch + position), and new
 *       columns are added to {@code kind_meta.columns} and {@code kind_meta.dtypes};</li>
 *   <li>{@code python.data}: each row inserted as {@code {"data": row}}.</li>
 * </ul>
 * Idempotent per window: rows get ObjectIds derived from the window's messages and their
 * position ({@link #rowId}), so a window retried with the same messages does not duplicate rows,
 * and rows still sort in append order. Metadata {@code modified} is updated on every put.
 *
 * <p>Thread-safe; windows from parallel workers are written independently.
 */
public final class DatasetSink implements Sink {

    private final Omega omega;
    private final String dataset;
    private Runnable onClose = () -> { };

    public DatasetSink(Omega omega, String dataset) {
        this.omega = Objects.requireNonNull(omega, "omega");
        if (dataset == null || dataset.isBlank()) {
            throw new IllegalArgumentException("dataset name must not be empty");
        }
        this.dataset = dataset;
    }

    DatasetSink onClose(Runnable action) {
        this.onClose = action;
        return this;
    }

    @Override
    public void put(Object message) {
        write(message, null);
    }

    @Override
    public void put(Object message, Window window) {
        write(message, window);
    }

    private void write(Object message, Window window) {
        List<JsonNode> rows = rows(message);
        if (rows.isEmpty()) {
            return;
        }
        OmegaDatasets datasets = omega.datasets();
        BsonDocument meta = datasets.ensure(dataset);
        String kind = OmegaDatasets.kind(meta);
        MongoCollection<BsonDocument> collection = datasets.collectionOf(meta, dataset);
        List<BsonDocument> docs = new ArrayList<>(rows.size());
        Bson metaUpdate = null;
        switch (kind) {
            case OmegaDatasets.RAWDICT -> {
                for (JsonNode row : rows) {
                    docs.add(row.isObject() ? BsonJson.toDocument(row)
                            : new BsonDocument("value", BsonJson.toBson(row)));
                }
            }
            case OmegaDatasets.PYTHON_DATA -> {
                for (JsonNode row : rows) {
                    docs.add(new BsonDocument("data", BsonJson.toBson(row)));
                }
            }
            case OmegaDatasets.DFROWS -> metaUpdate = frameRows(rows, collection, OmegaDatasets.kindMeta(meta), docs);
            default -> throw new ConfigurationException("omega|ml dataset '" + dataset + "' is of kind '" + kind
                    + "'; DatasetSink writes pandas.rawdict, pandas.dfrows and python.data datasets");
        }
        for (int i = 0; i < docs.size(); i++) {
            docs.get(i).put("_id", new BsonObjectId(window == null ? new ObjectId() : rowId(window, i)));
        }
        insertIgnoringDuplicates(collection, docs);
        if (metaUpdate != null) {
            datasets.touch(dataset, metaUpdate);
        } else {
            datasets.touch(dataset);
        }
    }

    /** Builds pandas-style rows; returns the kind_meta update for new columns. */
    private Bson frameRows(List<JsonNode> rows, MongoCollection<BsonDocument> collection, BsonDocument kindMeta,
                           List<BsonDocument> docs) {
        long rowCount;
        try {
            rowCount = collection.estimatedDocumentCount();
        } catch (RuntimeException e) {
            rowCount = collection.countDocuments();
        }
        List<String> known = OmegaDatasets.storedColumns(kindMeta);
        BsonArray columns = kindMeta.isArray("columns") ? kindMeta.getArray("columns").clone() : new BsonArray();
        BsonDocument dtypes = kindMeta.isDocument("dtypes") ? kindMeta.getDocument("dtypes").clone() : new BsonDocument();
        Map<String, String> added = new LinkedHashMap<>();
        for (String fixed : List.of("_idx#0_0", OmegaDatasets.ROWID)) {
            if (!known.contains(fixed)) {
                added.put(fixed, fixed);
                dtypes.put(fixed, new BsonString("int64"));
            }
        }
        for (int i = 0; i < rows.size(); i++) {
            JsonNode row = rows.get(i);
            BsonDocument doc = new BsonDocument("_idx#0_0", new BsonInt64(i));
            ObjectNode object = row.isObject() ? (ObjectNode) row : Json.mapper().createObjectNode().set("value", row);
            Iterator<Map.Entry<String, JsonNode>> fields = object.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> f = fields.next();
                String stored = f.getKey().replace('.', '_');
                doc.put(stored, BsonJson.toBson(f.getValue()));
                if (!known.contains(stored) && !added.containsKey(stored)) {
                    added.put(stored, f.getKey());
                }
                if (!dtypes.containsKey(stored) && !f.getValue().isNull()) {
                    dtypes.put(stored, new BsonString(dtype(f.getValue())));
                }
            }
            doc.put(OmegaDatasets.ROWID, new BsonInt64(rowCount + i));
            docs.add(doc);
        }
        if (added.isEmpty()) {
            return null;
        }
        // keep pandas' layout: index columns first, _om#rowid last
        BsonArray ordered = new BsonArray();
        List<BsonValue> rowid = new ArrayList<>();
        if (added.containsKey("_idx#0_0")) {
            ordered.add(OmegaDatasets.pair("_idx#0_0", "_idx#0_0"));
        }
        for (BsonValue pair : columns) {
            if (pair.isArray() && pair.asArray().size() >= 2 && pair.asArray().get(1).isString()
                    && pair.asArray().get(1).asString().getValue().equals(OmegaDatasets.ROWID)) {
                rowid.add(pair);
            } else {
                ordered.add(pair);
            }
        }
        added.forEach((stored, original) -> {
            if (!stored.equals("_idx#0_0") && !stored.equals(OmegaDatasets.ROWID)) {
                ordered.add(OmegaDatasets.pair(original, stored));
            }
        });
        ordered.addAll(rowid);
        if (added.containsKey(OmegaDatasets.ROWID)) {
            ordered.add(OmegaDatasets.pair(OmegaDatasets.ROWID, OmegaDatasets.ROWID));
        }
        return Updates.combine(Updates.set("kind_meta.columns", ordered), Updates.set("kind_meta.dtypes", dtypes));
    }

    private static String dtype(JsonNode value) {
        if (value.isIntegralNumber()) {
            return "int64";
        }
        if (value.isNumber()) {
            return "float64";
        }
        if (value.isBoolean()) {
            return "bool";
        }
        return "object";
    }

    private static List<JsonNode> rows(Object message) {
        JsonNode tree = message instanceof JsonNode node ? node : Json.mapper().valueToTree(message);
        List<JsonNode> out = new ArrayList<>();
        if (tree == null || tree.isNull()) {
            return out;
        }
        if (tree.isArray()) {
            tree.forEach(out::add);
        } else {
            out.add(tree);
        }
        return out;
    }

    /**
     * A stable ObjectId per (window content, position). A retried window is a new claim with a new
     * id, so the key is made of what stays the same: its messages. Layout, so that rows sort in the
     * order they were appended even when many windows share one second:
     * <ol>
     *   <li>4 bytes: the first message's creation second;</li>
     *   <li>3 bytes: the first message's place in its stream (the low bits of a numeric id, the
     *       counter of an ObjectId id, else a hash of the id);</li>
     *   <li>2 bytes: a hash of the stream and all message ids, so a retry made of other messages
     *       gets other ids;</li>
     *   <li>3 bytes: the row's position (16 M rows a window).</li>
     * </ol>
     */
    static ObjectId rowId(Window window, int position) {
        List<dev.minibatch.model.Message> messages = window.messages();
        long seconds = (messages.isEmpty() ? window.created() : messages.get(0).created()).getEpochSecond();
        String firstId = messages.isEmpty() ? window.id() : messages.get(0).id();
        StringBuilder key = new StringBuilder(window.stream());
        if (messages.isEmpty()) {
            key.append('|').append(window.id());
        }
        for (dev.minibatch.model.Message m : messages) {
            key.append('|').append(m.id());
        }
        byte[] hash = sha1(key.toString());
        ByteBuffer bytes = ByteBuffer.allocate(12);
        bytes.putInt((int) seconds);
        int place = place(firstId);
        bytes.put((byte) (place >>> 16)).put((byte) (place >>> 8)).put((byte) place);
        bytes.put(hash, 0, 2);
        bytes.put((byte) (position >>> 16)).put((byte) (position >>> 8)).put((byte) position);
        return new ObjectId(bytes.array());
    }

    /** 24 bits that grow with the message's place in its stream, where the id shows it. */
    private static int place(String id) {
        if (!id.isEmpty() && id.length() <= 18 && id.chars().allMatch(Character::isDigit)) {
            return (int) (Long.parseLong(id) & 0xFFFFFF);
        }
        if (ObjectId.isValid(id)) {
            return Integer.parseInt(id.substring(18), 16); // the counter of an ObjectId
        }
        byte[] h = sha1(id);
        return ((h[0] & 0xFF) << 16) | ((h[1] & 0xFF) << 8) | (h[2] & 0xFF);
    }

    private static byte[] sha1(String text) {
        try {
            return MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is part of every JDK", e);
        }
    }

    private static void insertIgnoringDuplicates(MongoCollection<BsonDocument> collection, List<BsonDocument> docs) {
        try {
            collection.insertMany(docs, new InsertManyOptions().ordered(false));
        } catch (MongoBulkWriteException e) {
            for (BulkWriteError error : e.getWriteErrors()) {
                if (error.getCode() != 11000) {
                    throw e;
                }
            }
            // only duplicates: this window was written before (a retry); the rows are there
        }
    }

    @Override
    public void close() {
        onClose.run();
    }

    @Override
    public String toString() {
        return "DatasetSink[" + omega.bucket() + "/" + dataset + "]";
    }
}
