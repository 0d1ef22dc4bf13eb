package dev.minibatch.omegaml;

import com.fasterxml.jackson.databind.JsonNode;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.FindOneAndUpdateOptions;
import com.mongodb.client.model.ReturnDocument;
import com.mongodb.client.model.Sorts;
import com.mongodb.client.model.Updates;
import dev.minibatch.model.ConfigurationException;
import dev.minibatch.Stream;
import dev.minibatch.model.StreamOptions;
import dev.minibatch.mongo.BsonJson;
import dev.minibatch.spi.Options;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.bson.BsonDateTime;
import org.bson.BsonDocument;
import org.bson.BsonNull;
import org.bson.BsonString;
import org.bson.BsonValue;
import org.bson.conversions.Bson;

/**
 * omega|ml's {@code om.streams} in Java: {@code get}, {@code getl}, {@code put}, {@code metadata},
 * {@code list}, {@code exists}, {@code drop}. Streams are the minibatch streams of omega|ml's
 * database, named {@code <bucket>.streams/.<name>.stream}, each described by a {@code metadata}
 * document of kind {@code stream.minibatch} with omega|ml's {@code kind_meta} layout, so omega|ml
 * lists them and Python can open them.
 *
 * <p>Where omega|ml's documented and actual behaviour differ, this facade does what the user
 * means (see OMEGAML.md §3.4):
 * <ul>
 *   <li>window options ({@code size}, {@code interval}, {@code relaxed}, {@code keep}, …) given
 *       to {@link #getl(String, Map)} set the window; they are not mistaken for stream options;</li>
 *   <li>the first call's options are stored in the metadata, as omega|ml does, and re-applied
 *       as defaults by later calls; options given explicitly always win over stored ones;</li>
 *   <li>{@code interval} alone gives a relaxed time window, as the code (not the docs) does;
 *       pass {@code relaxed=false} for a fixed one.</li>
 * </ul>
 * Thread-safe.
 */
public final class OmegaStreams {

    /** omega|ml's prefix of stream metadata. */
    public static final String PREFIX = "streams/";

    /** Stream options understood in {@code stream_kwargs} (Python names). */
    static final Set<String> STREAM_OPTIONS = Set.of("max_age", "batchsize", "interval");

    /** Window options understood in {@code streaming_kwargs} (Python names, plus Java spellings). */
    static final Set<String> STREAMING_OPTIONS = Set.of("size", "interval", "relaxed", "keep", "blocking", "max_workers",
            "workers", "emit_empty", "max_attempts");

    private final Omega omega;
    private final MongoCollection<BsonDocument> metadata;

    OmegaStreams(Omega omega) {
        this.omega = omega;
        this.metadata = omega.database().getCollection("metadata", BsonDocument.class);
    }

    /** The minibatch stream name of an omega|ml stream: {@code <bucket>.streams/.<name>.stream}. */
    public String qualifiedName(String name) {
        checkName(name);
        return omega.bucket() + "." + PREFIX + "." + name + ".stream";
    }

    /** The stream, created with its metadata on first access. */
    public Stream get(String name) {
        return get(name, Map.of());
    }

    /**
     * The stream, with stream options ({@code max_age} seconds or a duration such as {@code 1h},
     * {@code batchsize}, {@code interval}); the first call's options are stored and re-applied.
     */
    public Stream get(String name, Map<String, ?> streamOptions) {
        checkOptions(streamOptions, STREAM_OPTIONS, "stream");
        BsonDocument meta = ensureMetadata(name, streamOptions, Map.of());
        Map<String, Object> effective = stored(meta, "stream_kwargs");
        effective.putAll(streamOptions);
        return omega.minibatch().stream(qualifiedName(name), toStreamOptions(effective));
    }

    /** A lazy consumer of the stream with its stored window options (omega|ml's {@code getl}). */
    public LazyStreaming getl(String name) {
        return getl(name, Map.of());
    }

    /**
     * A lazy consumer of the stream: window options (Python names {@code size}, {@code interval}
     * (seconds), {@code relaxed}, {@code keep}, {@code blocking}, {@code max_workers},
     * {@code emit_empty}) override the stored ones, which default the rest.
     */
    public LazyStreaming getl(String name, Map<String, ?> windowOptions) {
        checkOptions(windowOptions, STREAMING_OPTIONS, "window");
        BsonDocument meta = ensureMetadata(name, Map.of(), windowOptions);
        Map<String, Object> effective = stored(meta, "streaming_kwargs");
        effective.putAll(windowOptions);
        get(name);
        return new LazyStreaming(omega.minibatch(), qualifiedName(name), effective);
    }

