package dev.minibatch.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.minibatch.model.Message;
import dev.minibatch.model.Window;
import java.io.UncheckedIOException;
import java.time.Instant;

/**
 * The JSON shapes the command prints: one window or one stored message per line (NDJSON).
 * Stateless and thread-safe.
 *
 * <p>A window: {@code {"stream","window","created","size","from"?,"to"?,"data":[…]}} ({@code from}
 * and {@code to} only for time windows). A message: {@code {"id","created","state","attempts",
 * "error"?,"data"}}.
 */
public final class JsonOutput {

    private static final ObjectMapper MAPPER = JsonMapper.builder().build();

    private JsonOutput() {
    }

    public static ObjectMapper mapper() {
        return MAPPER;
    }

    /** The window envelope with {@code data} as its payload (the window's data or a function's result). */
    public static ObjectNode window(Window window, Object data) {
        ObjectNode node = MAPPER.createObjectNode();
        node.put("stream", window.stream());
        node.put("window", window.id());
        node.put("created", window.created().toString());
        node.put("size", window.size());
        if (window.from() != null) {
            node.put("from", window.from().toString());
        }
        if (window.to() != null) {
            node.put("to", window.to().toString());
        }
        node.set("data", MAPPER.valueToTree(data));
        return node;
    }

    /** A stored message with its bookkeeping. */
    public static ObjectNode message(Message message) {
        ObjectNode node = MAPPER.createObjectNode();
        node.put("id", message.id());
        node.put("created", message.created().toString());
        node.put("state", message.state().name().toLowerCase(java.util.Locale.ROOT));
        node.put("attempts", message.attempts());
        if (message.error() != null) {
            node.put("error", message.error());
        }
        node.set("data", message.data());
        return node;
    }

    /** One line of JSON. */
    public static String line(Object value) {
        try {
            return MAPPER.writeValueAsString(value instanceof JsonNode n ? n : MAPPER.valueToTree(value));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String instant(Instant t) {
        return t == null ? null : t.toString();
    }
}
