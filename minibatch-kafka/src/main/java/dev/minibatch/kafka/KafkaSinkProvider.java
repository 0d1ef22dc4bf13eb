package dev.minibatch.kafka;

import dev.minibatch.spi.OptionSpec;
import dev.minibatch.spi.Options;
import dev.minibatch.spi.connector.Sink;
import dev.minibatch.spi.connector.SinkProvider;
import java.util.List;

/**
 * The {@code kafka} sink: {@code topic}, {@code bootstrap.servers}, {@code key}, {@code expand},
 * {@code acks}, {@code timeout} and {@code kafka.*} producer properties, as documented on
 * {@link KafkaSink}. Stateless and thread-safe; found through {@code META-INF/services}. Each
 * {@code create} opens a producer, which the consumer that asked for it closes.
 */
public final class KafkaSinkProvider implements SinkProvider {

    @Override
    public String name() {
        return "kafka";
    }

    @Override
    public String description() {
        return "sends window results to a Kafka topic as JSON; idempotent, flushed before each commit";
    }

    @Override
    public List<OptionSpec> options() {
        return KafkaSink.OPTIONS;
    }

    @Override
    public Sink create(Options options) {
        return new KafkaSink(options);
    }
}
