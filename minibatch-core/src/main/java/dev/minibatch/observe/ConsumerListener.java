package dev.minibatch.observe;

/**
 * Told what a consumer does; every method is a no-op by default, so a listener overrides only
 * what it needs.
 *
 * <p>Threading contract: {@link #windowCommitted} and {@link #windowFailed} are called on the
 * consumer's loop thread (the calling thread for {@code run()} and {@code blocking(false)}), right
 * after the store committed or released the window; {@link #deadLettered} on the loop thread too;
 * {@link #leaseLost} on the loop thread or on the client's scheduler thread (lease renewal). Calls
 * for one consumer never overlap on the loop thread, but one listener registered with a whole
 * {@code Minibatch} sees calls from several consumers at once, so it must be thread-safe.
 * Listeners must not block: the consumer waits for them. An exception thrown by a listener is
 * caught and logged (SLF4J, logger {@code dev.minibatch.observe}) and never affects delivery.
 *
 * <p>Lifecycle: a listener lives as long as it is registered; consumers hold no other resource
 * of it.
 */
public interface ConsumerListener {

    /**
     * A window's function and sink succeeded and the window was committed.
     *
     * @param event the window
     */
    default void windowCommitted(WindowEvent event) {
    }

    /**
     * A window's function or sink threw; the window was released for a retry or, on its last
     * attempt, dead-lettered ({@link #deadLettered} is called just before this).
     *
     * @param event the window
     * @param error what the function or sink threw
     */
    default void windowFailed(WindowEvent event, Throwable error) {
    }

    /**
     * Messages were moved to the dead-letter stream.
     *
     * @param stream   the consumed stream
     * @param emitter  the emitter's name (see {@link WindowEvent#emitter()})
     * @param messages how many messages were moved
     * @param reason   the error text stored with them
     */
    default void deadLettered(String stream, String emitter, int messages, String reason) {
    }

    /**
     * A window's lease lapsed before it was committed; its messages may be delivered again.
     *
     * @param windowId the window (claim token) whose lease was lost
     * @param stream the consumed stream
     * @param emitter the emitter's short name (as {@link WindowEvent#emitter()})
     */
    default void leaseLost(String stream, String emitter, String windowId) {
    }
}
