package dev.minibatch.kafka.store;

import dev.minibatch.Minibatch;
import dev.minibatch.kafka.KafkaBroker;
import dev.minibatch.model.ConsumerHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Clients of one test on the shared broker, on topics of their own (a prefix per test: the broker
 * outlives the test), and the consumers they start; {@link #close()} stops the consumers, then
 * closes the clients. Each client is a store of its own, as a separate process would be. For one
 * test's thread; the handle list is safe from consumers' threads.
 */
final class TestClients implements AutoCloseable {

    private static final AtomicInteger RUNS = new AtomicInteger();

    private final String name;
    private final int partitions;
    private final List<Minibatch> clients = new ArrayList<>();
    /** Consumers to stop before the clients close. */
    final List<ConsumerHandle> handles = new CopyOnWriteArrayList<>();
    private String prefix;
    /** The partitions of the first URL asked for (0: none yet). */
    private int firstPartitions;

    /**
     * @param name       the start of the test's topic prefix
     * @param partitions partitions of the topics the clients create
     */
    TestClients(String name, int partitions) {
        this.name = name;
        this.partitions = partitions;
    }

    /** The test's topic prefix, fixed at its first use. */
    String prefix() {
        if (prefix == null) {
            prefix = name + ProcessHandle.current().pid() + "-" + RUNS.incrementAndGet() + ".";
        }
        return prefix;
    }

    /** The test's store URL: the shared broker, the test's prefix, replication 1. */
    String url() throws Exception {
        return url(partitions);
    }

    /**
     * The test's store URL with {@code topicPartitions} partitions for the topics it creates: the
     * first count a test asks for gets {@link #prefix()}, any other a prefix of its own below it.
     */
    String url(int topicPartitions) throws Exception {
        if (firstPartitions == 0) {
            firstPartitions = topicPartitions;
        }
        String p = topicPartitions == firstPartitions ? prefix() : prefix() + "p" + topicPartitions + ".";
        return "kafka://" + KafkaBroker.shared().bootstrapServers() + "/?prefix=" + p + "&partitions=" + topicPartitions
                + "&replication=1";
    }

    /** A new client on {@link #url()}, closed with these. */
    Minibatch client() throws Exception {
        return open(url());
    }

    /** A new client on {@code url}, closed with these. */
    Minibatch open(String url) {
        Minibatch mb = Minibatch.builder().url(url).shutdownHook(false).build();
        clients.add(mb);
        return mb;
    }

    /** The clients opened so far. */
    List<Minibatch> all() {
        return List.copyOf(clients);
    }

    @Override
    public void close() {
        handles.forEach(ConsumerHandle::stop);
        clients.forEach(Minibatch::close);
    }
}
