package dev.minibatch.spi.store;

import dev.minibatch.model.StoreException;

/**
 * Thrown by a batch commit ({@link BatchClaims#commitEach}, {@link BatchTableCommits#commitEachWithState})
 * that cannot go in before an earlier window of the same consumer commits: nothing changed, and the
 * same windows, with more, can commit later. On {@code kafka://} a partition's committed offset names
 * the records done ahead of it in a few kilobytes of metadata, and a batch that finished far ahead of
 * a window still queued on the consumer (claimed with it, not yet run) would need more. The consumer
 * keeps such windows held and tries again once more of its windows have finished, instead of waiting
 * inside the store on the thread that would run the earlier window; if that lasts half the lease it
 * gives up on them as on any failed commit (their messages return after the lease).
 */
public class CommitNotReadyException extends StoreException {

    /**
     * An exception saying why the batch must wait.
     *
     * @param message what the batch waits for
     */
    public CommitNotReadyException(String message) {
        super(message);
    }
}
