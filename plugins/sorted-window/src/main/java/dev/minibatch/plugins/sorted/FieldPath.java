package dev.minibatch.plugins.sorted;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * Where a value sits in a message: {@code .} for the message itself, a dotted path such as
 * {@code value} or {@code sensor.temp}, or a JSON pointer such as {@code /sensor/temp}. Immutable.
 */
final class FieldPath {

    private final String text;
    private final JsonPointer pointer;

    private FieldPath(String text, JsonPointer pointer) {
        this.text = text;
        this.pointer = pointer;
    }

    static FieldPath parse(String text) {
        String t = text == null ? "" : text.trim();
        if (t.isEmpty()) {
            throw new IllegalArgumentException("a field path must not be empty; use '.' for the whole message");
        }
        if (t.equals(".")) {
            return new FieldPath(t, JsonPointer.empty());
        }
        if (t.startsWith("/")) {
            try {
                return new FieldPath(t, JsonPointer.compile(t));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("'" + t + "' is not a JSON pointer: " + e.getMessage());
            }
        }
        StringBuilder pointer = new StringBuilder();
        for (String part : t.split("\\.", -1)) {
            if (part.isEmpty()) {
                throw new IllegalArgumentException("field path '" + t + "' has an empty part");
            }
            pointer.append('/').append(part.replace("~", "~0").replace("/", "~1"));
        }
        return new FieldPath(t, JsonPointer.compile(pointer.toString()));
    }

    /** The value at this path, or null when the message has none there (or it is JSON null). */
    JsonNode in(JsonNode message) {
        JsonNode found = message.at(pointer);
        return found.isMissingNode() || found.isNull() ? null : found;
    }

    @Override
    public String toString() {
        return text;
    }
}
