package dev.minibatch.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.minibatch.model.InvalidMessageException;
import dev.minibatch.model.StoreException;
import java.io.IOException;

/** The one shared Jackson mapper (thread-safe once configured) and the encode/decode helpers. */
public final class Json {

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .addModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .build();

    private Json() {
    }

    public static ObjectMapper mapper() {
        return MAPPER;
    }

    /**
     * Encodes a value as JSON text in one pass (no intermediate tree), or says precisely why it
     * cannot be.
     */
    public static String encode(ObjectMapper mapper, Object value, String stream) {
        if (value == null) {
            throw new InvalidMessageException("stream '" + stream + "': cannot append null; append a JSON value"
                    + " such as a Map, a POJO, a JsonNode, a String or a number");
        }
        try {
            return mapper.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new InvalidMessageException("stream '" + stream + "': value of type " + value.getClass().getName()
                    + " is not JSON-serialisable: " + firstLine(e.getOriginalMessage()), e);
        }
    }

    /** The number of bytes {@code text} takes in UTF-8, without encoding it. */
    public static long utf8Length(String text) {
        long bytes = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x80) {
                bytes++;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                bytes += 4;
                i++;
            } else {
                bytes += 3;
            }
        }
        return bytes;
    }

    /** Decodes stored JSON text; a stored message that is not JSON is a store fault. */
    public static JsonNode parse(String text) {
        try {
            return MAPPER.readTree(text);
        } catch (IOException e) {
            throw new StoreException("stored message is not valid JSON: " + firstLine(e.getMessage()), e);
        }
    }

    /** Parses user-supplied JSON text, reporting the problem as bad input. */
    public static JsonNode parseInput(String text, String what) {
        try {
            JsonNode node = MAPPER.readTree(text);
            if (node == null || node.isMissingNode()) {
                throw new InvalidMessageException(what + ": no JSON value found");
            }
            return node;
        } catch (JsonProcessingException e) {
            throw new InvalidMessageException(what + ": malformed JSON: " + firstLine(e.getOriginalMessage()), e);
        }
    }

    public static String toText(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new InvalidMessageException("cannot encode value as JSON: " + e.getOriginalMessage(), e);
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
