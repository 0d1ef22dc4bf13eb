package dev.minibatch.spi.store;

import java.util.List;

/**
 * Optional store capability: several claims taken, and later committed, in one atomic step (one
 * transaction) each, every claim under its own lease, so a keyed consumer takes and commits the
 * windows of many keys at the cost of about one. Each claim is exactly what {@link StreamStore#claim} would return for its selection
 * (atomic, all-or-nothing with {@code minCount}, oldest first, expired leases recovered first);
 * doing them together only spares the per-claim commit. Windows that also carry table state are
 * committed together by {@link BatchTableCommits}, a separate mixin. SQLite implements it: there a keyed
 * window's rows lie on as many pages as it has messages, and one commit writes pages shared by
 * several keys' windows once instead of once per window.
 *
 * <p>Thread-safe, like the store; atomic across processes for stores shared between them.
 */
public interface BatchClaims {

    /**
     * Claims {@code selections.get(i)} under {@code leases.get(i)} for every i, in one atomic step,
     * in list order (a later selection never takes a message an earlier one took).
     *
     * @param leases one lease per selection, with distinct tokens; all with the same {@code now}
     * @return one claim per selection, in order; empty where too few messages matched
     * @throws IllegalArgumentException when the lists differ in length
     * @param stream the stream's name
     * @param selections what each claim takes
     */
    List<Claim> claimEach(String stream, List<Selection> selections, List<Lease> leases);

    /**
     * Commits the claims of {@code tokens} (delete, or mark DONE with {@code keep}) in one atomic
     * step; each exactly as {@link StreamStore#commit} would.
     *
     * @return per token, in order, how many of its messages were committed (0 when its lease was lost)
     * @param stream the stream's name
     * @param tokens the claims' lease tokens
     * @param keep true to mark the messages DONE instead of deleting them
     */
    int[] commitEach(String stream, List<String> tokens, boolean keep);

    /**
     * How many windows' commits of {@code stream} to hold and commit together ({@link #commitEach},
     * {@link BatchTableCommits}) when every window's commit should be held, not only windows claimed
     * together: for stores where each commit costs a round trip to other machines (a Kafka
     * transaction) whatever the claims were. Asked once per claim. A held commit still waits at most a
     * tenth of the lease (at most 50 ms). Default: 0, hold only windows claimed together.
     *
     * @param stream the stream's name
     * @return the most windows per batch when every commit is held, or 0
     */
    default int holdCommits(String stream) {
        return 0;
    }
}
