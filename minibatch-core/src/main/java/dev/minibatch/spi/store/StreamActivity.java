package dev.minibatch.spi.store;

import dev.minibatch.model.ConsumerStatus;
import java.time.Instant;
import java.util.List;

/**
 * Optional store capability, for status pages: consumer heartbeats and a per-stream count of
 * messages ever appended, so a process that only watches the store (such as {@code minibatch
 * serve}) can show live consumers and append and window rates. Stores that implement it are used
 * automatically; consumers on other stores simply do not report.
 *
 * <p>Thread-safe, like the store.
 */
public interface StreamActivity {

    /**
     * Records a consumer's latest counts (insert or replace by stream and consumer id).
     *
     * @param status the consumer's counts
     */
    void heartbeat(ConsumerStatus status);

    /**
     * Consumers of the stream that reported since {@code since}, newest first. Stores may forget
     * consumers that have been silent for a day.
     *
     * @param stream the stream's name
     * @param since the oldest report included
     * @return the consumers' latest reports
     */
    List<ConsumerStatus> consumers(String stream, Instant since);

    /**
     * Messages ever appended to the stream, or -1 when this store does not count appends (counting
     * can cost a write on every append; a store may choose heartbeats only).
     *
     * @param stream the stream's name
     * @return the count, or -1
     */
    long appendedTotal(String stream);
}
