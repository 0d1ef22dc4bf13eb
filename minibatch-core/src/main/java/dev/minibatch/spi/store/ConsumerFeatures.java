package dev.minibatch.spi.store;

import java.util.Optional;

/**
 * Optional store capability: the consumer features a store cannot serve, each with the store's
 * reason (what to use instead), so a consumer asking for one fails when it is built, with that
 * reason, instead of misbehaving at run time. A store without this mixin serves every feature its
 * other capabilities allow. Find it with {@link StoreCapabilities#unsupported}.
 *
 * <p><b>Threading.</b> Thread-safe; answers from the store's configuration, without I/O.
 */
public interface ConsumerFeatures {

    /** Consumer features a store may be unable to serve. */
    enum Feature {
        /** Windows per key ({@code keyBy}). */
        KEYED_WINDOWS,
        /** Per-key state committed with windows ({@code updateTables}, {@code changelog}). */
        TABLES,
        /** Pipeline stages, whose windows commit with their outputs in one transaction. */
        STAGES
    }

    /**
     * Why the store cannot serve {@code feature}, or empty if it can.
     *
     * @param feature the feature a consumer asks for
     * @return the reason, naming what to use instead; empty if the feature is served
     */
    Optional<String> unsupported(Feature feature);
}
