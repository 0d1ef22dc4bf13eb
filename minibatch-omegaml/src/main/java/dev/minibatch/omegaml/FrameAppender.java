package dev.minibatch.omegaml;

import com.fasterxml.jackson.databind.JsonNode;
import com.mongodb.client.model.Updates;
import dev.minibatch.model.ConfigurationException;
import dev.minibatch.internal.Json;
import dev.minibatch.mongo.BsonJson;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bson.BsonArray;
import org.bson.BsonBoolean;
import org.bson.BsonDateTime;
import org.bson.BsonDocument;
import org.bson.BsonDouble;
import org.bson.BsonInt64;
import org.bson.BsonNull;
import org.bson.BsonString;
import org.bson.BsonValue;
import org.bson.conversions.Bson;

/**
 * Rows appended to a {@code pandas.dfrows}/{@code pandas.serows} dataset the way pandas would
 * append them to the frame that is there ({@code pd.concat([df, rows.set_index(levels)])}), so that
 * omega|ml 0.18 reads the dataset back as one frame:
 * <ul>
 *   <li>index levels are the frame's own ({@code _idx#<n>_<name>} of {@code kind_meta.columns},
 *       names from {@code idx_meta.names}); a row fills a named level from its field of that name
 *       (the field is then no data column), an unnamed one from {@code index} (one level) or
 *       {@code level_<n>} (a MultiIndex) — the names pandas' {@code reset_index} gives them;</li>
 *   <li>a row without such a field gets what pandas' concat of a default index gives only where
 *       that is faithful: the row's position in the batch for a single unnamed integer level;
 *       otherwise the row is refused (a named or datetime level has no pandas default);</li>
 *   <li>values go into typed columns as pandas stores them: dates as BSON dates in datetime
 *       columns (from Instant, OffsetDateTime, ZonedDateTime, LocalDateTime as UTC wall time,
 *       java.util.Date, ISO-8601 strings), numbers in numeric columns, booleans in bool ones;
 *       a value that cannot go in its column is refused;</li>
 *   <li>{@code .} in column names becomes {@code _}; new columns join {@code kind_meta.columns}
 *       (before {@code _om#rowid}) and {@code kind_meta.dtypes}; a DatetimeIndex' {@code freq}
 *       is dropped from {@code idx_meta}, as pandas' concat drops it.</li>
 * </ul>
 * A refused row is a {@link ConfigurationException} naming the dataset, the row and the column or
 * index level, thrown before anything is written.
 */
final class FrameAppender {

    private record Level(int number, String stored, String name, String dtype) {
        /** The field a row gives this level's value in. */
        String field(int levels) {
            return name != null ? name : levels == 1 ? "index" : "level_" + number;
        }
    }

    private final String dataset;
    private final BsonDocument kindMeta;
    private final List<Level> levels = new ArrayList<>();
    private final List<String> storedColumns;
    private final BsonDocument dtypes;
    private final Map<String, String> added = new LinkedHashMap<>();

    FrameAppender(String dataset, BsonDocument kindMeta) {
        this.dataset = dataset;
        this.kindMeta = kindMeta;
        this.storedColumns = OmegaDatasets.storedColumns(kindMeta);
        this.dtypes = kindMeta.isDocument("dtypes") ? kindMeta.getDocument("dtypes").clone() : new BsonDocument();
        List<String> names = OmegaDatasets.indexNames(kindMeta);
        for (String stored : storedColumns) {
            if (stored.startsWith(OmegaDatasets.INDEX_PREFIX)) {
                int n = OmegaDatasets.indexLevel(stored);
                String name = n >= 0 && n < names.size() ? names.get(n) : null;
                levels.add(new Level(n, stored, name, dtype(stored)));
            }
        }
        if (levels.isEmpty()) { // an empty frame's metadata: pandas' default index
            levels.add(new Level(0, "_idx#0_0", null, "int64"));
            added.put("_idx#0_0", "_idx#0_0");
            dtypes.put("_idx#0_0", new BsonString("int64"));
        }
        if (!storedColumns.contains(OmegaDatasets.ROWID)) {
            added.put(OmegaDatasets.ROWID, OmegaDatasets.ROWID);
            dtypes.put(OmegaDatasets.ROWID, new BsonString("int64"));
        }
    }

