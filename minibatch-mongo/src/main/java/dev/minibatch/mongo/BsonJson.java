package dev.minibatch.mongo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.POJONode;
import dev.minibatch.model.InvalidMessageException;
import dev.minibatch.internal.Json;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Map;
import org.bson.BsonArray;
import org.bson.BsonBinary;
import org.bson.BsonBoolean;
import org.bson.BsonDateTime;
import org.bson.BsonDecimal128;
import org.bson.BsonDocument;
import org.bson.BsonDouble;
import org.bson.BsonInt32;
import org.bson.BsonInt64;
import org.bson.BsonNull;
import org.bson.BsonObjectId;
import org.bson.BsonString;
import org.bson.BsonValue;
import org.bson.json.JsonMode;
import org.bson.json.JsonWriterSettings;
import org.bson.types.Decimal128;
import org.bson.types.ObjectId;

/**
 * Converts between Jackson trees (how minibatch holds message values) and BSON (how MongoDB and
 * Python minibatch store them), losslessly for every JSON value.
 *
 * <p><b>JSON → BSON.</b> Objects become documents, arrays arrays, strings strings, booleans
 * booleans, null null. Integers that fit 32 bits become Int32, those that fit 64 bits Int64, larger
 * ones Decimal128 (up to 34 digits, else a string); doubles Double; big decimals Decimal128. The
 * MongoDB Extended JSON wrappers {@code {"$oid": hex}}, {@code {"$date": iso-or-millis}},
 * {@code {"$numberLong": "…"}} and {@code {"$numberDecimal": "…"}} become the BSON types they
 * describe, so a value read from MongoDB and written back keeps its ObjectIds and dates.
 *
 * <p><b>BSON → JSON.</b> The reverse; BSON types JSON lacks use relaxed Extended JSON:
 * ObjectId → {@code {"$oid": "<24 hex>"}}, Date → {@code {"$date": "2025-01-01T10:00:00.000Z"}},
 * other exotic types (binary, timestamp, regex, …) → the driver's relaxed Extended JSON form.
 *
 * <p>Stateless and thread-safe.
 */
public final class BsonJson {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final JsonWriterSettings RELAXED = JsonWriterSettings.builder().outputMode(JsonMode.RELAXED).build();
    private static final BigInteger LONG_MIN = BigInteger.valueOf(Long.MIN_VALUE);
    private static final BigInteger LONG_MAX = BigInteger.valueOf(Long.MAX_VALUE);

    private BsonJson() {
    }

