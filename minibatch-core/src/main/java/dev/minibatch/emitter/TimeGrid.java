package dev.minibatch.emitter;

import dev.minibatch.model.Message;
import dev.minibatch.spi.emitter.EmitterContext;
import dev.minibatch.spi.emitter.WindowQuery;
import dev.minibatch.spi.store.Selection;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The time grid that time-window emitters share: windows {@code [start, start + length)} whose
 * starts move by {@code step} through the stream's {@code lastRead} (tumbling windows: step =
 * length; sliding windows: a smaller step). {@code lastRead} moves only by compare-and-set, so
 * competing consumers never emit one window twice; after a pause empty ranges are skipped (to the
 * window holding the oldest pending message, or now) unless {@code emitEmpty}. It also knows when
 * the next window ends, for the emitter's {@code pollDelay}. Used by {@link FixedTimeWindow},
 * {@link RelaxedTimeWindow} and the sliding-window plugin.
 *
 * <p><b>Time.</b> Windows close by the stream's time less the grid's grace: the context's
 * {@linkplain EmitterContext#watermark() watermark}, which is the clock on most stores and the
 * watermark of message timestamps on a store with event time ({@code kafka://} ordered consumers).
 * A grace holds each window open that much longer for messages that come late; a message later
 * still is not lost but goes to the next window. With event time a new grid is aligned to the
 * epoch (windows start at multiples of the step, as Kafka Streams' do, so every key and every
 * process shares one grid) and starts at the oldest pending message, so a backlog replayed from a
 * log forms the windows it formed live.
 *
 * <p>One instance per emitter instance; loop thread only, like the emitter.
 */
public final class TimeGrid {

    private final Duration length;
    private final Duration step;
    private final Duration grace;
    private Instant nextEnd;

    private TimeGrid(Duration length, Duration step, Duration grace) {
        this.length = length;
        this.step = step;
        this.grace = grace;
    }

    /**
     * A grid of back-to-back windows of {@code interval} (whole milliseconds, at least 1 ms).
     *
     * @param interval the window length
     * @param emitter the emitter's name, for error messages
     * @return the grid
     */
    public static TimeGrid tumbling(Duration interval, String emitter) {
        Duration checked = TimeWindows.checkInterval(interval, emitter);
        return new TimeGrid(checked, checked, Duration.ZERO);
    }

    /**
     * A grid of windows of {@code length} that start every {@code step} (1 ms ≤ step ≤ length).
     *
     * @param length the window length
     * @param step the distance between window starts
     * @param emitter the emitter's name, for error messages
     * @return the grid
     */
    public static TimeGrid sliding(Duration length, Duration step, String emitter) {
        Duration l = TimeWindows.checkInterval(length, emitter);
        Duration s = TimeWindows.checkInterval(step, emitter);
        if (s.compareTo(l) > 0) {
            throw new IllegalArgumentException(emitter + " step must be at most its length, was " + step + " > " + length);
        }
        return new TimeGrid(l, s, Duration.ZERO);
    }

    /**
     * This grid with each window held open {@code grace} longer for late messages (zero by default,
     * as Kafka Streams' {@code ofSizeWithNoGrace}: a late message is not dropped here, it goes to
     * the next window).
     *
     * @param grace how long after its end a window waits, whole milliseconds, not negative
     * @return a new grid
     */
    public TimeGrid withGrace(Duration grace) {
        return new TimeGrid(length, step, TimeWindows.checkGrace(grace));
    }

    /**
     * The grace of this grid.
     *
     * @return how long after its end a window waits for late messages
     */
    public Duration grace() {
        return grace;
    }

    /**
     * The time windows close by: the stream's {@linkplain EmitterContext#watermark() watermark}
     * (the clock on most stores) less the grace, in whole milliseconds.
     *
     * @param context the consumer's view of the stream
     * @return the time, or empty while the store does not know its watermark yet
     */
    public Optional<Instant> time(EmitterContext context) {
        return context.watermark().map(w -> TimeWindows.millis(w).minus(grace));
    }

    /**
     * The grid's next window if it has ended: the range {@code [start, start + length)}, with
     * {@code lastRead} moved to {@code start + step}. Empty while it has not ended, on the first
     * call for a stream without {@code lastRead} (the grid starts now, or with event time at the
     * oldest pending message), after skipping empty ranges, or when another consumer moved
     * {@code lastRead} first. "Ended" is by {@link #time}.
     *
     * @param context the consumer's view of the stream
     * @return the window, or empty
     */
    public Optional<WindowQuery> ready(EmitterContext context) {
        Optional<Instant> time = time(context);
        if (time.isEmpty()) {
            nextEnd = null;
            return Optional.empty();
        }
        Instant now = time.get();
        Optional<Instant> stored = start(context, now);
        if (stored.isEmpty()) {
            return Optional.empty();
        }
        Instant start = stored.get();
        Instant end = start.plus(length);
        if (now.isBefore(end)) {
            nextEnd = end;
            return Optional.empty();
        }
        if (!context.emitEmpty()) {
            List<Message> first = context.peek(Selection.pending().limit(1));
            if (first.isEmpty() || !first.get(0).created().isBefore(end)) {
                // nothing pending in [start, end): jump to the first window holding the oldest pending
                // message (or, with none, the one holding now) instead of emitting empty ones
                Instant target = first.isEmpty() || first.get(0).created().isAfter(now) ? now : first.get(0).created();
                long steps = Duration.between(end, target).toMillis() / step.toMillis() + 1;
                Instant next = start.plus(step.multipliedBy(steps));
                context.compareAndSetLastRead(start, next);
                nextEnd = next.plus(length);
                return Optional.empty();
            }
        }
        Instant next = start.plus(step);
        return advance(context, start, next, now, next.plus(length)) ? Optional.of(WindowQuery.range(start, end))
                : Optional.empty();
    }

    /**
     * The stream's {@code lastRead}; for a stream without one it is set to {@code now} (the grid
     * starts there) and the answer is empty. With event time the new grid starts instead at the
     * first epoch-aligned window holding the oldest pending message (or {@code now}).
     *
     * @param context the consumer's view of the stream
     * @param now the current time (the stream's, by {@link #time})
     * @return {@code lastRead}, or empty
     */
    public Optional<Instant> start(EmitterContext context, Instant now) {
        Optional<Instant> stored = context.lastRead();
        if (stored.isEmpty()) {
            Instant first = now;
            if (context.eventTime()) {
                List<Message> oldest = context.peek(Selection.pending().limit(1));
                Instant from = oldest.isEmpty() || oldest.get(0).created().isAfter(now) ? now : oldest.get(0).created();
                first = aligned(from);
            }
            context.compareAndSetLastRead(null, first);
            nextEnd = first.plus(length);
        }
        return stored;
    }

    /** The start of the first epoch-aligned window (starts at multiples of the step) that holds {@code t}. */
    Instant aligned(Instant t) {
        long stepMillis = step.toMillis();
        long k = Math.floorDiv(t.toEpochMilli() - length.toMillis(), stepMillis) + 1;
        return Instant.ofEpochMilli(k * stepMillis);
    }

    /**
     * Waits for a window that ends at {@code end} (what {@link #pollDelay} counts down to).
     *
     * @param end when the window ends
     */
    public void waitFor(Instant end) {
        nextEnd = end;
    }

    /**
     * Moves {@code lastRead} from {@code from} to {@code to}; on success the next window ends at
     * {@code next}, else another consumer moved it first and the emitter looks again at once.
     *
     * @param context the consumer's view of the stream
     * @param from the expected {@code lastRead}
     * @param to the new {@code lastRead}
     * @param now the current time
     * @param next when the next window ends
     * @return false if another consumer moved it first
     */
    public boolean advance(EmitterContext context, Instant from, Instant to, Instant now, Instant next) {
        if (!context.compareAndSetLastRead(from, to)) {
            nextEnd = now; // another consumer took this window; look again at once
            return false;
        }
        nextEnd = next;
        return true;
    }

    /**
     * Until the next window ends by {@link #time} (at most one step), or the poll interval before the
     * first round and while the watermark is not known.
     *
     * @param context the consumer's view of the stream
     * @return how long to wait
     */
    public Duration pollDelay(EmitterContext context) {
        if (nextEnd == null) {
            return context.pollInterval();
        }
        Optional<Instant> time = time(context);
        return time.isEmpty() ? context.pollInterval() : TimeWindows.until(time.get(), nextEnd, step);
    }
}
