package dev.minibatch.mqtt;

import dev.minibatch.model.MinibatchException;

/**
 * An MQTT broker could not be reached or refused us: unreachable host or port, no answer within
 * {@code connectTimeout}, wrong credentials, a TLS handshake failure, a refused subscription, or
 * publishes not acknowledged within {@code publishTimeout}. The message names the broker URL and
 * client id and never contains a password.
 */
public class MqttConnectionException extends MinibatchException {

    public MqttConnectionException(String message) {
        super(message);
    }

    public MqttConnectionException(String message, Throwable cause) {
        super(message, cause);
    }
}
