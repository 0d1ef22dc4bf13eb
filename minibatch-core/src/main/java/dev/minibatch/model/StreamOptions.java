package dev.minibatch.model;

import java.time.Duration;
import java.util.function.Function;

/**
 * How a {@link dev.minibatch.Stream} handle appends: producer batching and message expiry. Immutable; the
 * {@code with…}-style methods return copies.
 *
 * <p>With {@code batchSize > 1}, appends collect in memory and are written in one round trip when
 * the batch is full, when {@code flushInterval} has passed since the first unwritten message, on
 * {@link dev.minibatch.Stream#flush()} and on {@link dev.minibatch.Stream#close()} — so, unlike Python's batcher, nothing is
 * lost at shutdown. {@code append} on a batching stream returns before the message is durable;
 * call {@code flush()} where that matters.
 *
 * @param batchSize     messages written per round trip; 1 (default) writes each append at once
 * @param flushInterval longest time an appended message waits in the batch (default 200 ms)
 * @param maxAge        delete messages older than this (pending or kept), or null to keep them
 *                      until committed (Python's {@code max_age})
 * @param interval      the nominal interval stored on a new stream (Python's default 10 s)
 * @param keyExtractor  computes each appended value's message key (null result: unkeyed), or null
 *                      for none; it runs on the producer, and a failure rejects that append
 */
public record StreamOptions(int batchSize, Duration flushInterval, Duration maxAge, Duration interval,
                            Function<Object, String> keyExtractor) {

    /** The defaults: no batching, 200 ms flush interval, no max age, 10 s interval, no key extractor. */
    public static final StreamOptions DEFAULTS = new StreamOptions(1, Duration.ofMillis(200), null, Duration.ofSeconds(10));

    /**
     * Options without a key extractor.
     *
     * @param batchSize messages written per round trip
     * @param flushInterval longest time an appended message waits in the batch
     * @param maxAge delete messages older than this, or null
     * @param interval the nominal interval stored on a new stream
     */
    public StreamOptions(int batchSize, Duration flushInterval, Duration maxAge, Duration interval) {
        this(batchSize, flushInterval, maxAge, interval, null);
    }

    /**
     * Checks the values.
     *
     * @param batchSize messages written per round trip, at least 1
     * @param flushInterval longest time an appended message waits in the batch, positive
     * @param maxAge delete messages older than this (positive), or null
     * @param interval the nominal interval stored on a new stream, positive
     * @param keyExtractor computes each appended value's message key, or null
     * @throws IllegalArgumentException if a value is out of range
     */
    public StreamOptions {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be >= 1, was " + batchSize);
        }
        if (flushInterval == null || flushInterval.isNegative() || flushInterval.isZero()) {
            throw new IllegalArgumentException("flushInterval must be positive, was " + flushInterval);
        }
        if (maxAge != null && (maxAge.isNegative() || maxAge.isZero())) {
            throw new IllegalArgumentException("maxAge must be positive, was " + maxAge);
        }
        if (interval == null || interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("interval must be positive, was " + interval);
        }
    }

    /**
     * The defaults ({@link #DEFAULTS}).
     *
     * @return the defaults
     */
    public static StreamOptions defaults() {
        return DEFAULTS;
    }

    /**
     * These options with another batch size.
     *
     * @param size messages written per round trip
     * @return a copy
     */
    public StreamOptions batchSize(int size) {
        return new StreamOptions(size, flushInterval, maxAge, interval, keyExtractor);
    }

    /**
     * These options with another flush interval.
     *
     * @param every longest time an appended message waits in the batch
     * @return a copy
     */
    public StreamOptions flushInterval(Duration every) {
        return new StreamOptions(batchSize, every, maxAge, interval, keyExtractor);
    }

    /**
     * These options with another max age.
     *
     * @param age delete messages older than this, or null
     * @return a copy
     */
    public StreamOptions maxAge(Duration age) {
        return new StreamOptions(batchSize, flushInterval, age, interval, keyExtractor);
    }

    /**
     * Keys every appended value by {@code extractor} (unless {@code append(key, value)} names one).
     *
     * @param extractor computes a value's key, or null
     * @return a copy
     */
    public StreamOptions keyExtractor(Function<Object, String> extractor) {
        return new StreamOptions(batchSize, flushInterval, maxAge, interval, extractor);
    }

    /**
     * These options with another nominal interval.
     *
     * @param nominal the interval stored on a new stream
     * @return a copy
     */
    public StreamOptions interval(Duration nominal) {
        return new StreamOptions(batchSize, flushInterval, maxAge, nominal, keyExtractor);
    }
}
