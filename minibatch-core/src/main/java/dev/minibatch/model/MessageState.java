package dev.minibatch.model;

/** Where a stored message is in its life. */
public enum MessageState {
    /** Appended and waiting for a window (Python: {@code processed: false}). */
    PENDING,
    /** In a live window: claimed under a lease by one consumer (Python: {@code processed: true}). */
    CLAIMED,
    /** Committed with {@code keep}: processed and retained until {@code maxAge} expires it. */
    DONE
}
