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
    R apply(Window window) throws Exception;
}
