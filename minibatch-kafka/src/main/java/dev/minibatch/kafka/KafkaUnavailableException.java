package dev.minibatch.kafka;

/**
 * No Kafka broker answered within the configured time: the bootstrap servers are wrong, down or
 * unreachable. Thrown by {@link KafkaSource} at start-up (after {@code connect.timeout}) and by
 * {@link KafkaSink} when a window cannot be delivered (after {@code timeout}); the message names the
 * servers and the time waited.
 */
public class KafkaUnavailableException extends KafkaConnectorException {
    public KafkaUnavailableException(String message) {
        super(message);
    }

    public KafkaUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
