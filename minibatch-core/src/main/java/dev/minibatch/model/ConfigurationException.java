package dev.minibatch.model;

/**
 * Configuration that cannot work: an unknown URL scheme or provider name, an invalid option, a
 * builder setting out of range. The message names the bad setting and, where there is a fixed set,
 * lists the valid ones.
 */
public class ConfigurationException extends MinibatchException {
    /**
     * An exception with a message.
     *
     * @param message what is wrong
     */
    public ConfigurationException(String message) {
        super(message);
    }

    /**
     * An exception with a message and a cause.
     *
     * @param message what is wrong
     * @param cause the underlying failure
     */
    public ConfigurationException(String message, Throwable cause) {
        super(message, cause);
    }
}
