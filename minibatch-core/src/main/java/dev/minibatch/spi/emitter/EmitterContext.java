package dev.minibatch.spi.emitter;

import dev.minibatch.spi.store.BatchClaims;
import dev.minibatch.spi.store.Claim;
import dev.minibatch.spi.store.CommitEffects;
import dev.minibatch.spi.store.NewMessage;
import dev.minibatch.spi.store.Selection;
import dev.minibatch.spi.store.TableStore;
import dev.minibatch.spi.store.TransactionalAppend;
import dev.minibatch.model.Message;
import dev.minibatch.model.Window;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The buffer as an emitter sees it: a clock, a read view of pending messages, atomic claims, and
 * the stream's {@code lastRead}. Emitters never get a database handle, so one emitter works on
 * every store. Provided by the consumer runtime; only valid on the consumer's loop thread.
 *
 * <p>An emitter that wraps others (keyed windows, tables) hands them a context of its own: extend
 * {@link ForwardingEmitterContext}, which forwards every method, default ones included, and
 * override only what changes.
 */
public interface EmitterContext {

    /**
     * The stream being consumed.
     *
     * @return the stream's name
     */
    String stream();

    /**
     * For a keyed consumer ({@code streaming(s).keyBy(…)}), the key this context is scoped to: its
     * peeks and claims see only messages of that key, its {@code lastRead} is the key's, and its
     * windows carry the key. Null for unkeyed consumers, and for the group of unkeyed messages.
     * Emitters need no key bookkeeping of their own: each key gets its own emitter instance.
     *
     * @return the key, or null
     */
    default String key() {
        return null;
    }

    /**
     * Whether this context is scoped to one key (see {@link #key()}).
     *
     * @return true for a keyed context
     */
    default boolean keyed() {
        return false;
    }

    /**
     * The consumer's clock (a manual clock in tests).
     *
     * @return the clock
     */
    Clock clock();

    /**
     * Shorthand for {@code clock().instant()}.
     *
     * @return the clock's time
     */
    default Instant now() {
        return clock().instant();
    }

    /**
     * How far the stream's time has got: a time window {@code [from, to)} may close once this
     * reaches {@code to} (plus its grace). The clock ({@link #now()}) by default, where a message's
     * time is when it was appended; on a store with {@link dev.minibatch.spi.store.EventTime event
     * time} ({@code kafka://} ordered consumers) it is the store's watermark of message timestamps,
     * empty while not known.
     *
     * @return the stream's time, or empty while not known
     */
    default Optional<Instant> watermark() {
        return Optional.of(now());
    }

    /**
     * Whether {@link #watermark()} follows message timestamps (event time) rather than the clock;
     * time grids then align to the epoch and start at the oldest pending message.
     *
     * @return true on a store with event time
     */
    default boolean eventTime() {
        return false;
    }

    /**
     * Whether empty windows are emitted ({@code emitEmpty}).
     *
     * @return true if empty windows are emitted
     */
    boolean emitEmpty();

    /**
     * The consumer's idle poll interval.
     *
     * @return the poll interval
     */
    Duration pollInterval();

    /**
     * The stream's current {@code lastRead}, read from the store.
     *
     * @return {@code lastRead}, or empty
     */
    Optional<Instant> lastRead();

    /**
     * Moves {@code lastRead} from {@code expected} to {@code next}; false if another consumer moved
     * it first (then reload with {@link #lastRead()} and decide again).
     *
     * @param expected the value {@code lastRead} must still have
     * @param next the new value
     * @return false if another consumer moved it first
     */
    boolean compareAndSetLastRead(Instant expected, Instant next);

    /**
     * Pending messages without claiming them, oldest first (a snapshot; may be stale at once).
     *
     * @param selection which messages
     * @return the messages
     */
    List<Message> peek(Selection selection);

    /**
     * Atomically claims the selected messages under a new lease owned by this consumer.
     *
     * @param selection which messages
     * @return the claim (possibly empty)
     */
    Claim claim(Selection selection);

