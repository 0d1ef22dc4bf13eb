package dev.minibatch.model;

/** The stream store failed: unreachable, unwritable, or an operation on it did not succeed. */
public class StoreException extends MinibatchException {
    public StoreException(String message) {
        super(message);
    }

    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
