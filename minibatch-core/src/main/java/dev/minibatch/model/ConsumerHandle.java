package dev.minibatch.model;

import java.time.Duration;

/**
 * A running consumer, returned by {@link dev.minibatch.Streaming#start()}. Stopping stops claiming, lets
 * in-flight windows finish within the stop timeout, releases the rest for other consumers, and
 * returns. The consumer's threads are daemon threads.
 */
public interface ConsumerHandle extends AutoCloseable {

    /**
     * The stream consumed.
     *
     * @return the stream's name
     */
    String stream();

    /** Asks the consumer to stop without waiting. */
    void requestStop();

    /** Stops and waits until the consumer has finished (at most the stop timeout plus a margin). */
    void stop();

    /**
     * Waits for the consumer to end; true if it ended within the timeout.
     *
     * @param timeout how long to wait
     * @return true if the consumer ended within the timeout
     * @throws InterruptedException if the waiting thread is interrupted
     */
    boolean awaitTermination(Duration timeout) throws InterruptedException;

    /**
     * Whether the consumer loop is still running.
     *
     * @return true while it runs
     */
    boolean isRunning();

    /**
     * Counts so far.
     *
     * @return the consumer's figures
     */
    ConsumerStats stats();

    /**
     * The error that ended the consumer, or null.
     *
     * @return the error, or null
     */
    Throwable failure();

    /** Same as {@link #stop()}. */
    @Override
    default void close() {
        stop();
    }
}
