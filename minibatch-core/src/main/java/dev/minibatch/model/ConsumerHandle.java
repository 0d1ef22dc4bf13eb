package dev.minibatch.model;

import java.time.Duration;

/**
 * A running consumer, returned by {@link dev.minibatch.Streaming#start()}. Stopping stops claiming, lets
 * in-flight windows finish within the stop timeout, releases the rest for other consumers, and
 * returns. The consumer's threads are daemon threads.
 */
public interface ConsumerHandle extends AutoCloseable {

    /** The stream consumed. */
    String stream();

    /** Asks the consumer to stop without waiting. */
    void requestStop();

    /** Stops and waits until the consumer has finished (at most the stop timeout plus a margin). */
    void stop();

    /** Waits for the consumer to end; true if it ended within the timeout. */
    boolean awaitTermination(Duration timeout) throws InterruptedException;

    /** Whether the consumer loop is still running. */
    boolean isRunning();

    /** Counts so far. */
    ConsumerStats stats();

    /** The error that ended the consumer, or null. */
    Throwable failure();

    /** Same as {@link #stop()}. */
    @Override
    default void close() {
        stop();
    }
}
