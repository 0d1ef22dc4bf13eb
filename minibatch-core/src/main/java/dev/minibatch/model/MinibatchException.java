package dev.minibatch.model;

/** Base class of the unchecked exceptions minibatch throws. Messages always name what was wrong. */
public class MinibatchException extends RuntimeException {
    public MinibatchException(String message) {
        super(message);
    }

    public MinibatchException(String message, Throwable cause) {
        super(message, cause);
    }
}
