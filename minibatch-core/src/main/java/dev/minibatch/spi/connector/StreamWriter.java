package dev.minibatch.spi.connector;

import dev.minibatch.model.StreamOptions;

/**
 * The stream a {@link Source} feeds, as the source sees it: its name and options, appends, dead
 * letters and flush. {@code dev.minibatch.Stream} implements it.
 *
 * <p><b>Threading.</b> Thread-safe, like the stream.
 */
public interface StreamWriter {

    /** The stream's name. */
    String name();

    /** How the stream batches and validates appends. */
    StreamOptions options();

    /** Appends one value (anything Jackson can encode); durable on return unless the stream batches. */
    void append(Object value);

    /** Appends one value under {@code key}. */
    void append(String key, Object value);

    /**
     * Appends the values in one store step (all or nothing where the store allows).
     *
     * @return how many were appended
     */
    int appendAll(Iterable<?> values);

    /** Writes a value that cannot be processed to the stream's dead-letter stream, with {@code error}. */
    void deadLetter(Object value, String error);

    /** Writes what a batching stream holds; on return every earlier append is durable. */
    void flush();
}
