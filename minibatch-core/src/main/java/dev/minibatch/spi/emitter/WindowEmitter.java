package dev.minibatch.spi.emitter;

import dev.minibatch.spi.store.Claim;
import dev.minibatch.spi.store.DeferredClaims;
import dev.minibatch.spi.store.Selection;
import dev.minibatch.model.Window;
import java.time.Duration;
import java.util.Optional;

/**
 * Decides when a window is ready and which messages it holds: Python minibatch's emitter
 * lifecycle, store-agnostic. Only {@link #windowReady} must be written; the other steps have
 * defaults that claim the selection atomically, commit on success and release or dead-letter on
 * failure.
 *
 * <p>One round of a consumer runs: {@code windowReady} → {@code query} → {@code process} (claim)
 * → {@code emit} → window function and sink (on a worker) → {@code commit} or {@code undo}.
 * Time windows advance {@code lastRead} by compare-and-set inside {@code windowReady}, so two
 * consumers never emit the same interval.
 *
 * <p><b>Threading and lifecycle.</b> A consumer creates or receives one emitter and calls every
 * method from its single loop thread, so an emitter may keep plain mutable state without locks. An
 * emitter instance must not be shared by two consumers. Emitters read time only from
 * {@link EmitterContext#clock()}, never from the system clock, so they can be tested without sleeps.
 */
public interface WindowEmitter {

    /**
     * Returns the window to build now, or empty when none is ready. Called on every poll.
     *
     * @param context the consumer's view of the stream
     * @return the window to build, or empty
     */
    Optional<WindowQuery> windowReady(EmitterContext context);

    /**
     * Turns the decision into a selection. Default: pending messages created before the window's
     * end (late messages included), at most {@code size} of them.
     *
     * @param context the consumer's view of the stream
     * @param query the window decided by {@link #windowReady}
     * @return the messages to claim
     */
    default Selection query(EmitterContext context, WindowQuery query) {
        Selection selection = Selection.pending();
        if (query.to() != null) {
            selection = selection.createdBefore(query.to());
        }
        if (query.size() > 0) {
            selection = selection.limit(query.size());
        }
        return selection;
    }

    /**
     * Claims the selected messages. Default: one atomic claim of the selection.
     *
     * @param context the consumer's view of the stream
     * @param query the window decided by {@link #windowReady}
     * @param selection the messages to claim
     * @return the claim (possibly empty)
     */
    default Claim process(EmitterContext context, WindowQuery query, Selection selection) {
        return context.claim(selection);
    }

    /**
     * Builds the window from the claim, or returns empty to skip it. Default: skip empty claims
     * unless {@code emitEmpty}.
     *
     * @param context the consumer's view of the stream
     * @param query the window decided by {@link #windowReady}
     * @param claim the claimed messages
     * @return the window, or empty to skip it
     */
    default Optional<Window> emit(EmitterContext context, WindowQuery query, Claim claim) {
        if (claim.isEmpty() && !context.emitEmpty()) {
            return Optional.empty();
        }
        return Optional.of(context.window(query, claim, claim.messages()));
    }

    /**
     * Called after the window function and the sink succeeded. Default: commit the claim.
     *
     * @param context the consumer's view of the stream
     * @param window the window that succeeded
     */
    default void commit(EmitterContext context, Window window) {
        context.commit(window);
    }

    /**
     * Called when the function or the sink failed. Default: release with backoff, or dead-letter.
     *
     * @param context the consumer's view of the stream
     * @param window the window that failed
     * @param error what the function or sink threw
     */
    default void undo(EmitterContext context, Window window, Throwable error) {
        context.undo(window, error);
    }

    /**
     * Whether everything a window of this emitter causes is written by its own commit (a stage:
     * its outputs are appended with the commit, in one transaction), so that computing a window
     * whose commit then fails, because another consumer took its messages, changes nothing anyone
     * sees. A consumer with such an emitter, one worker and no sink may then claim through
     * {@link DeferredClaims}, where the store offers it. Default false: a window function or sink
     * with effects of its own must never run for messages another consumer also gets.
     *
     * @return true if a window's commit writes all it causes
     */
    default boolean effectsInCommit() {
        return false;
    }

    /**
     * How long to wait before asking {@link #windowReady} again when nothing was ready (a consumer
     * wakes earlier when a window finishes). Default: the consumer's poll interval.
     *
     * @param context the consumer's view of the stream
     * @return how long to wait
     */
    default Duration pollDelay(EmitterContext context) {
        return context.pollInterval();
    }
}
