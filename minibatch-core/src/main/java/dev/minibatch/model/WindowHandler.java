package dev.minibatch.model;

/**
 * A window function without a result: the window's data is what a sink receives. Throwing makes
 * the window fail: it is retried with backoff, then dead-lettered after {@code maxAttempts}.
 * Called on a worker thread; with {@code workers(n > 1)} calls overlap.
 */
@FunctionalInterface
public interface WindowHandler {
    /**
     * Handles one window.
     *
     * @param window the window
     * @throws Exception to fail the window
     */
    void handle(Window window) throws Exception;
}
