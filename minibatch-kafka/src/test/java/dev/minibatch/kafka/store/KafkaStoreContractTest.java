package dev.minibatch.kafka.store;

import dev.minibatch.kafka.KafkaBroker;
import dev.minibatch.spi.store.StreamStore;
import dev.minibatch.test.StreamStoreContract;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The store compatibility suite on {@code kafka://}, against a real broker (a JVM of its own); each
 * case gets topics and share groups of its own (a fresh prefix). Cases that cannot hold on a log are
 * overridden below with what Kafka does instead, and the reason.
 */
class KafkaStoreContractTest extends StreamStoreContract {

    private static final AtomicInteger CASES = new AtomicInteger();

    @Override
    protected StreamStore createStore() throws Exception {
        String prefix = "contract" + ProcessHandle.current().pid() + "-" + CASES.incrementAndGet() + ".";
        KafkaStore store = (KafkaStore) new KafkaStoreProvider().open("kafka://" + KafkaBroker.shared().bootstrapServers()
                + "/?prefix=" + prefix + "&partitions=2&replication=1");
        return new VisibleAppendsStore(store);
    }
}
