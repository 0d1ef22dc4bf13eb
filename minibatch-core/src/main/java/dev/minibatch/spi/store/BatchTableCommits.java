package dev.minibatch.spi.store;

import java.util.List;

/**
 * Optional store capability: several windows committed in one atomic step, each with its table
 * effects exactly as {@link TableStore#commitWithState} would commit it (all of a window or nothing
 * of it). A keyed table consumer on a {@link BatchClaims} store holds its windows briefly and
 * commits them together through this; on stores without it each window commits on its own. SQLite
 * implements it, for the same reason it implements {@code BatchClaims}: one transaction writes the
 * pages several windows share once.
 *
 * <p>Independent of the other mixins: a store that offers it also offers table commits, but this
 * interface assumes nothing of the store's other types. Thread-safe, like the store; atomic across
 * processes for stores shared between them.
 */
public interface BatchTableCommits {

    /** One window's commit in a batch: its claim's token, how many messages it holds, its table effects (null: none). */
    record StatefulCommit(String token, int expected, CommitEffects effects) {
    }

    /**
     * How one window of a batch ended: {@code committed} messages (0 when its lease was lost), or
     * {@code failure}, a state function's {@link dev.minibatch.model.StateFunctionException}, in
     * which case nothing of that window changed and its claim is still held.
     */
    record CommitOutcome(int committed, RuntimeException failure) {
    }

    /**
     * Commits several windows in one atomic step: a window with effects as
     * {@link TableStore#commitWithState} would, one without (null) as {@link StreamStore#commit}
     * would. A window whose state function throws is left as it was and reported in its outcome;
     * the others commit.
     *
     * @return one outcome per commit, in order
     * @param stream the stream's name
     * @param commits the windows to commit, each with its effects or none
     * @param keep true to mark the messages DONE instead of deleting them
     */
    List<CommitOutcome> commitEachWithState(String stream, List<StatefulCommit> commits, boolean keep);
}
