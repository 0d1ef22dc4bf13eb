package dev.minibatch.spi.store;

import java.time.Instant;
import java.util.Optional;

/**
 * Optional store capability: a stream's time is its messages' own timestamps, not the clock. A
 * store implements it where messages can arrive out of step with the clock (records replayed from
 * a log, producers with their own timestamps, partitions fetched at different paces): its
 * {@linkplain #watermark watermark} tells how far the stream's time has got for this store's
 * consumers in this process, and time windows close by it rather than by the clock
 * ({@code TimeGrid}; a window {@code [from, to)} closes once the watermark reaches {@code to} plus
 * the window's grace). Their grid is then aligned to the epoch and starts at the oldest pending
 * message, so a replayed backlog forms the windows it formed live. The {@code kafka://} store's
 * ordered consumers implement it (record timestamps; the earliest of the assigned partitions'
 * times). Stores whose messages are stamped when appended need not: the clock is their watermark.
 *
 * <p><b>Threading.</b> Thread-safe; called from consumers' loop threads, often (every round of a
 * time window), so it must answer from memory.
 */
public interface EventTime {

    /**
     * The watermark of {@code stream} for this store's consumers in this process: every message of
     * the stream with an earlier timestamp that this process has not seen yet is late (it goes to
     * the next window). It may move back when the process's share of the stream changes (a
     * partition assigned) or when a store's fallback ends (kafka://: the clock's time while the
     * buffer is full); time windows already closed stay closed, and what comes after is late. Empty
     * while not known (nothing fetched yet, or no share of the stream assigned).
     *
     * @param stream the stream's name
     * @param now    the consumer's clock
     * @return the watermark, or empty
     */
    Optional<Instant> watermark(String stream, Instant now);
}
