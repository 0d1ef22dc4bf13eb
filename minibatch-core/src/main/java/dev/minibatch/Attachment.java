package dev.minibatch;

import dev.minibatch.spi.connector.Source;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link Source} running on its own daemon thread, feeding a stream. {@link #stop()} cancels it
 * and waits for it to return.
 */
public final class Attachment implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Attachment.class);

    private final Source source;
    private final Stream stream;
    private final Thread thread;
    private volatile Throwable failure;
    private volatile boolean stopping;

    Attachment(Source source, Stream stream) {
        this.source = source;
        this.stream = stream;
        this.thread = new Thread(this::runSource, "minibatch-source-" + stream.name());
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    private void runSource() {
        try {
            source.stream(stream);
            stream.flush();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable e) {
            if (!stopping) {
                failure = e;
                LOG.error("source {} attached to stream '{}' failed", source, stream.name(), e);
            }
        }
    }

    /**
     * Whether the source is still running.
     *
     * @return true until the source has returned
     */
    public boolean isRunning() {
        return thread.isAlive();
    }

    /**
     * The source's failure, or null if it ended normally or is still running.
     *
     * @return the exception the source ended with, or null
     */
    public Throwable failure() {
        return failure;
    }

    /**
     * The source.
     *
     * @return the attached source
     */
    public Source source() {
        return source;
    }

    /**
     * Waits for the source to end on its own (a finite source).
     *
     * @param timeout how long to wait
     * @return true if the source ended within the timeout
     * @throws InterruptedException if the waiting thread is interrupted
     */
    public boolean awaitTermination(Duration timeout) throws InterruptedException {
        thread.join(Math.max(1, timeout.toMillis()));
        return !thread.isAlive();
    }

    /** Cancels the source and waits up to 10 s for it to return. Idempotent. */
    public void stop() {
        stopping = true;
        try {
            source.cancel();
        } catch (RuntimeException e) {
            LOG.warn("cancelling source {} failed", source, e);
        }
        try {
            thread.join(TimeUnit.SECONDS.toMillis(2));
            if (thread.isAlive()) {
                thread.interrupt();
                thread.join(TimeUnit.SECONDS.toMillis(8));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            LOG.warn("source {} on stream '{}' did not stop within 10 s", source, stream.name());
        }
    }

    @Override
    public void close() {
        stop();
    }
}
