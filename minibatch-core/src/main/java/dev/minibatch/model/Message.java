package dev.minibatch.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.Objects;

/**
 * One stored message of a stream.
 *
 * @param id       the store's identifier, opaque to callers (a number for SQL stores, an ObjectId
 *                 hex string for MongoDB)
 * @param stream   the stream name
 * @param created  when the producer appended it (UTC, millisecond precision)
 * @param data     the message value as JSON; treat it as read-only
 * @param state    where the message is in its life
 * @param attempts how many times a window holding it failed (or its lease expired)
 * @param error    the last failure's text, or null; set on dead letters
 * @param key      the message key ({@link dev.minibatch.Stream#append(String, Object)}, a stream's key extractor or a
 *                 stage's {@code keyBy}), or null for an unkeyed message
 */
public record Message(String id, String stream, Instant created, JsonNode data, MessageState state,
                      int attempts, String error, String key) {

    /**
     * An unkeyed message.
     *
     * @param id the store's identifier
     * @param stream the stream name
     * @param created when the producer appended it
     * @param data the message value as JSON
     * @param state where the message is in its life
     * @param attempts how many times a window holding it failed
     * @param error the last failure's text, or null
     */
    public Message(String id, String stream, Instant created, JsonNode data, MessageState state, int attempts,
                   String error) {
        this(id, stream, created, data, state, attempts, error, null);
    }

    /**
     * Checks that id, stream, created, data and state are not null.
     *
     * @param id the store's identifier
     * @param stream the stream name
     * @param created when the producer appended it
     * @param data the message value as JSON
     * @param state where the message is in its life
     * @param attempts how many times a window holding it failed
     * @param error the last failure's text, or null
     * @param key the message key, or null
     */
    public Message {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(stream, "stream");
        Objects.requireNonNull(created, "created");
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(state, "state");
    }

    /**
     * This message with another key (the stored one is unchanged).
     *
     * @param newKey the key, or null
     * @return a copy with the key
     */
    public Message withKey(String newKey) {
        return new Message(id, stream, created, data, state, attempts, error, newKey);
    }
}
