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
 */
public record MongoStoreOptions(boolean windows, boolean recovery, MongoSource.ChangeStreams changeStreams) {

    private static final MongoStoreOptions DEFAULTS = new MongoStoreOptions(false, true, MongoSource.ChangeStreams.AUTO);

    public MongoStoreOptions {
        Objects.requireNonNull(changeStreams, "changeStreams");
    }

    /** Window documents off, recovery on, change streams where the server has them. */
    public static MongoStoreOptions defaults() {
        return DEFAULTS;
    }

    public MongoStoreOptions withWindows(boolean write) {
        return new MongoStoreOptions(write, recovery, changeStreams);
    }

    public MongoStoreOptions withRecovery(boolean recover) {
        return new MongoStoreOptions(windows, recover, changeStreams);
    }

    public MongoStoreOptions withChangeStreams(MongoSource.ChangeStreams mode) {
        return new MongoStoreOptions(windows, recovery, mode);
    }
}
