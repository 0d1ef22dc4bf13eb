package dev.minibatch.runtime;

import dev.minibatch.internal.DaemonThreads;
import dev.minibatch.model.Window;
import dev.minibatch.spi.connector.Sink;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Where a window's function and sink run: the consumer's executor (its own pool of {@code workers}
 * daemon threads, or one given by the user) and the sink the consumer owns. A finished window is
 * handed to the loop's {@link Inbox}.
 */
final class Workers {

    private final ConsumerSettings settings;
    private ExecutorService executor;
    private boolean ownsExecutor;

    Workers(ConsumerSettings settings) {
        this.settings = settings;
    }

    /** Starts the pool (or takes the user's executor); called once, on the loop thread. */
    void start() {
        if (settings.executor() != null) {
            executor = settings.executor();
        } else {
            executor = Executors.newFixedThreadPool(settings.workers(),
                    new DaemonThreads("minibatch-worker-" + settings.stream()));
            ownsExecutor = true;
        }
    }

    /** Processes the window on a worker and reports to {@code inbox}; throws RejectedExecutionException. */
    Future<?> submit(Window window, Inbox inbox) {
        return executor.submit(() -> {
            long began = System.nanoTime();
            Throwable error = process(window);
            inbox.finished(window, error, System.nanoTime() - began);
        });
    }

    /** Runs the function and the sink; returns the error, or null on success. */
    Throwable process(Window window) {
        try {
            Object result = settings.function() == null ? null : settings.function().apply(window);
            Sink sink = settings.sink();
            if (sink != null) {
                sink.put(result == null ? window.data() : result, window);
                sink.flush();
            }
            return null;
        } catch (Throwable e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            return e;
        }
    }

    /** Stops the pool this consumer made and closes the sink it owns. */
    void close() {
        if (ownsExecutor && executor != null) {
            executor.shutdownNow();
        }
        if (settings.ownsSink() && settings.sink() != null) {
            try {
                settings.sink().close();
            } catch (Exception e) {
                org.slf4j.LoggerFactory.getLogger(Workers.class)
                        .warn("closing the sink of the consumer of '{}' failed", settings.stream(), e);
            }
        }
    }
}
