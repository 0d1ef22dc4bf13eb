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
    private final TimeGrid grid;

    /**
     * Windows of {@code interval}.
     *
     * @param interval the window length
     */
    public RelaxedTimeWindow(Duration interval) {
        this.grid = TimeGrid.tumbling(interval, "RelaxedTimeWindow");
        this.interval = TimeWindows.checkInterval(interval, "RelaxedTimeWindow");
    }

    /**
     * Windows of {@code interval}, each held open {@code grace} longer for messages that come late
     * (see {@link TimeGrid}; a message later still goes to the next window).
     *
     * @param interval the window length
     * @param grace how long after its end a window waits, zero or more
     */
    public RelaxedTimeWindow(Duration interval, Duration grace) {
        this.grid = TimeGrid.tumbling(interval, "RelaxedTimeWindow").withGrace(grace);
        this.interval = TimeWindows.checkInterval(interval, "RelaxedTimeWindow");
    }

    /**
     * How long after its end a window waits for late messages.
     *
     * @return the grace, zero by default
     */
    public Duration grace() {
        return grid.grace();
    }

    /**
     * The window length.
     *
     * @return the interval
     */
    public Duration interval() {
        return interval;
    }

    @Override
    public Optional<WindowQuery> windowReady(EmitterContext context) {
        Optional<Instant> time = grid.time(context);
        if (time.isEmpty()) {
            return Optional.empty(); // the store's watermark is not known yet
        }
        Instant now = time.get();
        Optional<Instant> stored = grid.start(context, now);
        if (stored.isEmpty()) {
            return Optional.empty();
        }
        Instant last = stored.get();
        if (now.isBefore(last.plus(interval))) {
            grid.waitFor(last.plus(interval));
            return Optional.empty();
        }
        // [lastRead, now): late and retried messages included, a consumer that was away catches up in one window
        return grid.advance(context, last, now, now, now.plus(interval)) ? Optional.of(WindowQuery.range(last, now))
                : Optional.empty();
    }

    @Override
    public Selection query(EmitterContext context, WindowQuery query) {
        return Selection.pending().createdBefore(query.to());
    }

    @Override
    public Duration pollDelay(EmitterContext context) {
        return grid.pollDelay(context);
    }

    @Override
    public String toString() {
        return "RelaxedTimeWindow(" + interval + (grid.grace().isZero() ? "" : ", grace " + grid.grace()) + ")";
    }
}
