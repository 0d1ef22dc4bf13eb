package dev.minibatch.emitter;

import dev.minibatch.spi.emitter.EmitterContext;
import dev.minibatch.spi.store.Selection;
import dev.minibatch.spi.emitter.WindowEmitter;
import dev.minibatch.spi.emitter.WindowQuery;
import java.time.Duration;
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
    private final TimeGrid grid;

    /**
     * Grid-aligned windows of {@code interval}.
     *
     * @param interval the window length
     */
    public FixedTimeWindow(Duration interval) {
        this.grid = TimeGrid.tumbling(interval, "FixedTimeWindow");
        this.interval = TimeWindows.checkInterval(interval, "FixedTimeWindow");
    }

    /**
     * Windows of {@code interval}, each held open {@code grace} longer for messages that come late
     * (see {@link TimeGrid}; a message later still goes to the next window).
     *
     * @param interval the window length
     * @param grace how long after its end a window waits, zero or more
     */
    public FixedTimeWindow(Duration interval, Duration grace) {
        this.grid = TimeGrid.tumbling(interval, "FixedTimeWindow").withGrace(grace);
        this.interval = TimeWindows.checkInterval(interval, "FixedTimeWindow");
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
        return grid.ready(context);
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
        return "FixedTimeWindow(" + interval + (grid.grace().isZero() ? "" : ", grace " + grid.grace()) + ")";
    }
}
