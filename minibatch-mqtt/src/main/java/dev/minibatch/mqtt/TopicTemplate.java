package dev.minibatch.mqtt;

import com.fasterxml.jackson.databind.JsonNode;
import dev.minibatch.model.ConfigurationException;
import dev.minibatch.model.InvalidMessageException;
import java.util.ArrayList;
import java.util.List;

/**
 * A publish topic with {@code {field}} placeholders filled from each message, e.g.
 * {@code sensors/{id}/avg} or {@code plant/{site.name}/out} (dots walk into nested objects).
 * A value must be a string, number or boolean; values containing the MQTT wildcards {@code +} or
 * {@code #} (or NUL) are rejected, a {@code /} in a value adds topic levels. Immutable.
 */
final class TopicTemplate {

    private final String text;
    private final List<String> literals = new ArrayList<>();
    private final List<String[]> fields = new ArrayList<>();

    TopicTemplate(String text, String owner) {
        this.text = text;
        int at = 0;
        StringBuilder literal = new StringBuilder();
        while (at < text.length()) {
            char c = text.charAt(at);
            if (c == '{') {
                int end = text.indexOf('}', at);
                if (end < 0) {
                    throw new ConfigurationException(owner + ": topic template '" + text + "' has an unclosed '{'");
                }
                String name = text.substring(at + 1, end).trim();
                if (name.isEmpty() || name.contains("{")) {
                    throw new ConfigurationException(owner + ": topic template '" + text
                            + "' has an empty or nested placeholder; write {field} or {outer.inner}");
                }
                literals.add(literal.toString());
                literal.setLength(0);
                fields.add(name.split("\\.", -1));
                at = end + 1;
            } else if (c == '}') {
                throw new ConfigurationException(owner + ": topic template '" + text + "' has a '}' without '{'");
            } else {
                literal.append(c);
                at++;
            }
        }
        literals.add(literal.toString());
        for (String part : literals) {
            if (part.indexOf('+') >= 0 || part.indexOf('#') >= 0 || part.indexOf('\0') >= 0) {
                throw new ConfigurationException(owner + ": cannot publish to '" + text
                        + "': wildcards + and # belong in subscriptions, not in a publish topic");
            }
        }
        if (text.isEmpty()) {
            throw new ConfigurationException(owner + ": the topic must not be empty");
        }
    }

    /** Whether any placeholder needs the message. */
    boolean hasPlaceholders() {
        return !fields.isEmpty();
    }

    /** The concrete topic for one message. */
    String resolve(JsonNode message) {
        if (fields.isEmpty()) {
            return text;
        }
        StringBuilder topic = new StringBuilder(literals.get(0));
        for (int i = 0; i < fields.size(); i++) {
            String[] path = fields.get(i);
            String name = String.join(".", path);
            JsonNode node = message;
            for (String step : path) {
                if (node == null || !node.isObject()) {
                    throw new InvalidMessageException("topic template '" + text + "' needs field '" + name
                            + "', but the message " + (message != null && message.isObject() ? "has no such field" : "is not a JSON object")
                            + ": " + abbreviate(message));
                }
                node = node.get(step);
            }
            if (node == null || node.isNull() || node.isMissingNode()) {
                throw new InvalidMessageException("topic template '" + text + "' needs field '" + name
                        + "', which is missing or null in " + abbreviate(message));
            }
            if (!node.isValueNode()) {
                throw new InvalidMessageException("topic template '" + text + "': field '" + name
                        + "' must be a string, number or boolean, was " + abbreviate(node));
            }
            String value = node.asText();
            if (value.isEmpty() || value.indexOf('+') >= 0 || value.indexOf('#') >= 0 || value.indexOf('\0') >= 0) {
                throw new InvalidMessageException("topic template '" + text + "': field '" + name + "' value '"
                        + value + "' is empty or holds an MQTT wildcard (+ or #)");
            }
            topic.append(value).append(literals.get(i + 1));
        }
        return topic.toString();
    }

    private static String abbreviate(JsonNode node) {
        String s = String.valueOf(node);
        return s.length() > 200 ? s.substring(0, 200) + "…" : s;
    }

    @Override
    public String toString() {
        return text;
    }
}
