package dev.minibatch.kafka;

import dev.minibatch.model.MinibatchException;

/**
 * Kafka refused or failed an operation of a {@link KafkaSource} or {@link KafkaSink}: authentication
 * or authorization failed, a record was rejected, a send did not complete. The message names the
 * topic and the bootstrap servers; it never contains passwords or JAAS configuration.
 */
public class KafkaConnectorException extends MinibatchException {
    public KafkaConnectorException(String message) {
        super(message);
    }

    public KafkaConnectorException(String message, Throwable cause) {
        super(message, cause);
    }
}
