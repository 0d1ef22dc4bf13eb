package dev.minibatch.spi.store;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Which pending messages of a stream a read or claim takes. Messages are always taken in append
 * order: by creation time, then by the store's sequence. Immutable; each {@code with…} method
 * returns a copy.
 *
 * @param createdFrom   inclusive lower bound on {@code created}, or null
 * @param createdBefore exclusive upper bound on {@code created}, or null (half-open ranges, so a
 *                      message on a boundary belongs to exactly one window)
 * @param limit         at most this many messages; 0 means no limit
 * @param minCount      all-or-nothing: when fewer than this many match, a claim takes none; 0 = off
 * @param ids           only these message ids, or null for any
 * @param byKey         whether only messages of one key are selected; only {@link KeyedStore}s
 *                      honour it, so callers check for that capability before setting it
 * @param key           with {@code byKey}, the key (null selects the unkeyed messages)
 */
public record Selection(Instant createdFrom, Instant createdBefore, int limit, int minCount, Set<String> ids,
                        boolean byKey, String key) {

    private static final Selection PENDING = new Selection(null, null, 0, 0, null);

    /**
     * A selection of any key.
     *
     * @param createdFrom inclusive lower bound on {@code created}, or null
     * @param createdBefore exclusive upper bound on {@code created}, or null
     * @param limit at most this many messages; 0 means no limit
     * @param minCount all-or-nothing minimum of a claim; 0 = off
     * @param ids only these message ids, or null for any
     */
    public Selection(Instant createdFrom, Instant createdBefore, int limit, int minCount, Set<String> ids) {
        this(createdFrom, createdBefore, limit, minCount, ids, false, null);
    }

    /**
     * Checks the bounds and copies the ids.
     *
     * @throws IllegalArgumentException if limit or minCount is negative, minCount exceeds a limit, or a key is given without byKey
     * @param createdFrom inclusive lower bound on {@code created}, or null
     * @param createdBefore exclusive upper bound on {@code created}, or null
     * @param limit at most this many messages; 0 means no limit
     * @param minCount all-or-nothing minimum of a claim; 0 = off
     * @param ids only these message ids, or null for any
     * @param byKey whether only messages of one key are selected
     * @param key with {@code byKey}, the key (null selects the unkeyed messages)
     */
    public Selection {
        if (limit < 0) {
            throw new IllegalArgumentException("limit must be >= 0, was " + limit);
        }
        if (minCount < 0) {
            throw new IllegalArgumentException("minCount must be >= 0, was " + minCount);
        }
        if (limit > 0 && minCount > limit) {
            throw new IllegalArgumentException("minCount " + minCount + " exceeds limit " + limit);
        }
        ids = ids == null ? null : Set.copyOf(ids);
        if (!byKey && key != null) {
            throw new IllegalArgumentException("a key filter needs byKey = true");
        }
    }

    /**
     * All pending messages, oldest first.
     *
     * @return the selection
     */
    public static Selection pending() {
        return PENDING;
    }

    /**
     * The pending messages among the given ids.
     *
     * @param ids the message ids
     * @return the selection
     */
    public static Selection ids(Collection<String> ids) {
        Objects.requireNonNull(ids, "ids");
        return new Selection(null, null, 0, 0, Set.copyOf(ids));
    }

    /**
     * This selection with a lower bound on {@code created}.
     *
     * @param from inclusive lower bound, or null
     * @return a copy
     */
    public Selection createdFrom(Instant from) {
        return new Selection(from, createdBefore, limit, minCount, ids, byKey, key);
    }

    /**
     * This selection with an upper bound on {@code created}.
     *
     * @param before exclusive upper bound, or null
     * @return a copy
     */
    public Selection createdBefore(Instant before) {
        return new Selection(createdFrom, before, limit, minCount, ids, byKey, key);
    }

    /**
     * This selection with a limit; {@code minCount} is lowered to it if higher.
     *
     * @param max at most this many messages; 0 means no limit
     * @return a copy
     */
    public Selection limit(int max) {
        return new Selection(createdFrom, createdBefore, max, Math.min(minCount, max == 0 ? minCount : max), ids, byKey, key);
    }

    /**
     * This selection with an all-or-nothing minimum.
     *
     * @param min the minimum; 0 = off
     * @return a copy
     */
    public Selection minCount(int min) {
        return new Selection(createdFrom, createdBefore, limit, min, ids, byKey, key);
    }

    /**
     * Only the messages of {@code messageKey} (null: the unkeyed ones). Honoured by {@link KeyedStore}s only.
     *
     * @param messageKey the key, or null
     * @return a copy
     */
    public Selection key(String messageKey) {
        return new Selection(createdFrom, createdBefore, limit, minCount, ids, true, messageKey);
    }

    /**
     * True when a message with this key passes the key filter (always, without one).
     *
     * @param messageKey the message's key
     * @return whether it passes
     */
    public boolean matchesKey(String messageKey) {
        return !byKey || java.util.Objects.equals(key, messageKey);
    }

    /**
     * True when the message with these attributes falls inside the time bounds and id filter.
     *
     * @param id the message's id
     * @param created the message's creation time
     * @return whether it matches
     */
    public boolean matches(String id, Instant created) {
        if (createdFrom != null && created.isBefore(createdFrom)) {
            return false;
        }
        if (createdBefore != null && !created.isBefore(createdBefore)) {
            return false;
        }
        return ids == null || ids.contains(id);
    }

    /**
     * The ids as a list (for stores that bind them as parameters); empty when unfiltered.
     *
     * @return the ids
     */
    public List<String> idList() {
        return ids == null ? List.of() : List.copyOf(ids);
    }
}
