package dev.minibatch.kafka.store;

import dev.minibatch.spi.store.StoreProvider;
import dev.minibatch.spi.store.StreamStore;

/**
 * Opens {@code kafka://host:9092[,host2:9092…]/[?prefix=…&partitions=…&replication=…&minInsync=…&lanes=…&connectTimeout=…&kafka.<client property>=…]}
 * as a {@link KafkaStore}. Found by the URL scheme, through {@link java.util.ServiceLoader} or the
 * Kafka plugin.
 */
public final class KafkaStoreProvider implements StoreProvider {

    @Override
    public String name() {
        return "kafka";
    }

    @Override
    public String description() {
        return "Kafka (a stream is a topic; consumers compete in a share group); many machines, replicated";
    }

    @Override
    public StreamStore open(String url) {
        return new KafkaStore(KafkaStoreSettings.parse(url));
    }
}
