package dev.minibatch.emitter;

import dev.minibatch.model.Window;
import dev.minibatch.spi.store.Claim;
import dev.minibatch.spi.emitter.EmitterContext;
import dev.minibatch.spi.store.Selection;
import dev.minibatch.spi.emitter.WindowEmitter;
import dev.minibatch.spi.emitter.WindowQuery;
import java.util.Optional;

/**
 * Emits a window as soon as {@code size} messages are pending, holding exactly {@code size} of
 * them, oldest first. Unlike Python's count-then-query, readiness and selection are one atomic
 * all-or-nothing claim, so competing consumers never split or duplicate a window. Never emits
 * empty windows.
 */
public final class CountWindow implements WindowEmitter {

    private final int size;

    /**
     * Windows of exactly {@code size} messages.
     *
     * @param size messages per window, at least 1
     */
    public CountWindow(int size) {
        if (size < 1) {
            throw new IllegalArgumentException("CountWindow size must be >= 1, was " + size);
        }
        this.size = size;
    }

    /**
     * Messages per window.
     *
     * @return the size
     */
    public int size() {
        return size;
    }

    @Override
    public Optional<WindowQuery> windowReady(EmitterContext context) {
        // the claim itself decides (minCount = size): no separate count that could race
        return Optional.of(WindowQuery.count(size));
    }

    @Override
    public Selection query(EmitterContext context, WindowQuery query) {
        return Selection.pending().limit(size).minCount(size);
    }

    @Override
    public Optional<Window> emit(EmitterContext context, WindowQuery query, Claim claim) {
        // emitEmpty applies to time windows; a count window is defined by its messages
        return claim.isEmpty() ? Optional.empty() : Optional.of(context.window(query, claim, claim.messages()));
    }

    @Override
    public String toString() {
        return "CountWindow(" + size + ")";
    }
}
