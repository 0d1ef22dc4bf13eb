package dev.minibatch.spi.connector;

/**
 * Feeds a stream from outside (Kafka, MQTT, a collection, …). Python's {@code source} contract.
 *
 * <p><b>Lifecycle.</b> {@link dev.minibatch.Stream#attach(Source)} calls {@link #stream(StreamWriter)} once, on a
 * daemon thread of its own; it pushes messages with {@code stream.append(…)} until the source is
 * exhausted or {@link #cancel()} is called, then returns. A source that throws is reported through
 * the attachment and not restarted.
 *
 * <p><b>Delivery.</b> {@code append} returns once the message is durable in the store (for a
 * batching stream, after {@code stream.flush()}); a source acknowledges upstream (Kafka offsets,
 * MQTT acks) only after that, so nothing acknowledged is lost.
 *
 * <p><b>Threading.</b> {@code cancel()} is called from another thread while {@code stream} runs and
 * must make it return promptly; the attaching thread is also interrupted.
 */
public interface Source {

    /**
     * Pushes messages into the stream until exhausted or cancelled.
     *
     * @param stream where to append
     * @throws Exception when the source fails
     */
    void stream(StreamWriter stream) throws Exception;

    /** Asks {@link #stream(StreamWriter)} to return soon. Default: nothing (rely on interruption). */
    default void cancel() {
    }
}
