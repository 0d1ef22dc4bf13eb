package dev.minibatch.model;

/**
 * A window function with a result, forwarded to the sink before the window is committed (a null
 * result forwards the window's data, as Python does with a falsy one). Throwing makes the window
 * fail: it is retried with backoff, then dead-lettered after {@code maxAttempts}.
 *
 * @param <R> the result type
 */
@FunctionalInterface
public interface WindowFunction<R> {
    /**
     * Computes the window's result.
     *
     * @param window the window
     * @return the result for the sink, or null to forward the window's data
     * @throws Exception to fail the window
     */
    R apply(Window window) throws Exception;
}
