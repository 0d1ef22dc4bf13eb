package dev.minibatch.spi.store;

import com.fasterxml.jackson.databind.JsonNode;
import dev.minibatch.internal.Json;
import java.time.Instant;
import java.util.Objects;

/**
 * A message on its way into a store, validated and encoded once by the caller. It always carries
 * the JSON text (what SQL stores write); the JSON tree (what the memory and MongoDB stores keep) is
 * parsed from the text on first use unless the caller already had one — so a store pays only for
 * the form it needs. Immutable and thread-safe.
 */
public final class NewMessage {

    private final Instant created;
    private final String json;
    private final int attempts;
    private final String error;
    private final String key;
    private final String origin;
    private volatile JsonNode data;

    /**
     * @param created  producer time, UTC, truncated to milliseconds
     * @param data     the value as a JSON tree, or null to parse it from {@code json} when needed
     * @param json     the same value as JSON text
     * @param attempts failed attempts carried over (non-zero only for dead letters)
     * @param error    error text carried over (dead letters), or null
     */
    public NewMessage(Instant created, JsonNode data, String json, int attempts, String error) {
        this(created, data, json, attempts, error, null);
    }

    /**
     * A message with a key.
     *
     * @param key the message key, or null for none (stores that keep keys index it)
     * @param created producer time, UTC, truncated to milliseconds
     * @param data the value as a JSON tree, or null to parse it from {@code json} when needed
     * @param json the same value as JSON text
     * @param attempts failed attempts carried over (non-zero only for dead letters)
     * @param error error text carried over (dead letters), or null
     */
    public NewMessage(Instant created, JsonNode data, String json, int attempts, String error, String key) {
        this(created, data, json, attempts, error, key, null);
    }

    private NewMessage(Instant created, JsonNode data, String json, int attempts, String error, String key, String origin) {
        this.origin = origin;
        this.created = Objects.requireNonNull(created, "created");
        this.json = Objects.requireNonNull(json, "json");
        this.data = data;
        this.attempts = attempts;
        this.error = error;
        this.key = key;
    }

    /**
     * This message with {@code newKey} (null for none).
     *
     * @param newKey the key
     * @return a copy with the key
     */
    public NewMessage withKey(String newKey) {
        return new NewMessage(created, data, json, attempts, error, newKey, origin);
    }

    /**
     * This message with an origin: text that names where it comes from, the same on every attempt
     * to append it and different for every other message appended to the same stream — a stage
     * writes its input's stream, message id and the output's index. Stores that cannot append and
     * commit in one transaction derive the stored id from it and skip a second append of the same
     * origin (MongoDB), so a retried stage window appends nothing twice; other stores ignore it.
     *
     * @param newOrigin the origin
     * @return a copy with the origin
     */
    public NewMessage withOrigin(String newOrigin) {
        return new NewMessage(created, data, json, attempts, error, key, newOrigin);
    }

    /**
     * Where the message comes from (see {@link #withOrigin}), or null.
     *
     * @return the origin, or null
     */
    public String origin() {
        return origin;
    }

    /**
     * A message from JSON text; the tree is parsed when a store asks for it.
     *
     * @param created producer time
     * @param json the value as JSON text
     * @param attempts failed attempts carried over
     * @param error error text carried over, or null
     * @return the message
     */
    public static NewMessage ofJson(Instant created, String json, int attempts, String error) {
        return new NewMessage(created, null, json, attempts, error);
    }

    /**
     * A message from a JSON tree (encoded to text here).
     *
     * @param created producer time
     * @param data the value as a JSON tree
     * @param attempts failed attempts carried over
     * @param error error text carried over, or null
     * @return the message
     */
    public static NewMessage ofTree(Instant created, JsonNode data, int attempts, String error) {
        return new NewMessage(created, Objects.requireNonNull(data, "data"), Json.toText(data), attempts, error);
    }

    /**
     * Producer time, UTC, truncated to milliseconds.
     *
     * @return the creation time
     */
    public Instant created() {
        return created;
    }

    /**
     * The value as a JSON tree (parsed from the text on first call); treat it as read-only.
     *
     * @return the JSON tree
     */
    public JsonNode data() {
        JsonNode tree = data;
        if (tree == null) {
            tree = Json.parse(json);
            data = tree;
        }
        return tree;
    }

    /**
     * The value as JSON text.
     *
     * @return the JSON text
     */
    public String json() {
        return json;
    }

    /**
     * Failed attempts carried over (non-zero only for dead letters).
     *
     * @return the attempts
     */
    public int attempts() {
        return attempts;
    }

    /**
     * Error text carried over (dead letters), or null.
     *
     * @return the error text
     */
    public String error() {
        return error;
    }

    /**
     * The key, or null for an unkeyed message.
     *
     * @return the key, or null
     */
    public String key() {
        return key;
    }

    @Override
    public String toString() {
        return "NewMessage[" + created + (key == null ? "" : " key=" + key) + " " + json + (error == null ? "" : ", error=" + error) + "]";
    }
}
