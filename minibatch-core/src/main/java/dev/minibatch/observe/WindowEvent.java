package dev.minibatch.observe;

import dev.minibatch.model.Message;
import dev.minibatch.model.Window;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * One finished window, as a {@link ConsumerListener} sees it. Valid only during the call: keep
 * the numbers, not the event (the window's data may be large).
 *
 * @param stream     the consumed stream
 * @param emitter    a short, stable name of the emitter, fit for a metric tag: the provider name
 *                   when chosen by name ({@code "sliding"}), {@code count}, {@code relaxed} or
 *                   {@code fixed} for the built-in ones, else the emitter's simple class name
 * @param consumerId the consumer's identity (host:pid:random:stream:n)
 * @param window     the window
 * @param processing how long the window function and the sink took
 */
public record WindowEvent(String stream, String emitter, String consumerId, Window window, Duration processing) {

    /**
     * Checks that stream, emitter, window and processing are not null.
     *
     * @param stream the consumed stream
     * @param emitter a short, stable name of the emitter
     * @param consumerId the consumer's identity
     * @param window the window
     * @param processing how long the window function and the sink took
     */
    public WindowEvent {
        Objects.requireNonNull(stream, "stream");
        Objects.requireNonNull(emitter, "emitter");
        Objects.requireNonNull(window, "window");
        Objects.requireNonNull(processing, "processing");
    }

    /**
     * Messages in the window.
     *
     * @return the number of messages
     */
    public int messageCount() {
        return window.size();
    }

    /**
     * Append→window latency of one message: from its creation to the window's emission (never negative).
     *
     * @param message a message of the window
     * @return the latency
     */
    public Duration latencyOf(Message message) {
        Duration d = Duration.between(message.created(), window.created());
        return d.isNegative() ? Duration.ZERO : d;
    }

    /**
     * Append→window latency of the oldest message, or zero for an empty window.
     *
     * @return the latency
     */
    public Duration oldestLatency() {
        Instant oldest = null;
        for (Message m : window.messages()) {
            if (oldest == null || m.created().isBefore(oldest)) {
                oldest = m.created();
            }
        }
        if (oldest == null) {
            return Duration.ZERO;
        }
        Duration d = Duration.between(oldest, window.created());
        return d.isNegative() ? Duration.ZERO : d;
    }
}
