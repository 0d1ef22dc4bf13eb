package dev.minibatch.model;

/**
 * Configuration that cannot work: an unknown URL scheme or provider name, an invalid option, a
 * builder setting out of range. The message names the bad setting and, where there is a fixed set,
 * lists the valid ones.
 */
public class ConfigurationException extends MinibatchException {
    public ConfigurationException(String message) {
        super(message);
    }

    public ConfigurationException(String message, Throwable cause) {
        super(message, cause);
    }
}