    /** The stored document of row {@code position} (0-based in the batch); {@code rowCount} rows exist already. */
    BsonDocument document(Object row, int position, long rowCount) {
        Map<String, Object> fields = fields(row);
        BsonDocument doc = new BsonDocument();
        for (Level level : levels) {
            String field = level.field(levels.size());
            boolean dataColumn = level.name() == null && storedColumns.contains(field.replace('.', '_'));
            if (fields.containsKey(field) && !dataColumn) {
                doc.put(level.stored(), convert(fields.remove(field), level.dtype(), position, "index level '" + field + "'"));
            } else if (level.name() == null && levels.size() == 1 && isInteger(level.dtype())) {
                doc.put(level.stored(), new BsonInt64(position)); // pd.concat with a fresh default index
            } else {
                throw refused(position, "has no field '" + field + "' for the frame's "
                        + (level.name() == null ? "unnamed " : "") + "index level " + level.number() + " (" + level.dtype()
                        + "), and pandas has no default for it");
            }
        }
        for (Map.Entry<String, Object> f : fields.entrySet()) {
            String stored = f.getKey().replace('.', '_');
            if (stored.startsWith(OmegaDatasets.INDEX_PREFIX) || stored.startsWith("_om#")) {
                throw refused(position, "has a field '" + f.getKey() + "': names starting with _idx# or _om# are omega|ml's own");
            }
            String dtype = dtypes.isString(stored) ? dtypes.getString(stored).getValue() : null;
            BsonValue value = convert(f.getValue(), dtype, position, "column '" + f.getKey() + "'");
            doc.put(stored, value);
            if (!storedColumns.contains(stored) && !added.containsKey(stored)) {
                added.put(stored, f.getKey());
            }
            if (dtype == null && !value.isNull()) {
                dtypes.put(stored, new BsonString(inferDtype(value)));
            }
        }
        doc.put(OmegaDatasets.ROWID, new BsonInt64(rowCount + position));
        return doc;
    }

    /** The kind_meta update for new columns and the dropped freq, or null. */
    Bson metadataUpdate() {
        List<Bson> updates = new ArrayList<>();
        if (kindMeta.isDocument("idx_meta") && kindMeta.getDocument("idx_meta").containsKey("freq")) {
            updates.add(Updates.unset("kind_meta.idx_meta.freq"));
        }
        if (!added.isEmpty()) {
            BsonArray columns = kindMeta.isArray("columns") ? kindMeta.getArray("columns") : new BsonArray();
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
            updates.add(Updates.set("kind_meta.columns", ordered));
            if (added.containsKey("_idx#0_0") && !kindMeta.isDocument("idx_meta")) {
                updates.add(Updates.set("kind_meta.idx_meta", new BsonDocument("names", new BsonArray(List.of(BsonNull.VALUE)))));
            }
        }
        if (!added.isEmpty() || !dtypes.equals(kindMeta.get("dtypes"))) {
            updates.add(Updates.set("kind_meta.dtypes", dtypes));
        }
        return updates.isEmpty() ? null : Updates.combine(updates);
    }

    private String dtype(String stored) {
        return dtypes.isString(stored) ? dtypes.getString(stored).getValue() : "object";
    }

