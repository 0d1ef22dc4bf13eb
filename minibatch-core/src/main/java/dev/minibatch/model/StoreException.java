package dev.minibatch.model;

/** The stream store failed: unreachable, unwritable, or an operation on it did not succeed. */
public class StoreException extends MinibatchException {
    /**
     * An exception with a message.
     *
     * @param message what went wrong
     */
    public StoreException(String message) {
        super(message);
    }

    /**
     * An exception with a message and a cause.
     *
     * @param message what went wrong
     * @param cause the underlying failure
     */
    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
