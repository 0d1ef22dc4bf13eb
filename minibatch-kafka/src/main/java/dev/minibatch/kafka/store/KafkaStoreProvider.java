package dev.minibatch.kafka.store;

import dev.minibatch.kafka.KafkaClassLoading;
import dev.minibatch.spi.store.StoreProvider;
import dev.minibatch.spi.store.StreamStore;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;

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
        // Kafka's config classes load configured classes (JWT retrievers, SASL callbacks) through the
        // context class loader when they initialize: from a plugin, that must be the plugin's
        return KafkaClassLoading.withModuleClassLoader(() -> {
            ProducerConfig.configNames();
            ConsumerConfig.configNames();
            AdminClientConfig.configNames();
            return new KafkaStore(KafkaStoreSettings.parse(url));
        });
    }
}