    /** A row's fields in order; a non-object row is the value of the frame's one data column (a Series), else {@code value}. */
    private Map<String, Object> fields(Object row) {
        Map<String, Object> out = new LinkedHashMap<>();
        if (row instanceof Map<?, ?> map) {
            map.forEach((k, v) -> out.put(String.valueOf(k), v));
        } else if (row instanceof JsonNode node && node.isObject()) {
            node.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue()));
        } else {
            List<String> data = storedColumns.stream()
                    .filter(c -> !c.startsWith(OmegaDatasets.INDEX_PREFIX) && !c.equals(OmegaDatasets.ROWID)).toList();
            out.put(data.size() == 1 ? originalName(data.get(0)) : "value", row);
        }
        return out;
    }

    private String originalName(String stored) {
        for (BsonValue pair : kindMeta.getArray("columns", new BsonArray())) {
            if (pair.isArray() && pair.asArray().size() >= 2 && pair.asArray().get(1).equals(new BsonString(stored))
                    && pair.asArray().get(0).isString()) {
                return pair.asArray().get(0).asString().getValue();
            }
        }
        return stored;
    }

    private BsonValue convert(Object value, String dtype, int position, String what) {
        Object v = value instanceof JsonNode node ? unwrap(node) : value;
        if (dtype == null || dtype.equals("object") || dtype.equals("category") || dtype.startsWith("string")) {
            return toBson(v);
        }
        if (v == null) {
            return dtype.startsWith("float") ? new BsonDouble(Double.NaN) : BsonNull.VALUE;
        }
        if (dtype.startsWith("datetime64")) {
            BsonDateTime date = date(v);
            if (date == null) {
                throw refused(position, what + " is " + dtype + " and cannot take " + describe(v)
                        + " (give an Instant, OffsetDateTime, LocalDateTime or an ISO-8601 text)");
            }
            return date;
        }
        if (isInteger(dtype) || dtype.startsWith("float") || dtype.startsWith("uint")) {
            if (v instanceof Number n && !(v instanceof Double || v instanceof Float || v instanceof java.math.BigDecimal)) {
                return dtype.startsWith("float") ? new BsonDouble(n.doubleValue()) : new BsonInt64(n.longValue());
            }
            if (v instanceof Number n) {
                return new BsonDouble(n.doubleValue()); // pandas makes the column float64
            }
            throw refused(position, what + " is " + dtype + " and cannot take " + describe(v));
        }
        if (dtype.equals("bool") || dtype.equals("boolean")) {
            if (v instanceof Boolean b) {
                return BsonBoolean.valueOf(b);
            }
            throw refused(position, what + " is " + dtype + " and cannot take " + describe(v));
        }
        return toBson(v);
    }

    private static boolean isInteger(String dtype) {
        return dtype.startsWith("int") || dtype.startsWith("Int") || dtype.startsWith("uint") || dtype.startsWith("UInt");
    }

    private static Object unwrap(JsonNode node) {
        if (node.isNull() || node.isMissingNode()) {
            return null;
        }
        if (node.isTextual()) {
            return node.asText();
        }
        if (node.isBoolean()) {
            return node.booleanValue();
        }
        if (node.isNumber()) {
            return node.numberValue();
        }
        return node;
    }

    private static String describe(Object v) {
        return (v instanceof String ? "'" + v + "'" : String.valueOf(v)) + " (" + v.getClass().getSimpleName() + ")";
    }

    private ConfigurationException refused(int position, String why) {
        return new ConfigurationException("omega|ml dataset '" + dataset + "': row " + position + " of the batch " + why
                + "; nothing of the batch was written");
    }

    /** A date value as a BSON date, or null when it is none. Local date-times are UTC wall time, as pandas stores naive ones. */
    static BsonDateTime date(Object v) {
        Instant instant = null;
        if (v instanceof Instant i) {
            instant = i;
        } else if (v instanceof OffsetDateTime o) {
            instant = o.toInstant();
        } else if (v instanceof ZonedDateTime z) {
            instant = z.toInstant();
        } else if (v instanceof LocalDateTime l) {
            instant = l.toInstant(ZoneOffset.UTC);
        } else if (v instanceof LocalDate d) {
            instant = d.atStartOfDay().toInstant(ZoneOffset.UTC);
        } else if (v instanceof Date d) {
            instant = d.toInstant();
        } else if (v instanceof String s) {
            instant = parse(s.trim());
        }
        return instant == null ? null : new BsonDateTime(instant.toEpochMilli());
    }

    private static Instant parse(String text) {
        try {
            return OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException notOffset) {
            try {
                return LocalDateTime.parse(text.replace(' ', 'T')).toInstant(ZoneOffset.UTC);
            } catch (DateTimeParseException notLocal) {
                try {
                    return LocalDate.parse(text).atStartOfDay().toInstant(ZoneOffset.UTC);
                } catch (DateTimeParseException none) {
                    return null;
                }
            }
        }
    }

    /** A Java value as BSON, dates (java.time, java.util.Date) as BSON dates, the rest as its JSON. */
    static BsonValue toBson(Object v) {
        if (v == null) {
            return BsonNull.VALUE;
        }
        if (v instanceof JsonNode node) {
            return BsonJson.toBson(node);
        }
        if (!(v instanceof String)) {
            BsonDateTime date = date(v);
            if (date != null) {
                return date;
            }
        }
        if (v instanceof Map<?, ?> map) {
            BsonDocument doc = new BsonDocument();
            map.forEach((k, x) -> doc.put(String.valueOf(k), toBson(x)));
            return doc;
        }
        if (v instanceof Collection<?> list) {
            BsonArray array = new BsonArray();
            list.forEach(x -> array.add(toBson(x)));
            return array;
        }
        return BsonJson.toBson(Json.mapper().valueToTree(v));
    }

    private static String inferDtype(BsonValue value) {
        return switch (value.getBsonType()) {
            case INT32, INT64 -> "int64";
            case DOUBLE -> "float64";
            case BOOLEAN -> "bool";
            case DATE_TIME -> "datetime64[ns]";
            default -> "object";
        };
    }
}
