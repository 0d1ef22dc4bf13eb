package dev.minibatch.spi.store;

/**
 * Optional store capability: a second way to consume, in order, for stores whose consumers normally
 * compete per message without it ({@code kafka://}, whose share groups hand any record to any
 * consumer). An ordered consumer gets a part of the stream of its own (Kafka: partitions assigned
 * by a consumer group) and claims its messages in append order within each part; a message that
 * waits out a retry backoff holds back the messages after it in its part. Keyed windows need it
 * (one key's messages stay in one part), so do tables and exactly-once stages where the store
 * serves them. Stores that keep order anyway (memory, SQLite, MongoDB) do not implement it: their
 * consumers are ordered already.
 *
 * <p>Asked for with {@code streaming(stream).ordered()}, and chosen by the consumer runtime when a
 * consumer asks for a {@link ConsumerFeatures.Feature} the store's shared consumption cannot serve
 * but its ordered view can.
 *
 * <p><b>Lifecycle and threading.</b> A view lives as long as the store and is closed with it
 * (closing the view itself does nothing); thread-safe like the store.
 */
public interface OrderedConsumption {

    /**
     * The store as seen by ordered consumers: claims, commits, releases, leases, reads and pending
     * counts are those of the ordered consumers of {@code group} (null: the stream's default group);
     * appends and stream metadata are the store's.
     *
     * @param group the consumer group's name, or null for the default one
     * @return the ordered view of the store
     */
    StreamStore ordered(String group);
}
