package dev.minibatch.emitter;

import dev.minibatch.model.Message;
import dev.minibatch.spi.emitter.EmitterContext;
import dev.minibatch.spi.store.Selection;
import dev.minibatch.spi.emitter.WindowEmitter;
import dev.minibatch.spi.emitter.WindowQuery;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Windows on a fixed grid of {@code interval}-long, half-open ranges [L, L + interval), starting at
 * the stream's {@code lastRead}. A window is emitted once its range has ended and holds the pending
 * messages created before the range's end: its own, plus late ones appended after an earlier
 * window closed (Python drops those) and retried ones.
 *
 * <p>Fixes to Python's FixedTimeWindow: {@code lastRead} moves by compare-and-set, so two
 * consumers never emit one range; a message on a boundary belongs to exactly one window; after a
 * pause the consumer skips empty ranges instead of emitting a burst of empty windows, unless
 * {@code emitEmpty} asks for them.
 */
public final class FixedTimeWindow implements WindowEmitter {

    private final Duration interval;
    private Instant nextEnd;

    public FixedTimeWindow(Duration interval) {
        this.interval = TimeWindows.checkInterval(interval, "FixedTimeWindow");
    }

    public Duration interval() {
        return interval;
    }

    @Override
    public Optional<WindowQuery> windowReady(EmitterContext context) {
        Instant now = TimeWindows.millis(context.now());
        Optional<Instant> stored = context.lastRead();
        if (stored.isEmpty()) {
            context.compareAndSetLastRead(null, now);
            nextEnd = now.plus(interval);
            return Optional.empty();
        }
        Instant last = stored.get();
        Instant end = last.plus(interval);
        if (now.isBefore(end)) {
            nextEnd = end;
            return Optional.empty();
        }
        if (!context.emitEmpty()) {
            List<Message> first = context.peek(Selection.pending().limit(1));
            if (first.isEmpty() || !first.get(0).created().isBefore(end)) {
                // [last, end) is empty: jump to the range holding the oldest pending message (or now)
                Instant target = first.isEmpty() || first.get(0).created().isAfter(now) ? now : first.get(0).created();
                long skip = Duration.between(last, target).toMillis() / interval.toMillis();
                Instant skipped = last.plus(interval.multipliedBy(skip));
                if (skip >= 1) {
                    context.compareAndSetLastRead(last, skipped);
                }
                nextEnd = skipped.plus(interval);
                return Optional.empty();
            }
        }
        if (!context.compareAndSetLastRead(last, end)) {
            nextEnd = now; // another consumer took this range; look again at once
            return Optional.empty();
        }
        nextEnd = end.plus(interval);
        return Optional.of(WindowQuery.range(last, end));
    }

    @Override
    public Selection query(EmitterContext context, WindowQuery query) {
        return Selection.pending().createdBefore(query.to());
    }

    @Override
    public Duration pollDelay(EmitterContext context) {
        if (nextEnd == null) {
            return context.pollInterval();
        }
        return TimeWindows.until(context.now(), nextEnd, interval);
    }

    @Override
    public String toString() {
        return "FixedTimeWindow(" + interval + ")";
    }
}
