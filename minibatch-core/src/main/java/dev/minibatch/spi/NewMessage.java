package dev.minibatch.spi;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Objects;

/**
 * A message on its way into a store, already validated and encoded once by the caller.
 *
 * @param created  producer time, UTC, truncated to milliseconds
 * @param data     the value as a JSON tree (stores that keep trees use it directly)
 * @param json     the same value encoded as UTF-8 JSON (stores that keep text use it directly)
 * @param attempts failed attempts carried over (non-zero only for dead letters)
 * @param error    error text carried over (dead letters), or null
 */
public record NewMessage(Instant created, JsonNode data, byte[] json, int attempts, String error) {
    public NewMessage {
        Objects.requireNonNull(created, "created");
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(json, "json");
    }

    /** The JSON text. */
    public String jsonText() {
        return new String(json, StandardCharsets.UTF_8);
    }
}
