package dev.minibatch.keyed;

import com.fasterxml.jackson.databind.JsonNode;
import dev.minibatch.model.Message;
import java.util.Objects;
import java.util.function.Function;

/**
 * How a keyed consumer or a stage finds a message's key. Immutable and thread-safe if the function
 * given to {@link #of} is.
 */
public abstract class KeySelector {

    private KeySelector() {
    }

    /**
     * The key computed for {@code message}; null only for {@link #stored()} and unkeyed messages.
     *
     * @throws KeyException when it cannot be computed (a field is missing, the function threw)
     * @param message the message
     * @return the key, or null
     */
    public abstract String keyOf(Message message);

    /**
     * Whether the key is the stored one (so a {@link dev.minibatch.spi.store.KeyedStore} can claim by it).
     *
     * @return true for {@link #stored()}
     */
    public boolean isStored() {
        return false;
    }

    /**
     * The stored message key; unkeyed messages form one group with key null.
     *
     * @return the selector
     */
    public static KeySelector stored() {
        return Stored.INSTANCE;
    }

    /**
     * The value at a dot-separated field path of the data, e.g. {@code "sensor"} or
     * {@code "meta.device"}: text values as they are, other values as JSON. A message without the
     * field has no key and goes to the dead-letter stream.
     *
     * @param path the field path
     * @return the selector
     */
    public static KeySelector field(String path) {
        Objects.requireNonNull(path, "path");
        if (path.isBlank() || path.startsWith(".") || path.endsWith(".") || path.contains("..")) {
            throw new IllegalArgumentException("a key field path is like \"sensor\" or \"meta.device\", was \"" + path + "\"");
        }
        return new Field(path);
    }

    /**
     * A function of the data; a null result or an exception means the message has no key (dead letter).
     *
     * @param function computes the key from the data
     * @return the selector
     */
    public static KeySelector of(Function<JsonNode, String> function) {
        return new Computed(Objects.requireNonNull(function, "function"));
    }

    /** The key of a message could not be computed; the message goes to the dead-letter stream alone. */
    public static final class KeyException extends RuntimeException {
        /**
         * An exception with a message and a cause.
         *
         * @param message why the key could not be computed
         * @param cause the underlying failure, or null
         */
        public KeyException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private static final class Stored extends KeySelector {
        static final Stored INSTANCE = new Stored();

        @Override
        public String keyOf(Message message) {
            return message.key();
        }

        @Override
        public boolean isStored() {
            return true;
        }

        @Override
        public String toString() {
            return "stored key";
        }
    }

    private static final class Field extends KeySelector {
        private final String path;
        private final String[] parts;

        Field(String path) {
            this.path = path;
            this.parts = path.split("\\.");
        }

        @Override
        public String keyOf(Message message) {
            JsonNode node = message.data();
            for (String part : parts) {
                node = node == null ? null : node.get(part);
            }
            if (node == null || node.isNull() || node.isMissingNode()) {
                throw new KeyException("key field '" + path + "' is missing in message " + message.id(), null);
            }
            return node.isValueNode() ? node.asText() : node.toString();
        }

        @Override
        public String toString() {
            return "field " + path;
        }
    }

    private static final class Computed extends KeySelector {
        private final Function<JsonNode, String> function;

        Computed(Function<JsonNode, String> function) {
            this.function = function;
        }

        @Override
        public String keyOf(Message message) {
            String key;
            try {
                key = function.apply(message.data());
            } catch (RuntimeException e) {
                throw new KeyException("key function failed on message " + message.id() + ": " + e, e);
            }
            if (key == null) {
                throw new KeyException("key function returned null for message " + message.id(), null);
            }
            return key;
        }

        @Override
        public String toString() {
            return "key function";
        }
    }
}
