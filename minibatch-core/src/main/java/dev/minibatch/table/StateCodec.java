package dev.minibatch.table;

import dev.minibatch.model.TableValueException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.minibatch.internal.Json;

/** Maps state values to JSON and back, enforcing the size limit; errors name the table and key. */
final class StateCodec {

    private final ObjectMapper mapper;
    private final int maxBytes;

    StateCodec(ObjectMapper mapper, int maxBytes) {
        this.mapper = mapper;
        this.maxBytes = maxBytes;
    }

    /** The value as a JSON tree; null stays null (removes the key). */
    JsonNode encode(String table, String key, Object value) {
        if (value == null) {
            return null;
        }
        JsonNode tree;
        String text;
        try {
            // a copy: the caller's tree (an initial value shared by every new key) must not become stored state
            tree = value instanceof JsonNode node ? node.deepCopy() : mapper.valueToTree(value);
            text = mapper.writeValueAsString(tree);
        } catch (IllegalArgumentException | JsonProcessingException e) {
            throw new TableValueException(table, key, "a value of type " + value.getClass().getName()
                    + " is not JSON-mappable: " + firstLine(e.getMessage()), e);
        }
        long bytes = Json.utf8Length(text);
        if (bytes > maxBytes) {
            throw new TableValueException(table, key, "the value is " + bytes + " bytes of JSON, over the limit of "
                    + maxBytes + " (Minibatch.builder().maxStateBytes)", null);
        }
        return tree;
    }

    /** A stored value as {@code type}; null (absent) stays null. */
    <T> T decode(String table, String key, JsonNode stored, Class<T> type) {
        if (stored == null) {
            return null;
        }
        if (JsonNode.class.isAssignableFrom(type)) {
            return type.cast(stored.deepCopy()); // state functions may mutate what they get; stored state stays as committed
        }
        try {
            return mapper.treeToValue(stored, type);
        } catch (IllegalArgumentException | JsonProcessingException e) {
            throw new TableValueException(table, key, "the stored value " + Table.abbreviate(stored.toString())
                    + " does not map to " + type.getName() + ": " + firstLine(e.getMessage()), e);
        }
    }

    <T> T decodeMessage(String table, JsonNode data, Class<T> type, String messageId) {
        if (JsonNode.class.isAssignableFrom(type)) {
            return type.cast(data.deepCopy()); // the window's message stays as delivered
        }
        try {
            return mapper.treeToValue(data, type);
        } catch (IllegalArgumentException | JsonProcessingException e) {
            throw new IllegalArgumentException("table '" + table + "': message " + messageId + " value "
                    + Table.abbreviate(String.valueOf(data)) + " does not map to " + type.getName() + ": " + firstLine(e.getMessage()), e);
        }
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "(no detail)";
        }
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }
}
