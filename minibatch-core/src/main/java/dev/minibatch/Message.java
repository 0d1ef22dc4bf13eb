package dev.minibatch;

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
 */
public record Message(String id, String stream, Instant created, JsonNode data, MessageState state,
                      int attempts, String error) {
    public Message {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(stream, "stream");
        Objects.requireNonNull(created, "created");
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(state, "state");
    }
}
