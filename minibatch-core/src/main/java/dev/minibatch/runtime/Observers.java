package dev.minibatch.runtime;

import dev.minibatch.observe.ConsumerListener;
import dev.minibatch.observe.WindowEvent;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Calls a consumer's listeners (its own, then its client's) and keeps their exceptions away from
 * delivery: a listener that throws is logged, never retried, never fatal. Called from the consumer's
 * loop thread and its lease renewals.
 */
public final class Observers {

    private static final Logger LOG = LoggerFactory.getLogger("dev.minibatch.observe");

    private final List<ConsumerListener> own;
    private final List<ConsumerListener> shared;
    private final String stream;
    private final String emitter;

    public Observers(List<ConsumerListener> own, List<ConsumerListener> shared, String stream, String emitter) {
        this.own = List.copyOf(own);
        this.shared = shared; // the client's live list: listeners added later see later events
        this.stream = stream;
        this.emitter = emitter;
    }

    String emitter() {
        return emitter;
    }

    boolean isEmpty() {
        return own.isEmpty() && shared.isEmpty();
    }

    void committed(WindowEvent event) {
        each(l -> l.windowCommitted(event));
    }

    void failed(WindowEvent event, Throwable error) {
        each(l -> l.windowFailed(event, error));
    }

    void deadLettered(int messages, String reason) {
        if (messages > 0) {
            each(l -> l.deadLettered(stream, emitter, messages, reason));
        }
    }

    void leaseLost(String windowId) {
        each(l -> l.leaseLost(stream, emitter, windowId));
    }

    private void each(Consumer<ConsumerListener> call) {
        for (ConsumerListener l : own) {
            safely(l, call);
        }
        for (ConsumerListener l : shared) {
            safely(l, call);
        }
    }

    private void safely(ConsumerListener listener, Consumer<ConsumerListener> call) {
        try {
            call.accept(listener);
        } catch (RuntimeException | LinkageError e) {
            LOG.warn("consumer listener {} of stream '{}' threw; ignored", listener, stream, e);
        }
    }
}
