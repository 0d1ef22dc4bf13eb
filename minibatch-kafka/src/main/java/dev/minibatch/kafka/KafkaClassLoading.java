package dev.minibatch.kafka;

import java.util.function.Supplier;

/**
 * Runs Kafka client construction with the thread's context class loader set to the one that
 * loaded this module. kafka-clients resolves configured classes (serialisers, SASL callbacks,
 * JWT retrievers) through the context class loader; when minibatch-kafka runs as a PF4J plugin,
 * the calling thread's loader is the application's, which cannot see kafka-clients.
 */
public final class KafkaClassLoading {
    private KafkaClassLoading() {
    }

    public static <T> T withModuleClassLoader(Supplier<T> create) {
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(KafkaClassLoading.class.getClassLoader());
        try {
            return create.get();
        } finally {
            thread.setContextClassLoader(previous);
        }
    }
}
