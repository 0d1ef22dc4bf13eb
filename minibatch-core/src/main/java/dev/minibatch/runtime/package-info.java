/**
 * The consumer runtime — <b>not API</b>: public only so that {@link dev.minibatch.Streaming} can
 * start consumers; it may change in any release. One class per job:
 * <ul>
 * <li>{@link dev.minibatch.runtime.ConsumerLoop}: the consumer's thread, its loop, dispatch to
 *     workers, drain at stop;</li>
 * <li>{@code WindowSource}: asks the emitter for the next window;</li>
 * <li>{@code Workers}: run the window function and the sink; {@code Inbox}: what wakes the loop;</li>
 * <li>{@code WindowFinisher}: finishes what workers report (commit or failure);</li>
 * <li>{@code ClaimTracker}: where a window is claimed (deferred or batched where the store allows)
 *     and tracked until dispatch;</li>
 * <li>{@code LeaseKeeper}: windows in flight and the renewal of their leases;</li>
 * <li>{@code CommitRouter} (with {@code BatchedCommits}): where a window is committed — plain,
 *     with stage outputs, with table state, or held for a batch;</li>
 * <li>{@code FailurePolicy}: where a window is retried (backoff, attempts) or dead-lettered — the
 *     only place that dead-letters, every dead letter counted and told to listeners;</li>
 * <li>{@code PollPacer}: when an idle consumer polls, append wake-ups;</li>
 * <li>{@code Heartbeats}, {@link dev.minibatch.runtime.Observers}: status for stores and listeners;</li>
 * <li>{@code ConsumerContext}: the emitter's view of all of the above;</li>
 * <li>{@link dev.minibatch.runtime.ConsumerRegistry}: the running consumers of one client.</li>
 * </ul>
 * What a store can do is resolved once per consumer
 * ({@link dev.minibatch.spi.store.StoreCapabilities}); nothing here tests a store's class.
 *
 * <p><b>Stability: internal.</b>
 */
package dev.minibatch.runtime;
