package dev.minibatch.omegaml;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.FindOneAndUpdateOptions;
import com.mongodb.client.model.ReturnDocument;
import com.mongodb.client.model.Updates;
import dev.minibatch.mongo.BsonJson;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bson.BsonArray;
import org.bson.BsonDateTime;
import org.bson.BsonDocument;
import org.bson.BsonString;
import org.bson.BsonValue;
import org.bson.conversions.Bson;

/**
 * omega|ml datasets as omega|ml 0.18 stores them (OMEGAML.md §4–5): metadata lookup, collection
 * naming, registration of a missing dataset as {@code pandas.rawdict}, and the conversion of
 * stored documents into plain rows. Thread-safe.
 */
public final class OmegaDatasets {

    /** omega|ml's prefix of dataset metadata. */
    public static final String PREFIX = "data/";

    /** Dataset kinds this module reads and writes. */
    public static final String DFROWS = "pandas.dfrows";
    public static final String SEROWS = "pandas.serows";
    public static final String RAWDICT = "pandas.rawdict";
    public static final String PYTHON_DATA = "python.data";

    static final String ROWID = "_om#rowid";
    static final String INDEX_PREFIX = "_idx#";

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final Omega omega;
    private final MongoCollection<BsonDocument> metadata;

    OmegaDatasets(Omega omega) {
        this.omega = omega;
        this.metadata = omega.database().getCollection("metadata", BsonDocument.class);
    }

