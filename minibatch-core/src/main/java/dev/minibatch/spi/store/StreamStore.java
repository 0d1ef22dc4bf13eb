package dev.minibatch.spi.store;

import dev.minibatch.model.Message;
import dev.minibatch.model.MessageState;
import dev.minibatch.model.StreamInfo;
import dev.minibatch.model.StreamStats;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The streaming log every back end implements: a named buffer of messages with atomic, leased
 * claims. Memory, SQLite and MongoDB stores implement it and pass one compatibility suite
 * ({@code minibatch-test}'s {@code StreamStoreContract}).
 *
 * <p><b>Lifecycle.</b> A store is opened by its {@link StoreProvider} from a URL, used by any number
 * of streams, producers and consumers, and closed once with {@link #close()}. After close every
 * method may throw.
 *
 * <p><b>Threading.</b> Implementations must be safe for concurrent use by many threads, and, for
 * stores shared between processes, by many processes: {@link #claim} is atomic, so a message is in
 * at most one live claim.
 *
 * <p><b>Time.</b> Stores hold no clock: every method that needs the time takes it (creation time,
 * the lease's {@code now}, availability, the {@code now} of a dead letter, a commit with appends
 * or a {@code lastRead} swap), so tests drive them with a manual clock.
 *
 * <p><b>Optional capabilities</b> are small mixins a store may also implement, each independent of
 * the others; the runtime finds them once per consumer ({@link StoreCapabilities#of}):
 * {@link KeyedStore} (keys indexed, claims by key), {@link BatchClaims} (several claims, or
 * commits, in one step, for keyed consumers) with {@link BatchTableCommits} (the same for commits
 * with table state), {@link DeferredClaims} (claims written only when they must be),
 * {@link TransactionalAppend} (commit a claim and append in one transaction, for pipeline
 * stages), {@link TableStore} (per-key state committed with a claim; {@link TransactionalTableStore}
 * derives {@code TransactionalAppend} from it), {@link AppendWakeups} (push notices of appends)
 * and {@link StreamActivity} (heartbeats, append counts). Stores without
 * {@code TransactionalAppend} should derive stored ids from {@link NewMessage#origin()} where they
 * can, so retried stage windows append nothing twice. {@code minibatch-test} has a compatibility
 * suite for the store and for each capability.
 *
 * <p><b>Messages.</b> States move PENDING → CLAIMED → (deleted | DONE), or CLAIMED → PENDING on
 * release and lease expiry. Order is creation time, then the store's append sequence.
 */
public interface StreamStore extends AutoCloseable {

    /**
     * The URL this store was opened with, with any password removed (safe to log).
     *
     * @return the URL, password removed
     */
    String url();

    /**
     * Returns the stream, creating it if missing (status {@code open}, {@code lastRead} = {@code now}).
     * Concurrent creators from several processes end with one stream.
     *
     * @param interval Python's nominal stream interval, stored on creation only
     * @param name the stream's name
     * @param now the caller's time
     * @return the stream's metadata
     */
    StreamInfo openStream(String name, Duration interval, Instant now);

    /**
     * The stream, or empty if it was never created.
     *
     * @param name the stream's name
     * @return the stream's metadata, or empty
     */
    Optional<StreamInfo> findStream(String name);

    /**
     * All streams, by name.
     *
     * @return every stream's metadata
     */
    List<StreamInfo> listStreams();

    /**
     * Appends messages as PENDING, durably, in list order; the stream is created if missing. A
     * batch is written in as few round trips as the back end allows; when this returns normally
     * every message is stored. On failure none or some may be stored, never a corrupted one. An
     * empty list changes nothing. The stream is created at its first message's creation time.
     *
     * @param stream the stream's name
     * @param messages the messages, in order
     */
    void append(String stream, List<NewMessage> messages);

    /**
     * Reads messages without claiming them, oldest first. With {@code states} null, only PENDING
     * messages are returned (whether or not they are waiting out a retry backoff).
     *
     * @param stream the stream's name
     * @param selection which messages, how many
     * @param states the states to read, or null for PENDING
     * @return the messages, oldest first
     */
    List<Message> read(String stream, Selection selection, List<MessageState> states);

    /**
     * Atomically claims the PENDING messages that match the selection and are available at
     * {@code lease.now()}, oldest first, under the lease. Before claiming, messages whose lease
     * expired at {@code lease.now()} go back to PENDING with {@code attempts + 1}. With
     * {@code selection.minCount() > 0} the claim is all-or-nothing.
     *
     * @return the claim; empty if nothing matched
     * @param stream the stream's name
     * @param selection which messages, how many
     * @param lease the claim's owner, token, time and expiry
     */
    Claim claim(String stream, Selection selection, Lease lease);

    /**
     * Extends a live lease; false if the token no longer holds any message (the lease was lost).
     *
     * @param stream the stream's name
     * @param token the lease's token
     * @param expiresAt the new expiry
     * @return false if the lease was lost
     */
    boolean renew(String stream, String token, Instant expiresAt);

    /**
     * Commits the messages still claimed under {@code token}: deletes them, or with {@code keep}
     * marks them DONE. Returns how many were committed; fewer than claimed means the lease was lost.
     *
     * @param stream the stream's name
     * @param token the lease's token
     * @param keep true to mark the messages DONE instead of deleting them
     * @return how many messages were committed
     */
    int commit(String stream, String token, boolean keep);

    /**
     * Gives the messages claimed under {@code token} back as PENDING, available again at
     * {@code availableAt}. With an error text, the release counts as a failed attempt
     * ({@code attempts + 1}) and the text is kept; with null it is a clean give-back.
     *
     * @param stream the stream's name
     * @param token the lease's token
     * @param availableAt when the messages may be claimed again
     * @param error the failure's text, or null for a clean give-back
     * @return how many messages were released
     */
    int release(String stream, String token, Instant availableAt, String error);

    /**
     * Moves the messages claimed under {@code token} to {@code deadStream} as PENDING, with
     * {@code attempts + 1} and the error text, in one atomic step where the back end allows it.
     *
     * @param now the caller's time: the dead-letter stream is created then if missing
     * @param stream the stream's name
     * @param token the lease's token
     * @param deadStream the dead-letter stream's name
     * @param error the failure's text
     * @return how many messages were moved
     */
    int deadLetter(String stream, String token, String deadStream, String error, Instant now);

    /**
     * Sets the stream's {@code lastRead} to {@code next} only if it is still {@code expected}.
     *
     * @param now the caller's time (a store that locks the stream for the swap leases the lock from then)
     * @param stream the stream's name
     * @param expected the value {@code lastRead} must still have
     * @param next the new value
     * @return true if it was set
     */
    boolean compareAndSetLastRead(String stream, Instant expected, Instant next, Instant now);

    /**
     * Counts by state; cheap enough for a status page, not meant for the hot path.
     *
     * @param stream the stream's name
     * @return the counts by state
     */
    StreamStats stats(String stream);

    /**
     * Deletes messages created before {@code cutoff} that are PENDING or DONE ({@code max_age}).
     *
     * @param stream the stream's name
     * @param cutoff messages created before it are deleted
     * @return how many messages were deleted
     */
    int expire(String stream, Instant cutoff);

    /**
     * Deletes every PENDING and DONE message of the stream (Python's {@code clear()}).
     *
     * @param stream the stream's name
     * @return how many messages were deleted
     */
    int clear(String stream);

    /** Releases connections and files. Idempotent. */
    @Override
    void close();
}
