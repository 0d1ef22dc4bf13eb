package dev.minibatch.spi.connector;

import dev.minibatch.model.Window;

/**
 * Receives each window's result (the window function's return value, or the window's data when the
 * function returned null). Python's {@code sink} contract: an object with {@code put(data)}.
 *
 * <p><b>Delivery.</b> The consumer calls {@code put} and then {@link #flush()} <em>before</em> it
 * commits the window; if either throws, the window is retried, so a sink sees a window at least
 * once. Sinks that can deduplicate override {@link #put(Object, Window)} and use the window id.
 *
 * <p><b>Threading.</b> With {@code workers(n > 1)} several windows may be put concurrently; an
 * implementation must be thread-safe or say it is not. {@link #close()} is called once, by the
 * consumer, only for sinks the consumer created from a provider name; a sink instance you pass in
 * stays yours to close.
 */
public interface Sink extends AutoCloseable {

    /**
     * Delivers one result.
     *
     * @param message the result
     * @throws Exception if it cannot be delivered
     */
    void put(Object message) throws Exception;

    /**
     * Delivers one result with the window it came from. Default: {@code put(message)}.
     *
     * @param message the result
     * @param window the window it came from
     * @throws Exception if it cannot be delivered
     */
    default void put(Object message, Window window) throws Exception {
        put(message);
    }

    /**
     * Makes everything put so far durable downstream. Default: nothing.
     *
     * @throws Exception if it cannot be made durable
     */
    default void flush() throws Exception {
    }

    /** Releases resources. Default: nothing. */
    @Override
    default void close() throws Exception {
    }
}
