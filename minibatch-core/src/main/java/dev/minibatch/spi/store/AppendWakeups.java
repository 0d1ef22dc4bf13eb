package dev.minibatch.spi.store;

/**
 * Optional store capability: push notice that messages may have been appended to a stream, so an
 * idle consumer wakes at once instead of waiting for its next poll (MongoDB change streams, for
 * example). Stores that cannot push simply do not implement it; consumers then poll as always.
 * The built-in memory and SQLite stores tell of appends made through them in this JVM (their
 * registry is {@code dev.minibatch.store.LocalWakeups}); SQLite also tells of appends by other
 * processes, through a watch of its file's write-ahead log. Memory's notices are prompt; SQLite's
 * are prompt while that watch runs (not where it is unavailable or switched off).
 *
 * <p>Wake-ups are hints, never data: a consumer always reads the store after one, and keeps polling
 * — at its own interval, or at most once a second while notices are {@linkplain Subscription#prompt()
 * prompt} — so a missed or late notice only delays a window until the next poll; a spurious one
 * costs one poll.
 *
 * <p><b>Threading and lifecycle.</b> Thread-safe. {@code onAppend} runs on a store thread: it must
 * return quickly and must not call the store. A subscription lives until it is closed or the store
 * is closed; closing never blocks for long.
 */
public interface AppendWakeups {

    /**
     * Calls {@code onAppend} whenever messages may have been appended to {@code stream}, and once
     * whenever this subscription's pushes (re)start — also when it joins a stream already watched —
     * since appends may have gone unnoticed before. {@code minibatch-test}'s
     * {@code AppendWakeupsContract} checks it.
     *
     * @param stream the stream's name
     * @param onAppend called on a possible append; must be quick
     * @return the subscription, to close
     */
    Subscription subscribeAppends(String stream, Runnable onAppend);

    /** A registration made by {@link #subscribeAppends}. */
    interface Subscription extends AutoCloseable {

        /**
         * True while notices are being delivered; false before pushes start, after they failed, or
         * where the server has none (the consumer then relies on polling alone).
         *
         * @return whether notices are being delivered
         */
        boolean active();

        /**
         * True while notices arrive as soon as the server has them (it awaits data for the store, as a
         * replica set's change stream does); a consumer then polls at most once a second. False where
         * the store has to ask again and again (a server that answers at once): the consumer keeps
         * its own poll interval. Default: {@link #active()}.
         *
         * @return whether notices are prompt
         */
        default boolean prompt() {
            return active();
        }

        /** Stops the notices. Idempotent, quick. */
        @Override
        void close();
    }
}