    /**
     * The collection name omega|ml computes for a new dataset: {@code <bucket>.<prefix>.<name>.datastore}
     * with {@code /} → {@code _} and {@code ..} → {@code .}; the lower-case hex SHA-1 of that when
     * names are hashed (omega|ml's default).
     */
    public static String collectionName(String bucket, String prefix, String name, boolean hashed) {
        String key = (bucket + "." + prefix + "." + name + ".datastore").replace("/", "_");
        while (key.contains("..")) {
            key = key.replace("..", ".");
        }
        if (!hashed) {
            return key;
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-1").digest(key.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is part of every JDK", e);
        }
    }

    /** The dataset's metadata document as JSON, or empty. */
    public Optional<JsonNode> metadata(String name) {
        return Optional.ofNullable(find(name)).map(BsonJson::toJson);
    }

    /** The dataset's collection: {@code metadata.collection} for existing datasets, else the computed name. */
    public String collection(String name) {
        BsonDocument meta = find(name);
        if (meta != null && meta.isString("collection")) {
            return meta.getString("collection").getValue();
        }
        return collectionName(omega.bucket(), PREFIX, name, omega.hashedNames());
    }

    BsonDocument find(String name) {
        return metadata.find(filter(name)).first();
    }

    Bson filter(String name) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("omega|ml dataset name must not be empty");
        }
        // a flat filter, not $and: an upsert copies its equality fields into the new document on every
        // server, while FerretDB copies nothing out of an $and (the document would lack name, bucket, prefix)
        return new BsonDocument("name", new BsonString(name)).append("bucket", new BsonString(omega.bucket()))
                .append("prefix", new BsonString(PREFIX));
    }

    /** Registers a missing dataset as {@code pandas.rawdict} (what Python minibatch's dataset source and sink do). */
    BsonDocument ensure(String name) {
        BsonDocument existing = find(name);
        if (existing != null) {
            return existing;
        }
        BsonDateTime now = new BsonDateTime(Instant.now().toEpochMilli());
        Bson insert = Updates.combine(
                Updates.setOnInsert("kind", RAWDICT),
                Updates.setOnInsert("collection", collectionName(omega.bucket(), PREFIX, name, omega.hashedNames())),
                Updates.setOnInsert("kind_meta", new BsonDocument()),
                Updates.setOnInsert("attributes", new BsonDocument()),
                Updates.setOnInsert("s3file", new BsonDocument()),
                Updates.setOnInsert("created", now),
                Updates.setOnInsert("modified", now));
        return metadata.findOneAndUpdate(filter(name), insert,
                new FindOneAndUpdateOptions().upsert(true).returnDocument(ReturnDocument.AFTER));
    }

    void touch(String name, Bson... more) {
        List<Bson> updates = new ArrayList<>(List.of(more));
        updates.add(Updates.set("modified", new BsonDateTime(Instant.now().toEpochMilli())));
        metadata.updateOne(filter(name), Updates.combine(updates));
    }

    MongoCollection<BsonDocument> collectionOf(BsonDocument meta, String name) {
        String collection = meta != null && meta.isString("collection") ? meta.getString("collection").getValue()
                : collectionName(omega.bucket(), PREFIX, name, omega.hashedNames());
        return omega.database().getCollection(collection, BsonDocument.class);
    }

    static String kind(BsonDocument meta) {
        return meta.isString("kind") ? meta.getString("kind").getValue() : RAWDICT;
    }

    // ---- stored documents → rows --------------------------------------------------------------

    /**
     * A stored document as the row a user expects: for {@code pandas.dfrows}/{@code serows}, the
     * row {@code om.datasets.get} gives: columns by their stored names (omega|ml 0.18 does not
     * restore {@code b.c} from {@code b_c}), null for a column of {@code kind_meta.columns} the
     * document lacks, index levels as columns (named ones by
     * their name, unnamed ones as {@link #indexName} says), no
     * {@code _id}, {@code _idx#…} or {@code _om#rowid}; for {@code pandas.rawdict}, the document
     * without {@code _id}, {@code _idx…} and {@code _om#…} (omega|ml's read path); for
     * {@code python.data}, the {@code data} value. Dates become ISO-8601 strings, ObjectIds hex
     * strings, NaN null (pandas' missing value).
     */
    static JsonNode row(BsonDocument doc, String kind, BsonDocument kindMeta) {
        switch (kind) {
            case DFROWS, SEROWS -> {
                return frameRow(doc, kindMeta);
            }
            case PYTHON_DATA -> {
                BsonValue data = doc.get("data");
                return data == null ? NODES.nullNode() : plain(data);
            }
            default -> {
                ObjectNode out = NODES.objectNode();
                for (Map.Entry<String, BsonValue> e : doc.entrySet()) {
                    String k = e.getKey();
                    if (k.equals("_id") || k.startsWith("_idx") || k.startsWith("_om#")) {
                        continue;
                    }
                    out.set(k, plain(e.getValue()));
                }
                return out;
            }
        }
    }

    private static JsonNode frameRow(BsonDocument doc, BsonDocument kindMeta) {
        ObjectNode out = NODES.objectNode();
        List<String> indexNames = indexNames(kindMeta);
        java.util.Set<String> done = new java.util.HashSet<>(List.of("_id", ROWID));
        BsonValue columns = kindMeta == null ? null : kindMeta.get("columns");
        if (columns != null && columns.isArray()) {
            for (BsonValue pair : columns.asArray()) {
                if (!pair.isArray() || pair.asArray().size() < 2) {
                    continue;
                }
                String stored = label(pair.asArray().get(1));
                done.add(stored);
                if (stored.equals(ROWID)) {
                    continue;
                }
                if (!doc.containsKey(stored)) {
                    if (!stored.startsWith(INDEX_PREFIX)) {
                        out.putNull(stored); // a column of the frame this row lacks: pandas' NaN
                    }
                    continue;
                }
                if (stored.startsWith(INDEX_PREFIX)) {
                    String indexName = indexName(stored, indexNames, kindMeta);
                    if (indexName != null) {
                        out.set(indexName, plain(doc.get(stored)));
                    }
                    continue;
                }
                out.set(stored, plain(doc.get(stored))); // omega|ml 0.18 returns the stored (escaped) name
            }
        }
        for (Map.Entry<String, BsonValue> e : doc.entrySet()) {
            String k = e.getKey();
            if (done.contains(k)) {
                continue;
            }
            if (k.startsWith(INDEX_PREFIX)) {
                String indexName = indexName(k, indexNames, kindMeta);
                if (indexName != null) {
                    out.set(indexName, plain(e.getValue()));
                }
                continue;
            }
            out.set(k, plain(e.getValue())); // extra fields become extra columns, as in pandas
        }
        return out;
    }

    static List<String> indexNames(BsonDocument kindMeta) {
        List<String> names = new ArrayList<>();
        if (kindMeta == null) {
            return names;
        }
        BsonValue idxMeta = kindMeta.get("idx_meta");
        if (idxMeta != null && idxMeta.isDocument()) {
            BsonValue n = idxMeta.asDocument().get("names");
            if (n != null && n.isArray()) {
                for (BsonValue v : n.asArray()) {
                    names.add(v.isNull() ? null : label(v));
                }
            }
        }
        return names;
    }

    /** The level number n of a {@code _idx#<n>_<name>} column, or -1. */
    static int indexLevel(String column) {
        String rest = column.substring(INDEX_PREFIX.length());
        int underscore = rest.indexOf('_');
        try {
            return Integer.parseInt(underscore < 0 ? rest : rest.substring(0, underscore));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /**
     * The field index level n of a {@code _idx#<n>_<name>} column becomes in a row: its name; an
     * unnamed level the name pandas' {@code reset_index} gives it ({@code index}, or
     * {@code level_<n>} in a MultiIndex), except an unnamed integer level of a single index
     * (a default position index, which pandas' {@code reset_index(drop=True)} habit drops): null.
     */
    private static String indexName(String column, List<String> names, BsonDocument kindMeta) {
        int level = indexLevel(column);
        if (level < 0) {
            return null;
        }
        if (level < names.size() && names.get(level) != null) {
            return names.get(level);
        }
        int levels = Math.max(names.size(), 1);
        if (levels == 1) {
            BsonValue dtypes = kindMeta == null ? null : kindMeta.get("dtypes");
            BsonValue dtype = dtypes != null && dtypes.isDocument() ? dtypes.asDocument().get(column) : null;
            String type = dtype != null && dtype.isString() ? dtype.asString().getValue() : "int64";
            return type.startsWith("int") || type.startsWith("Int") || type.startsWith("uint") ? null : "index";
        }
        return "level_" + level;
    }

    private static String label(BsonValue v) {
        return v.isString() ? v.asString().getValue() : BsonJson.toJson(v).asText();
    }

    /** BSON → plain JSON: dates as ISO strings, ObjectIds as hex, NaN as null. */
    static JsonNode plain(BsonValue value) {
        if (value == null || value.isNull()) {
            return NODES.nullNode();
        }
        switch (value.getBsonType()) {
            case DATE_TIME -> {
                return NODES.textNode(Instant.ofEpochMilli(value.asDateTime().getValue()).toString());
            }
            case OBJECT_ID -> {
                return NODES.textNode(value.asObjectId().getValue().toHexString());
            }
            case DOUBLE -> {
                double d = value.asDouble().getValue();
                return Double.isNaN(d) || Double.isInfinite(d) ? NODES.nullNode() : NODES.numberNode(d);
            }
            case DOCUMENT -> {
                ObjectNode out = NODES.objectNode();
                value.asDocument().forEach((k, v) -> out.set(k, plain(v)));
                return out;
            }
            case ARRAY -> {
                var out = NODES.arrayNode();
                for (BsonValue v : value.asArray()) {
                    out.add(plain(v));
                }
                return out;
            }
            default -> {
                return BsonJson.toJson(value);
            }
        }
    }

    static BsonDocument kindMeta(BsonDocument meta) {
        BsonValue km = meta.get("kind_meta");
        return km != null && km.isDocument() ? km.asDocument() : new BsonDocument();
    }

    static List<String> storedColumns(BsonDocument kindMeta) {
        List<String> out = new ArrayList<>();
        BsonValue columns = kindMeta.get("columns");
        if (columns != null && columns.isArray()) {
            Iterator<BsonValue> it = columns.asArray().iterator();
            while (it.hasNext()) {
                BsonValue pair = it.next();
                if (pair.isArray() && pair.asArray().size() >= 2) {
                    out.add(label(pair.asArray().get(1)));
                }
            }
        }
        return out;
    }

    static BsonArray pair(String original, String stored) {
        return new BsonArray(List.of(new BsonString(original), new BsonString(stored)));
    }
}
