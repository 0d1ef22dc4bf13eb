package dev.minibatch.emitter;

import dev.minibatch.spi.emitter.EmitterContext;
import dev.minibatch.spi.store.Selection;
import dev.minibatch.spi.emitter.WindowEmitter;
import dev.minibatch.spi.emitter.WindowQuery;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Emits, at least {@code interval} after the previous window, one window with every pending
 * message created before now: the range is [lastRead, now). Late and retried messages are
 * included, as in Python's RelaxedTimeWindow; unlike it, a consumer that was away catches up in
 * one window rather than in a burst of interval-sized ones, {@code lastRead} moves by
 * compare-and-set, and empty windows are skipped unless {@code emitEmpty}.
 */
public final class RelaxedTimeWindow implements WindowEmitter {

    private final Duration interval;
    private Instant nextEnd;

    public RelaxedTimeWindow(Duration interval) {
        this.interval = TimeWindows.checkInterval(interval, "RelaxedTimeWindow");
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
        if (now.isBefore(last.plus(interval))) {
            nextEnd = last.plus(interval);
            return Optional.empty();
        }
        if (!context.compareAndSetLastRead(last, now)) {
            nextEnd = now;
            return Optional.empty();
        }
        nextEnd = now.plus(interval);
        return Optional.of(WindowQuery.range(last, now));
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
        return "RelaxedTimeWindow(" + interval + ")";
    }
}