    /** The BSON value of a JSON tree (null → BSON null). */
    public static BsonValue toBson(JsonNode node) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return BsonNull.VALUE;
        }
        switch (node.getNodeType()) {
            case OBJECT:
                return objectToBson(node);
            case ARRAY: {
                BsonArray array = new BsonArray(node.size());
                for (JsonNode element : node) {
                    array.add(toBson(element));
                }
                return array;
            }
            case STRING:
                return new BsonString(node.textValue());
            case BOOLEAN:
                return BsonBoolean.valueOf(node.booleanValue());
            case NUMBER:
                return numberToBson(node);
            case BINARY:
                try {
                    return new BsonBinary(node.binaryValue());
                } catch (java.io.IOException e) {
                    throw new InvalidMessageException("cannot read binary JSON value: " + e.getMessage(), e);
                }
            case POJO: {
                Object pojo = ((POJONode) node).getPojo();
                return toBson(Json.mapper().valueToTree(pojo));
            }
            default:
                throw new InvalidMessageException("cannot convert JSON node of type " + node.getNodeType() + " to BSON");
        }
    }

    /** A JSON object as a BSON document; other values are refused. */
    public static BsonDocument toDocument(JsonNode node) {
        BsonValue value = toBson(node);
        if (!value.isDocument()) {
            throw new InvalidMessageException("a MongoDB document must be a JSON object, got " + node.getNodeType());
        }
        return value.asDocument();
    }

    private static BsonValue objectToBson(JsonNode node) {
        if (node.size() == 1) {
            BsonValue special = extendedJson(node);
            if (special != null) {
                return special;
            }
        }
        BsonDocument document = new BsonDocument();
        for (Map.Entry<String, JsonNode> field : node.properties()) {
            document.put(field.getKey(), toBson(field.getValue()));
        }
        return document;
    }

    /** The BSON value of a one-key Extended JSON wrapper, or null if it is an ordinary object. */
    private static BsonValue extendedJson(JsonNode node) {
        String key = node.fieldNames().next();
        JsonNode value = node.get(key);
        switch (key) {
            case "$oid":
                if (value.isTextual() && ObjectId.isValid(value.textValue())) {
                    return new BsonObjectId(new ObjectId(value.textValue()));
                }
                return null;
            case "$date":
                if (value.isTextual()) {
                    try {
                        return new BsonDateTime(Instant.parse(value.textValue()).toEpochMilli());
                    } catch (DateTimeParseException e) {
                        return null;
                    }
                }
                if (value.isIntegralNumber() && value.canConvertToLong()) {
                    return new BsonDateTime(value.longValue());
                }
                if (value.isObject() && value.size() == 1 && value.has("$numberLong") && value.get("$numberLong").isTextual()) {
                    try {
                        return new BsonDateTime(Long.parseLong(value.get("$numberLong").textValue()));
                    } catch (NumberFormatException e) {
                        return null;
                    }
                }
                return null;
            case "$numberLong":
                if (value.isTextual()) {
                    try {
                        return new BsonInt64(Long.parseLong(value.textValue()));
                    } catch (NumberFormatException e) {
                        return null;
                    }
                }
                return null;
            case "$numberDecimal":
                if (value.isTextual()) {
                    try {
                        return new BsonDecimal128(Decimal128.parse(value.textValue()));
                    } catch (NumberFormatException e) {
                        return null;
                    }
                }
                return null;
            default:
                return null;
        }
    }

    private static BsonValue numberToBson(JsonNode node) {
        if (node.isInt() || node.isShort()) {
            return new BsonInt32(node.intValue());
        }
        if (node.isLong()) {
            return new BsonInt64(node.longValue());
        }
        if (node.isBigInteger()) {
            BigInteger big = node.bigIntegerValue();
            if (big.compareTo(LONG_MIN) >= 0 && big.compareTo(LONG_MAX) <= 0) {
                return new BsonInt64(big.longValue());
            }
            if (big.abs().toString().length() <= 34) {
                return new BsonDecimal128(new Decimal128(new BigDecimal(big)));
            }
            // beyond Decimal128's 34 digits: keep every digit, as text
            return new BsonString(big.toString());
        }
        if (node.isBigDecimal()) {
            try {
                return new BsonDecimal128(new Decimal128(node.decimalValue()));
            } catch (NumberFormatException | ArithmeticException e) {
                return new BsonDouble(node.doubleValue());
            }
        }
        return new BsonDouble(node.doubleValue());
    }

    /** The JSON tree of a BSON value (see the class comment for non-JSON types). */
    public static JsonNode toJson(BsonValue value) {
        if (value == null) {
            return NODES.nullNode();
        }
        switch (value.getBsonType()) {
            case DOCUMENT: {
                ObjectNode object = NODES.objectNode();
                for (Map.Entry<String, BsonValue> field : value.asDocument().entrySet()) {
                    object.set(field.getKey(), toJson(field.getValue()));
                }
                return object;
            }
            case ARRAY: {
                ArrayNode array = NODES.arrayNode();
                for (BsonValue element : value.asArray()) {
                    array.add(toJson(element));
                }
                return array;
            }
            case STRING:
                return NODES.textNode(value.asString().getValue());
            case SYMBOL:
                return NODES.textNode(value.asSymbol().getSymbol());
            case BOOLEAN:
                return NODES.booleanNode(value.asBoolean().getValue());
            case NULL:
            case UNDEFINED:
                return NODES.nullNode();
            case INT32:
                return NODES.numberNode(value.asInt32().getValue());
            case INT64:
                return NODES.numberNode(value.asInt64().getValue());
            case DOUBLE:
                return NODES.numberNode(value.asDouble().getValue());
            case DECIMAL128:
                return decimalToJson(value.asDecimal128().getValue());
            case OBJECT_ID:
                return NODES.objectNode().put("$oid", value.asObjectId().getValue().toHexString());
            case DATE_TIME:
                return NODES.objectNode().put("$date", Instant.ofEpochMilli(value.asDateTime().getValue()).toString());
            default:
                // binary, timestamp, regex, code, min/max key…: the driver's relaxed Extended JSON
                String text = new BsonDocument("v", value).toJson(RELAXED);
                return Json.parse(text).get("v");
        }
    }

    private static JsonNode decimalToJson(Decimal128 decimal) {
        if (decimal.isNaN() || decimal.isInfinite()) {
            return NODES.objectNode().put("$numberDecimal", decimal.toString());
        }
        BigDecimal big;
        try {
            big = decimal.bigDecimalValue();
        } catch (ArithmeticException negativeZero) {
            return NODES.numberNode(-0.0d);
        }
        if (big.scale() <= 0) {
            BigInteger integer = big.toBigIntegerExact();
            if (integer.compareTo(LONG_MIN) < 0 || integer.compareTo(LONG_MAX) > 0) {
                return NODES.numberNode(integer);
            }
        }
        return NODES.numberNode(big);
    }

    /** The message id minibatch uses for a document {@code _id}: an ObjectId's hex, else its text. */
    static String idText(BsonValue id) {
        if (id == null) {
            return "";
        }
        if (id.isObjectId()) {
            return id.asObjectId().getValue().toHexString();
        }
        if (id.isString()) {
            return id.asString().getValue();
        }
        return toJson(id).toString();
    }

    /** The {@code _id} for a message id given by a caller: 24 hex digits → ObjectId, else a string. */
    static BsonValue idValue(String id) {
        if (ObjectId.isValid(id)) {
            return new BsonObjectId(new ObjectId(id));
        }
        return new BsonString(id);
    }
}
