package dev.minibatch.omegaml;

import com.fasterxml.jackson.databind.JsonNode;
import com.mongodb.MongoBulkWriteException;
import com.mongodb.bulk.BulkWriteError;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.InsertManyOptions;
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
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import org.bson.BsonDocument;
import org.bson.BsonObjectId;
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
 *       {@code {"value": v}}), Java dates (java.time, java.util.Date) as BSON dates; keep rows
 *       homogeneous, Python takes columns from the first;</li>
 *   <li>{@code pandas.dfrows} and {@code pandas.serows}: rows appended the way pandas would append
 *       them to the frame that is there ({@link FrameAppender}): the frame's own index levels filled
 *       from the row's fields, typed values (dates as BSON dates), {@code _om#rowid} continuing
 *       after the rows present, new columns added to {@code kind_meta}; a row that does not fit the
 *       frame is refused with a {@link ConfigurationException} before anything is written;</li>
 *   <li>{@code python.data}: each row inserted as {@code {"data": row}} after a JSON round trip,
 *       as omega|ml does (dates become ISO-8601 text there).</li>
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
        List<Object> rows = rows(message);
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
                for (Object row : rows) {
                    BsonValue value = FrameAppender.toBson(row);
                    docs.add(value.isDocument() ? value.asDocument() : new BsonDocument("value", value));
                }
            }
            case OmegaDatasets.PYTHON_DATA -> {
                for (Object row : rows) { // omega|ml stores python.data after a JSON round trip: dates as ISO text
                    docs.add(new BsonDocument("data", BsonJson.toBson(Json.mapper().valueToTree(row))));
                }
            }
            case OmegaDatasets.DFROWS, OmegaDatasets.SEROWS -> {
                long rowCount;
                try {
                    rowCount = collection.estimatedDocumentCount();
                } catch (RuntimeException e) {
                    rowCount = collection.countDocuments();
                }
                FrameAppender frame = new FrameAppender(dataset, OmegaDatasets.kindMeta(meta));
                for (int i = 0; i < rows.size(); i++) {
                    docs.add(frame.document(rows.get(i), i, rowCount));
                }
                metaUpdate = frame.metadataUpdate();
            }
            default -> throw new ConfigurationException("omega|ml dataset '" + dataset + "' is of kind '" + kind
                    + "'; DatasetSink writes pandas.rawdict, pandas.dfrows, pandas.serows and python.data datasets");
        }
        for (int i = 0; i < docs.size(); i++) {
            docs.get(i).put("_id", new BsonObjectId(window == null ? new ObjectId() : rowId(window, i)));
        }
        insertIgnoringDuplicates(collection, docs);
        if (kind.equals(OmegaDatasets.PYTHON_DATA)) { // omega|ml keeps the last inserted document's id
            metaUpdate = com.mongodb.client.model.Updates.set("objid", docs.get(docs.size() - 1).get("_id"));
        }
        if (metaUpdate != null) {
            datasets.touch(dataset, metaUpdate);
        } else {
            datasets.touch(dataset);
        }
    }

    /** A list (a window's data) is one row per element, anything else one row; Java values are kept (dates stay dates). */
    private static List<Object> rows(Object message) {
        List<Object> out = new ArrayList<>();
        if (message == null || (message instanceof JsonNode node && node.isNull())) {
            return out;
        }
        if (message instanceof JsonNode node && node.isArray()) {
            node.forEach(out::add);
        } else if (message instanceof Collection<?> list) {
            out.addAll(list);
        } else if (message instanceof Object[] array) {
            out.addAll(Arrays.asList(array));
        } else {
            out.add(message);
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
