package com.example.minibatch;

import dev.minibatch.model.Window;
import dev.minibatch.spi.store.Claim;
import dev.minibatch.spi.emitter.EmitterContext;
import dev.minibatch.spi.store.Selection;
import dev.minibatch.spi.emitter.WindowEmitter;
import dev.minibatch.spi.emitter.WindowQuery;
import java.util.Optional;

/**
 * A window of up to {@code max} pending messages, oldest first, as soon as at least {@code min} are
 * pending. One consumer's loop thread calls it; no locks needed.
 */
public final class ThresholdWindow implements WindowEmitter {

    private final int min;
    private final int max;

    public ThresholdWindow(int min, int max) {
        if (min < 1 || max < min) {
            throw new IllegalArgumentException("need 1 <= min <= max, was min=" + min + ", max=" + max);
        }
        this.min = min;
        this.max = max;
    }

    @Override
    public Optional<WindowQuery> windowReady(EmitterContext context) {
        return Optional.of(WindowQuery.count(max)); // the claim below decides, atomically
    }

    @Override
    public Selection query(EmitterContext context, WindowQuery query) {
        return Selection.pending().limit(max).minCount(min); // all or nothing: fewer than min = no window
    }

    @Override
    public Optional<Window> emit(EmitterContext context, WindowQuery query, Claim claim) {
        // never an empty window, even with emitEmpty (that setting is meant for time windows)
        return claim.isEmpty() ? Optional.empty() : Optional.of(context.window(query, claim, claim.messages()));
    }
}