    /** Appends {@code data} to the stream (created if missing); returns the stream's metadata. */
    public JsonNode put(Object data, String name) {
        return put(data, name, true);
    }

    /** With {@code append=false} the stream's metadata is dropped and created anew first (data kept, as omega|ml). */
    public JsonNode put(Object data, String name, boolean append) {
        if (!append) {
            drop(name, true, true);
        }
        get(name).append(data);
        return metadata(name).orElseThrow();
    }

    /** The metadata document of the stream, or empty. */
    public Optional<JsonNode> metadata(String name) {
        BsonDocument doc = metadata.find(filter(name)).first();
        return Optional.ofNullable(doc).map(BsonJson::toJson);
    }

    /** Whether the stream has metadata. */
    public boolean exists(String name) {
        return metadata.find(filter(name)).first() != null;
    }

    /** Names of visible streams in the bucket (not starting with {@code _} or {@code .}), sorted. */
    public List<String> list() {
        return list(null, false, false);
    }

    /**
     * Names of streams in the bucket matching a glob {@code pattern} ({@code *} and {@code ?}; null
     * for all), with hidden ({@code .}) and temporary ({@code _}) names on request.
     */
    public List<String> list(String pattern, boolean hidden, boolean includeTemp) {
        Pattern glob = pattern == null ? null : Pattern.compile(
                Pattern.quote(pattern).replace("*", "\\E.*\\Q").replace("?", "\\E.\\Q"));
        List<String> out = new ArrayList<>();
        for (BsonDocument doc : metadata.find(Filters.and(Filters.eq("bucket", omega.bucket()), Filters.eq("prefix", PREFIX)))
                .sort(Sorts.ascending("name"))) {
            String n = doc.getString("name", new BsonString("")).getValue();
            if ((!hidden && n.startsWith(".")) || (!includeTemp && n.startsWith("_"))) {
                continue;
            }
            if (glob == null || glob.matcher(n).matches()) {
                out.add(n);
            }
        }
        return out;
    }

    /** Deletes the stream's metadata; messages stay (omega|ml's default). */
    public void drop(String name) {
        drop(name, false, true);
    }

    /**
     * Deletes the stream's metadata. Missing metadata is an error unless {@code force}. With
     * {@code keepData=false} the stream's pending and kept messages and its stream document are
     * deleted too; window documents are left, as omega|ml does.
     */
    public void drop(String name, boolean force, boolean keepData) {
        long deleted = metadata.deleteOne(filter(name)).getDeletedCount();
        if (deleted == 0 && !force) {
            throw new ConfigurationException("omega|ml stream '" + name + "' does not exist in bucket '" + omega.bucket()
                    + "'; pass force to ignore");
        }
        if (!keepData) {
            String qualified = qualifiedName(name);
            omega.minibatch().stream(qualified).clear();
            omega.database().getCollection("stream", BsonDocument.class).deleteOne(Filters.eq("name", qualified));
        }
    }

    private Bson filter(String name) {
        checkName(name);
        // a flat filter, not $and: an upsert copies its equality fields into the new document on every
        // server, while FerretDB copies nothing out of an $and (the document would lack name, bucket, prefix)
        return new BsonDocument("name", new BsonString(name)).append("bucket", new BsonString(omega.bucket()))
                .append("prefix", new BsonString(PREFIX));
    }

    /** Creates the metadata document if missing (first caller's options are stored), returns it. */
    private BsonDocument ensureMetadata(String name, Map<String, ?> streamKwargs, Map<String, ?> streamingKwargs) {
        BsonDocument existing = metadata.find(filter(name)).first();
        if (existing != null) {
            return existing;
        }
        BsonDateTime now = new BsonDateTime(Instant.now().toEpochMilli());
        BsonDocument kindMeta = new BsonDocument()
                .append("stream", new BsonDocument()
                        .append("name", new BsonString(qualifiedName(name)))
                        .append("stream_kwargs", kwargs(streamKwargs))
                        .append("streaming_kwargs", kwargs(streamingKwargs)))
                .append("attach", new BsonDocument().append("source", BsonNull.VALUE)
                        .append("source_kwargs", new BsonDocument()));
        Bson insert = Updates.combine(
                Updates.setOnInsert("kind", "stream.minibatch"),
                Updates.setOnInsert("kind_meta", kindMeta),
                Updates.setOnInsert("attributes", new BsonDocument()),
                Updates.setOnInsert("s3file", new BsonDocument()),
                Updates.setOnInsert("created", now),
                Updates.setOnInsert("modified", now));
        return metadata.findOneAndUpdate(filter(name), insert,
                new FindOneAndUpdateOptions().upsert(true).returnDocument(ReturnDocument.AFTER));
    }

