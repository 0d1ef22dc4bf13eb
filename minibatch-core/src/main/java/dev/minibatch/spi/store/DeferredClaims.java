package dev.minibatch.spi.store;


/**
 * Optional store capability: a claim the store does not write until it has to. The store only
 * remembers, in this process, which messages the claim holds; they stay pending in the store. The
 * claim is written like an ordinary one when it is renewed (a window that runs long) or when this
 * store is asked for an ordinary claim of the same stream while it is outstanding; a further
 * deferred claim of the stream skips its messages (a store may bound how many it keeps, and
 * claim the ordinary way beyond that). Ending it (commit,
 * {@link TransactionalAppend#commitAndAppend}, a commit with table effects, release, dead letter)
 * acts only on those of its messages that are still pending and unclaimed, in one transaction; a
 * commit with an expected count changes nothing unless all of them are.
 *
 * <p>What it buys: a claim that is committed before it needs renewing costs no write at all, so a
 * window's messages are written once (their commit) instead of twice (claim, then commit). What it
 * costs: until it is written, another process can claim the same messages; then the deferred
 * claim's commit comes up short and commits nothing, and the work done for it is thrown away. So
 * a consumer uses it only for windows whose every effect is written by their own commit
 * ({@link dev.minibatch.spi.emitter.WindowEmitter#effectsInCommit()}, no sink), where repeated work never shows twice
 * downstream; a store that sees such conflicts may answer with ordinary claims for a while.
 * A crash leaves nothing behind: the messages were never marked, so they are pending at once
 * (no lease to wait out).
 *
 * <p>Thread-safe, like the store. SQLite implements it.
 */
public interface DeferredClaims {

    /**
     * Claims like {@link StreamStore#claim} (same selection rules, all-or-nothing with
     * {@code minCount}, oldest first), deferring the writes as described above. A store may claim
     * the ordinary way instead (for example when expired leases wait for recovery); the caller
     * cannot tell and need not care.
     *
     * @param stream the stream's name
     * @param selection which messages, how many
     * @param lease the claim's lease
     * @return the claim
     */
    Claim claimDeferred(String stream, Selection selection, Lease lease);
}