    /**
     * Claims each selection under a lease of its own: in one atomic step on a {@link BatchClaims}
     * store, else one by one. For emitters that take several windows ahead (keyed consumers): a
     * claim taken here but never emitted as a window is released when the consumer stops, or
     * earlier by {@link #release}. Default: {@link #claim} per selection.
     *
     * @return one claim per selection, in order; empty where too few matched
     * @param selections what each claim takes
     */
    default List<Claim> claimEach(List<Selection> selections) {
        List<Claim> out = new java.util.ArrayList<>(selections.size());
        for (Selection selection : selections) {
            out.add(claim(selection));
        }
        return out;
    }

    /**
     * Gives back a claim this emitter took and will not emit (a window claimed ahead that its key
     * did not take): released at once as a clean give-back (no attempt counted), and no longer
     * tracked by the runtime. Default: unsupported (the consumer runtime has it).
     *
     * @param claim the claim to give back
     */
    default void release(Claim claim) {
        throw new UnsupportedOperationException("this emitter context cannot release claims");
    }

    /**
     * Extends a claim's lease by the consumer's lease length from now, for a claim held a while
     * before its window is emitted. Default: unsupported (the consumer runtime has it).
     *
     * @return false if the lease was lost meanwhile (its messages went back)
     * @param claim the claim
     */
    default boolean renew(Claim claim) {
        throw new UnsupportedOperationException("this emitter context cannot renew claims");
    }

    /**
     * Moves one pending message that this emitter cannot place (a keyed consumer's message whose
     * key cannot be computed) to the consumer's dead-letter stream with {@code reason}; the
     * consumer counts it and tells its listeners, as for any dead letter. Default: unsupported
     * (the consumer runtime has it).
     *
     * @return false if another consumer took the message first
     * @param message the message
     * @param reason why it cannot be placed
     */
    default boolean deadLetter(Message message, String reason) {
        throw new UnsupportedOperationException("this emitter context cannot dead-letter messages");
    }

    /**
     * Builds the window the function will receive from a claim (and, rarely, extra messages).
     *
     * @param query the window decided by the emitter
     * @param claim the claim
     * @param messages extra messages, usually empty
     * @return the window
     */
    Window window(WindowQuery query, Claim claim, List<Message> messages);

    /**
     * Commits a window's claim: delete, or mark DONE with {@code keep}.
     *
     * @param window the window
     */
    void commit(Window window);

    /**
     * Commits a window's claim and appends {@code appends} (stream → messages): in one transaction
     * on a {@link TransactionalAppend} store, and only if the whole claim is still held (a lost
     * lease appends nothing); elsewhere the messages are appended first, then the claim committed
     * (idempotent where the store derives ids from {@link NewMessage#origin()}, else at least
     * once). Used by pipeline stages. Default: unsupported (the consumer runtime has it).
     *
     * @param window the window
     * @param appends stream → messages to append
     */
    default void commitAndAppend(Window window, java.util.Map<String, List<NewMessage>> appends) {
        throw new UnsupportedOperationException("this emitter context cannot append on commit");
    }

    /**
     * Lets the store settle commits with state or outputs that a dead consumer of this stream left
     * half done ({@link TableStore#recoverTables}; MongoDB without transactions). Emitters whose
     * windows commit that way (stages, table operators) call it on every poll; the store
     * rate-limits it. Default: nothing.
     */
    default void settleCommits() {
    }

    /**
     * Commits a window's claim with state updates, changelog and appends in one step
     * ({@link TableStore#commitWithState}); a state function that throws makes the window fail
     * instead ({@code dev.minibatch.model.StateFunctionException}), with nothing changed. Used by
     * table operators. Default: unsupported (the consumer runtime has it).
     *
     * @param window the window
     * @param effects the state updates, changelogs and appends
     */
    default void commit(Window window, CommitEffects effects) {
        throw new UnsupportedOperationException("this emitter context cannot commit with state");
    }

    /**
     * Undoes a failed window: released with {@code attempts + 1} and a backoff, or moved to the
     * dead-letter stream once {@code maxAttempts} is reached.
     *
     * @param window the window
     * @param error what failed
     */
    void undo(Window window, Throwable error);
}
