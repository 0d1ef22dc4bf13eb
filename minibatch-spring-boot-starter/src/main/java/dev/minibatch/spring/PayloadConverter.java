package dev.minibatch.spring;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.minibatch.model.InvalidMessageException;
import dev.minibatch.model.Window;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns a window's JSON values (Jackson 2 trees, as the core keeps them) into the element type
 * of a {@code List<T>} listener parameter, with the application's mapper. Thread-safe.
 */
interface PayloadConverter {

    /** Converts one value; throws a descriptive exception when the value does not fit. */
    Object convert(JsonNode value, Type type) throws Exception;

    /** Which mapper converts, for logs. */
    String describe();

    default List<Object> convertAll(Window window, Type type) {
        List<Object> out = new ArrayList<>(window.size());
        for (JsonNode node : window.data()) {
            try {
                out.add(convert(node, type));
            } catch (Exception e) {
                throw new InvalidMessageException("window " + window.id() + " of stream '" + window.stream()
                        + "': cannot convert " + abbreviate(node.toString()) + " to " + type.getTypeName()
                        + " with " + describe() + ": " + e.getMessage(), e);
            }
        }
        return out;
    }

    private static String abbreviate(String text) {
        return text.length() > 200 ? text.substring(0, 200) + "…" : text;
    }

    /** With a Jackson 2 {@code ObjectMapper}: straight from the tree. */
    static PayloadConverter jackson2(ObjectMapper mapper) {
        return new PayloadConverter() {
            @Override
            public Object convert(JsonNode value, Type type) throws Exception {
                return mapper.treeToValue(value, mapper.constructType(type));
            }

            @Override
            public String describe() {
                return "the Jackson 2 ObjectMapper";
            }
        };
    }
}
