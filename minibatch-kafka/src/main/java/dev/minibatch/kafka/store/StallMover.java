package dev.minibatch.kafka.store;

import java.util.List;

/**
 * Unstalls count windows: copies held records to the end of their partitions, where any lane or
 * process can fetch them together with what they were waiting for. {@link #moveToEnd} is called on
 * the fetcher thread, {@link #role} on a thread of the fetcher's own (it asks the brokers).
 */
interface StallMover {
    /**
     * What this process does with a stalled count window's records: keep them, or move them. With
     * other processes in the group, all move theirs, and all but one (the collector, chosen alike
     * by all) pause fetching for a while, so the moved leftovers gather in the collector instead
     * of bouncing between processes.
     */
    StallRole role(int lanes, int held);

    /** Appends copies of the records (same partitions), returning when they are replicated. */
    void moveToEnd(List<HeldRecord> records);
}
