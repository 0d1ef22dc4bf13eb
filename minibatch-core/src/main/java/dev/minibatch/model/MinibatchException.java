package dev.minibatch.model;

/** Base class of the unchecked exceptions minibatch throws. Messages always name what was wrong. */
public class MinibatchException extends RuntimeException {
    /**
     * An exception with a message.
     *
     * @param message what went wrong
     */
    public MinibatchException(String message) {
        super(message);
    }

    /**
     * An exception with a message and a cause.
     *
     * @param message what went wrong
     * @param cause the underlying failure
     */
    public MinibatchException(String message, Throwable cause) {
        super(message, cause);
    }
}
