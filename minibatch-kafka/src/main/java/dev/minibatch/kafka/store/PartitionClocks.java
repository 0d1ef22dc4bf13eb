package dev.minibatch.kafka.store;

import java.time.Instant;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The event time of one ordered consumer's partitions in this process, and the watermark over
 * them that its time windows close by ({@link KafkaOrderedView#watermark}).
 *
 * <p>A partition's time is the newest record timestamp fetched from it; once the fetcher has seen
 * the partition caught up with its end (nothing more to fetch, as of a poll), its time is at least
 * when that poll began, since a record appended after that is stamped about then (a producer
 * stamps records when it sends them; one stamped earlier is late). The watermark is the earliest
 * partition time: a partition still catching up on a backlog holds every window back until it has
 * been read past the window's end, so a replay forms the windows it formed live, and an idle,
 * caught-up partition does not hold anything back. A partition assigned but not fetched yet, with
 * its lag unknown, makes the watermark unknown. Records a partition yields below its own time
 * (out of order within the partition, or stamped by a producer whose clock lags) are late: they
 * go to the next window, as on every store, unless the window's grace covers them.
 *
 * <p>A partition whose fetching is paused because its buffer is full does not hold the watermark
 * back: its buffered records can only leave in windows, and a window that cannot close until more
 * of them are read would never close (one window's records of one partition outnumbering the
 * buffer). Its records fetched after the pause may then be late. With every partition paused the
 * watermark is the newest of their times; if windows still cannot close (the fetcher grows the
 * buffer first, see {@link OrderedFetcher}), the fetcher marks the clocks {@linkplain #overflowing
 * overflowing} and the watermark follows the clock until fetching resumes: windows then close as
 * shared consumers' do, and records behind are late, rather than the consumer waiting forever.
 *
 * <p>Written by the {@link OrderedFetcher}'s thread, read by consumers' loop threads: thread-safe.
 */
final class PartitionClocks {

    /** One partition's time: the newest record timestamp and the last caught-up poll, epoch ms. */
    private static final class PartitionTime {
        volatile long newest = Long.MIN_VALUE;
        volatile long caughtUpAt = Long.MIN_VALUE;
        volatile boolean paused;

        long time() {
            return Math.max(newest, caughtUpAt);
        }
    }

    private final Map<Integer, PartitionTime> partitions = new ConcurrentHashMap<>();
    private volatile boolean overflowing;

    /** Every partition paused, the buffer at its largest and no window able to close: the watermark follows the clock. */
    void overflowing(boolean isOverflowing) {
        overflowing = isOverflowing;
    }

    /** A partition is assigned (again): its time is unknown until it is fetched or seen caught up. */
    void assigned(int partition) {
        partitions.put(partition, new PartitionTime());
    }

    /** Partitions handed over or lost: they no longer hold the watermark back. */
    void removed(Collection<Integer> gone) {
        gone.forEach(partitions::remove);
    }

    /** Records up to {@code newestTimestamp} were fetched from {@code partition}. */
    void fetched(int partition, long newestTimestamp) {
        PartitionTime t = partitions.get(partition);
        if (t != null && newestTimestamp > t.newest) {
            t.newest = newestTimestamp;
        }
    }

    /** Fetching from {@code partition} paused (its buffer is full) or resumed. */
    void paused(int partition, boolean isPaused) {
        PartitionTime t = partitions.get(partition);
        if (t != null) {
            t.paused = isPaused;
        }
    }

    /**
     * The poll that began at {@code polledAt} left {@code partition} with nothing more to fetch.
     *
     * @return true if that moved the partition's time past its newest record (it had been reading a
     *     backlog, or was not known): the watermark may have jumped without a record arriving, and
     *     consumers waiting for it should look again
     */
    boolean caughtUp(int partition, long polledAt) {
        PartitionTime t = partitions.get(partition);
        if (t == null || polledAt <= t.caughtUpAt) {
            return false;
        }
        boolean jumped = t.caughtUpAt < t.newest && polledAt > t.newest || t.caughtUpAt == Long.MIN_VALUE;
        t.caughtUpAt = polledAt;
        return jumped;
    }

    /**
     * The earliest time of the assigned partitions, or {@code now} if later while
     * {@linkplain #overflowing overflowing}.
     *
     * @param now the consumer's clock
     * @return the watermark, or empty
     */
    Optional<Instant> watermark(Instant now) {
        Optional<Instant> w = watermark();
        if (overflowing) {
            return Optional.of(w.isPresent() && w.get().isAfter(now) ? w.get() : now);
        }
        return w;
    }

    /**
     * The earliest time of the assigned partitions; empty with none assigned or one whose time is
     * not known yet.
     *
     * @return the watermark, or empty
     */
    Optional<Instant> watermark() {
        long min = Long.MAX_VALUE;
        long newestPaused = Long.MIN_VALUE;
        for (PartitionTime t : partitions.values()) {
            long time = t.time();
            if (t.paused) {
                newestPaused = Math.max(newestPaused, time);
                continue;
            }
            if (time == Long.MIN_VALUE) {
                return Optional.empty();
            }
            min = Math.min(min, time);
        }
        if (min == Long.MAX_VALUE) { // none assigned, or every one paused
            return newestPaused == Long.MIN_VALUE ? Optional.empty() : Optional.of(Instant.ofEpochMilli(newestPaused));
        }
        return Optional.of(Instant.ofEpochMilli(min));
    }

    /** Each partition's time (newest fetched, caught up at, paused), for failure messages. */
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("watermark ").append(watermark().map(Instant::toString).orElse("unknown"))
                .append(overflowing ? " (overflowing: the clock's)" : "");
        new java.util.TreeMap<>(partitions).forEach((p, t) -> b.append("; p").append(p).append(" newest ")
                .append(t.newest == Long.MIN_VALUE ? "-" : Instant.ofEpochMilli(t.newest))
                .append(" caught up ").append(t.caughtUpAt == Long.MIN_VALUE ? "-" : Instant.ofEpochMilli(t.caughtUpAt))
                .append(t.paused ? " paused" : ""));
        return b.toString();
    }
}
