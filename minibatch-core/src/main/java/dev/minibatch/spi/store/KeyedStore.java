package dev.minibatch.spi.store;

import java.time.Instant;
import java.util.List;

/**
 * Optional store capability: message keys kept and indexed. A keyed store stores
 * {@link NewMessage#key()}, returns it in {@link dev.minibatch.model.Message#key()}, and honours
 * {@link Selection#byKey()} in {@code read} and {@code claim} (one key per claim, still atomic and
 * in append order within the key). Keyed consumers use it to claim per key without reading the
 * buffer; on stores without it they read pending messages and claim by ids (correct, slower).
 *
 * <p>Stores that do not implement this interface ignore {@link Selection#byKey()}, so callers test
 * for the capability before selecting by key. Thread-safe, like the store.
 */
public interface KeyedStore {

    /**
     * Counts the PENDING messages available at {@code now} per key, within the selection's time
     * bounds (its ids, limit, minCount and key are ignored), keys ordered by their oldest such
     * message. Unkeyed messages are counted under a null key.
     *
     * @param stream the stream's name
     * @param selection the time bounds
     * @param now the caller's time
     * @return the counts per key
     */
    List<KeyCount> pendingByKey(String stream, Selection selection, Instant now);

    /**
     * Pending messages of one key.
     *
     * @param key    the key, or null for unkeyed messages
     * @param count  how many are pending and available
     * @param oldest creation time of the oldest of them
     */
    record KeyCount(String key, long count, Instant oldest) {
    }
}
