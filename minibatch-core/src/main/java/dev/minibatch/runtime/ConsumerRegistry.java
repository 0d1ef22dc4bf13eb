package dev.minibatch.runtime;

import dev.minibatch.model.ConsumerHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running consumers of one client ({@code Minibatch}): registered when they start, removed when
 * they end, asked to stop at {@link #close()} and, if wanted, by a JVM shutdown hook. Also hands
 * the consumers the client's scheduler (lease renewals).
 *
 * <p>Thread-safe.
 */
public final class ConsumerRegistry {

    private static final Logger LOG = LoggerFactory.getLogger(ConsumerRegistry.class);

    private final String owner;
    private final ScheduledExecutorService scheduler;
    private final boolean installShutdownHook;
    private final Runnable afterShutdownStop;
    private final Set<ConsumerHandle> consumers = ConcurrentHashMap.newKeySet();
    private Thread shutdownHook;
    private volatile boolean closed;

    /**
     * @param owner               names the client in errors ("this Minibatch (url) is closed")
     * @param scheduler           the client's scheduler, shared with its streams
     * @param installShutdownHook whether the first consumer installs a hook stopping all at JVM shutdown
     * @param afterShutdownStop   what the hook does after the consumers stopped (flush the client's streams)
     */
    public ConsumerRegistry(String owner, ScheduledExecutorService scheduler, boolean installShutdownHook,
                            Runnable afterShutdownStop) {
        this.owner = owner;
        this.scheduler = scheduler;
        this.installShutdownHook = installShutdownHook;
        this.afterShutdownStop = afterShutdownStop;
    }

    /** The client's scheduler. */
    public ScheduledExecutorService scheduler() {
        return scheduler;
    }

    /** Whether {@link #close()} was called: running consumers end their loop. */
    public boolean isClosed() {
        return closed;
    }

    /** Consumers started and still running. */
    public List<ConsumerHandle> consumers() {
        return new ArrayList<>(consumers);
    }

    synchronized void register(ConsumerHandle consumer) {
        if (closed) {
            throw new IllegalStateException("this Minibatch (" + owner + ") is closed");
        }
        consumers.add(consumer);
        if (installShutdownHook && shutdownHook == null) {
            shutdownHook = new Thread(this::stopForShutdown, "minibatch-shutdown");
            try {
                Runtime.getRuntime().addShutdownHook(shutdownHook);
            } catch (IllegalStateException alreadyShuttingDown) {
                shutdownHook = null;
            }
        }
    }

    void unregister(ConsumerHandle consumer) {
        consumers.remove(consumer);
    }

    private void stopForShutdown() {
        LOG.info("JVM shutting down: stopping {} minibatch consumer(s)", consumers.size());
        stopAll();
        afterShutdownStop.run();
    }

    private void stopAll() {
        for (ConsumerHandle c : consumers) {
            c.requestStop();
        }
        for (ConsumerHandle c : consumers) {
            c.stop();
        }
    }

    /**
     * Marks the registry closed, removes the shutdown hook and stops every consumer (each finishes
     * or releases its windows in flight). Idempotent; returns false if it was already closed.
     */
    public boolean close() {
        synchronized (this) {
            if (closed) {
                return false;
            }
            closed = true;
            if (shutdownHook != null) {
                try {
                    Runtime.getRuntime().removeShutdownHook(shutdownHook);
                } catch (IllegalStateException shuttingDown) {
                    // the hook is running or will run; nothing to remove
                }
            }
        }
        stopAll();
        return true;
    }
}