    /** Only values omega|ml stores (numbers, strings, booleans, documents) are kept. */
    private static BsonDocument kwargs(Map<String, ?> values) {
        BsonDocument doc = new BsonDocument();
        values.forEach((k, v) -> {
            if (v instanceof Number || v instanceof String || v instanceof Boolean || v instanceof Map<?, ?>) {
                doc.append(k, BsonJson.toBson(dev.minibatch.internal.Json.mapper().valueToTree(v)));
            } else if (v instanceof Duration d) {
                doc.append(k, new org.bson.BsonDouble(d.toMillis() / 1000.0));
            }
        });
        return doc;
    }

    private static Map<String, Object> stored(BsonDocument meta, String which) {
        Map<String, Object> out = new LinkedHashMap<>();
        BsonValue kindMeta = meta.get("kind_meta");
        if (kindMeta == null || !kindMeta.isDocument()) {
            return out;
        }
        BsonValue stream = kindMeta.asDocument().get("stream");
        if (stream == null || !stream.isDocument()) {
            return out;
        }
        BsonValue kwargs = stream.asDocument().get(which);
        if (kwargs != null && kwargs.isDocument()) {
            JsonNode json = BsonJson.toJson(kwargs);
            json.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().isNumber() ? e.getValue().numberValue()
                    : e.getValue().isBoolean() ? e.getValue().booleanValue() : e.getValue().asText()));
        }
        return out;
    }

    static StreamOptions toStreamOptions(Map<String, ?> kwargs) {
        StreamOptions options = StreamOptions.defaults();
        for (Map.Entry<String, ?> e : kwargs.entrySet()) {
            Object v = e.getValue();
            switch (e.getKey()) {
                case "max_age" -> options = options.maxAge(duration(e.getKey(), v));
                case "batchsize" -> options = options.batchSize(integer(e.getKey(), v));
                case "interval" -> options = options.interval(duration(e.getKey(), v));
                default -> { }
            }
        }
        return options;
    }

    static Duration duration(String key, Object value) {
        if (value instanceof Duration d) {
            return d;
        }
        if (value instanceof Number n) {
            return Duration.ofNanos(Math.round(n.doubleValue() * 1e9));
        }
        try {
            return Options.parseDuration(String.valueOf(value));
        } catch (RuntimeException e) {
            throw new ConfigurationException("option '" + key + "' must be seconds or a duration such as 5s, was '" + value + "'");
        }
    }

    static int integer(String key, Object value) {
        if (value instanceof Number n) {
            return n.intValue();
        }
        try {
            return Integer.parseInt(String.valueOf(value).trim());
        } catch (NumberFormatException e) {
            throw new ConfigurationException("option '" + key + "' must be a whole number, was '" + value + "'");
        }
    }

    static boolean bool(String key, Object value) {
        if (value instanceof Boolean b) {
            return b;
        }
        String text = String.valueOf(value).trim().toLowerCase(java.util.Locale.ROOT);
        return switch (text) {
            case "true", "1", "yes" -> true;
            case "false", "0", "no" -> false;
            default -> throw new ConfigurationException("option '" + key + "' must be true or false, was '" + value + "'");
        };
    }

    private static void checkOptions(Map<String, ?> given, Set<String> valid, String kind) {
        for (String key : given.keySet()) {
            if (!valid.contains(key)) {
                throw new ConfigurationException("unknown " + kind + " option '" + key + "'; valid: "
                        + String.join(", ", new java.util.TreeSet<>(valid))
                        + (kind.equals("stream") && STREAMING_OPTIONS.contains(key)
                        ? " (window options such as '" + key + "' go to getl)" : ""));
            }
        }
    }

    private static void checkName(String name) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("omega|ml stream name must not be empty");
        }
    }
}
