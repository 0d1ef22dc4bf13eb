package dev.minibatch.model;

/**
 * A value could not be appended: it is null, not JSON-serialisable, or larger than the configured
 * size limit. Nothing was written for the rejected value, and nothing appended before it is lost.
 */
public class InvalidMessageException extends MinibatchException {
    /**
     * An exception with a message.
     *
     * @param message what is wrong
     */
    public InvalidMessageException(String message) {
        super(message);
    }

    /**
     * An exception with a message and a cause.
     *
     * @param message what is wrong
     * @param cause the underlying failure
     */
    public InvalidMessageException(String message, Throwable cause) {
        super(message, cause);
    }
}
