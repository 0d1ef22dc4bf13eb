package dev.minibatch.mongo;

import java.util.Objects;

/**
 * How a {@link MongoStore} behaves beyond the documents Python shares; the URL options of the same
 * names (see the module README). Immutable; each {@code with…} method returns a copy.
 *
 * @param windows       write a Python-shaped {@code window} document per claim, so Python's
 *                      {@code Stream.window()} sees Java windows (URL {@code windows}, default
 *                      false: it costs two extra commands per window)
 * @param recovery      make the messages of expired Java leases pending again (URL
 *                      {@code recovery}, default true)
 * @param changeStreams wake idle consumers by a change stream on the buffer collection (URL
 *                      {@code changeStream}: {@code auto} (default), {@code true} = required,
 *                      {@code false} = poll only)
 * @param claims        how claims are made atomic (URL {@code claims}: {@code auto} (default),
 *                      {@code update}, {@code locks}; see {@link ClaimMode})
 */
public record MongoStoreOptions(boolean windows, boolean recovery, MongoSource.ChangeStreams changeStreams,
                                ClaimMode claims) {

    private static final MongoStoreOptions DEFAULTS = new MongoStoreOptions(false, true, MongoSource.ChangeStreams.AUTO,
            ClaimMode.AUTO);

    public MongoStoreOptions {
        Objects.requireNonNull(changeStreams, "changeStreams");
        Objects.requireNonNull(claims, "claims");
    }

    /** The options without a claim mode: {@link ClaimMode#AUTO}. */
    public MongoStoreOptions(boolean windows, boolean recovery, MongoSource.ChangeStreams changeStreams) {
        this(windows, recovery, changeStreams, ClaimMode.AUTO);
    }

    /** Window documents off, recovery on, change streams where the server has them, claims by server. */
    public static MongoStoreOptions defaults() {
        return DEFAULTS;
    }

    public MongoStoreOptions withWindows(boolean write) {
        return new MongoStoreOptions(write, recovery, changeStreams, claims);
    }

    public MongoStoreOptions withRecovery(boolean recover) {
        return new MongoStoreOptions(windows, recover, changeStreams, claims);
    }

    public MongoStoreOptions withChangeStreams(MongoSource.ChangeStreams mode) {
        return new MongoStoreOptions(windows, recovery, mode, claims);
    }

    public MongoStoreOptions withClaims(ClaimMode mode) {
        return new MongoStoreOptions(windows, recovery, changeStreams, mode);
    }

    /**
     * Where a claim's atomicity comes from. Every Java process on one database must use the same
     * mode; {@code AUTO} picks the same one for every process on one server.
     */
    public enum ClaimMode {
        /** {@code LOCKS} on servers whose update filters are not atomic (FerretDB, by its buildInfo), else {@code UPDATE}. */
        AUTO,
        /** One guarded {@code updateMany}: MongoDB's per-document atomic filter decides (3 commands a window). */
        UPDATE,
        /**
         * A unique-key insert of one lock document per message into {@code minibatch_locks} decides
         * (5 commands a window); for servers that match and write without re-checking the filter.
         */
        LOCKS
    }
}
