package dev.minibatch.spi.connector;

import dev.minibatch.model.StreamOptions;

/**
 * The stream a {@link Source} feeds, as the source sees it: its name and options, appends, dead
 * letters and flush. {@code dev.minibatch.Stream} implements it.
 *
 * <p><b>Threading.</b> Thread-safe, like the stream.
 */
public interface StreamWriter {

    /**
     * The stream's name.
     *
     * @return the name
     */
    String name();

    /**
     * How the stream batches and validates appends.
     *
     * @return the stream's options
     */
    StreamOptions options();

    /**
     * Appends one value (anything Jackson can encode); durable on return unless the stream batches.
     *
     * @param value the value
     */
    void append(Object value);

    /**
     * Appends one value under {@code key}.
     *
     * @param key the message key
     * @param value the value
     */
    void append(String key, Object value);

    /**
     * Appends the values in one store step (all or nothing where the store allows).
     *
     * @return how many were appended
     * @param values the values
     */
    int appendAll(Iterable<?> values);

    /**
     * Writes a value that cannot be processed to the stream's dead-letter stream, with {@code error}.
     *
     * @param value the value
     * @param error why it cannot be processed
     */
    void deadLetter(Object value, String error);

    /** Writes what a batching stream holds; on return every earlier append is durable. */
    void flush();
}
