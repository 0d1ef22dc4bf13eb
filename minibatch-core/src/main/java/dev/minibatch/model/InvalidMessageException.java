package dev.minibatch.model;

/**
 * A value could not be appended: it is null, not JSON-serialisable, or larger than the configured
 * size limit. Nothing was written for the rejected value, and nothing appended before it is lost.
 */
public class InvalidMessageException extends MinibatchException {
    public InvalidMessageException(String message) {
        super(message);
    }

    public InvalidMessageException(String message, Throwable cause) {
        super(message, cause);
    }
}
