package dev.minibatch.kafka;

import dev.minibatch.spi.OptionSpec;
import dev.minibatch.spi.Options;
import dev.minibatch.spi.connector.Source;
import dev.minibatch.spi.connector.SourceProvider;
import java.util.List;

/**
 * The {@code kafka} source: {@code topic}, {@code bootstrap.servers}, {@code group.id},
 * {@code start}, {@code metadata}, timeouts and {@code kafka.*} client properties, as documented on
 * {@link KafkaSource}. Stateless and thread-safe; found through {@code META-INF/services}.
 */
public final class KafkaSourceProvider implements SourceProvider {

    @Override
    public String name() {
        return "kafka";
    }

    @Override
    public String description() {
        return "reads JSON records from Kafka topics; offsets committed after the append (at least once)";
    }

    @Override
    public List<OptionSpec> options() {
        return KafkaSource.OPTIONS;
    }

    @Override
    public Source create(Options options) {
        return new KafkaSource(options);
    }
}
