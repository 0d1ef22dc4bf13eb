package dev.minibatch.plugins.sliding;

import dev.minibatch.emitter.TimeGrid;
import dev.minibatch.model.Message;
import dev.minibatch.model.Window;
import dev.minibatch.spi.store.Claim;
import dev.minibatch.spi.emitter.EmitterContext;
import dev.minibatch.spi.store.Selection;
import dev.minibatch.spi.emitter.WindowEmitter;
import dev.minibatch.spi.emitter.WindowQuery;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Overlapping windows that advance by {@code step}: either the {@code size} oldest pending messages
 * ({@link #count}), or the messages of the half-open range [L, L + {@code interval}) where L moves
 * by {@code step} ({@link #time}). A message appears in every window whose range covers it (about
 * size/step or interval/step windows) and is committed when it leaves the last one.
 *
 * <h2>How</h2>
 * Only the messages <em>leaving</em> with this window are claimed: the {@code step} oldest (count)
 * or those created before L + step (time, late and retried ones included). The rest of the window
 * is read with {@link EmitterContext#peek} and stays pending for the windows after it. The window
 * is built from both ({@link EmitterContext#window(WindowQuery, Claim, List)}); its id is the
 * claim's, and {@link #commit}/{@link #undo} act on the claimed part only.
 *
 * <h2>Delivery semantics</h2>
 * At least once per message, like every emitter: a message is deleted (or marked DONE with
 * {@code keep}) only after a window it leaves with has succeeded. If that window fails, its leaving
 * messages are released with backoff and counted as an attempt; the staying part is untouched.
 * <ul>
 *   <li>Count windows wait for the released messages (they are the oldest): the retry is the same
 *   window, once the backoff is over, and windows stay in order.</li>
 *   <li>Time windows have moved on ({@code lastRead} advanced by step when the window was
 *   emitted): the released messages come back as late messages and leave with the first window
 *   after their backoff.</li>
 *   <li>A message may be seen by a function more often than the number of windows covering it (a
 *   staying message is seen again when a window is retried); functions must tolerate that.</li>
 *   <li>After {@code maxAttempts} failures the leaving messages go to the dead-letter stream.</li>
 * </ul>
 * Competing consumers on one stream each get a share of the windows (claims are atomic and
 * {@code lastRead} moves by compare-and-set), but a window's staying part is a snapshot.
 *
 * <p>Count windows, like {@code CountWindow}, never emit until {@code size} messages are pending.
 * Time windows skip empty ranges unless {@code emitEmpty}; a window whose leaving part is empty but
 * whose staying part is not is still emitted (its messages are still in it), with an empty claim.
 *
 * <p><b>Threading.</b> One instance per consumer, called from its loop thread only (the
 * {@link WindowEmitter} contract); the per-window bookkeeping is plain fields.
 */
public final class SlidingWindow implements WindowEmitter {

    /** Windows in flight at once are bounded by the consumer's workers; this bounds leaks on odd paths. */
    private static final int MAX_TRACKED = 4096;

    private final int size;
    private final int step;
    private final Duration interval;
    private final Duration timeStep;

    /** The current round: ids leaving with the window (count) and the messages that stay. */
    private List<String> leavingIds = List.of();
    private List<Message> staying = List.of();
    /** How many of a window's first messages are claimed (leave with it), by window id. */
    private final Map<String, Integer> leavingByWindow = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Integer> eldest) {
            return size() > MAX_TRACKED;
        }
    };
    /** Time windows: the core's time grid (null for count windows). */
    private final TimeGrid grid;

    private SlidingWindow(int size, int step, Duration interval, Duration timeStep) {
        this.size = size;
        this.step = step;
        this.interval = interval;
        this.timeStep = timeStep;
        this.grid = interval == null ? null : TimeGrid.sliding(interval, timeStep, "SlidingWindow");
    }

    /**
     * Windows of the {@code size} oldest pending messages, advancing by {@code step} messages.
     *
     * @throws IllegalArgumentException unless {@code 1 <= step <= size}
     */
    public static SlidingWindow count(int size, int step) {
        if (size < 1) {
            throw new IllegalArgumentException("SlidingWindow size must be >= 1, was " + size);
        }
        if (step < 1 || step > size) {
            throw new IllegalArgumentException("SlidingWindow step must be between 1 and size (" + size + "), was " + step);
        }
        return new SlidingWindow(size, step, null, null);
    }

    /**
     * Windows over [L, L + interval), L advancing by {@code step}; both at least 1 ms, millisecond
     * precision (what stores keep).
     *
     * @throws IllegalArgumentException unless {@code 1 ms <= step <= interval}
     */
    public static SlidingWindow time(Duration interval, Duration step) {
        Objects.requireNonNull(interval, "interval");
        Objects.requireNonNull(step, "step");
        if (interval.toMillis() < 1) {
            throw new IllegalArgumentException("SlidingWindow interval must be at least 1 ms, was " + interval);
        }
        if (step.toMillis() < 1 || step.toMillis() > interval.toMillis()) {
            throw new IllegalArgumentException("SlidingWindow step must be between 1 ms and interval (" + interval
                    + "), was " + step);
        }
        return new SlidingWindow(0, 0, Duration.ofMillis(interval.toMillis()), Duration.ofMillis(step.toMillis()));
    }

    private boolean isCount() {
        return interval == null;
    }

    @Override
    public Optional<WindowQuery> windowReady(EmitterContext context) {
        return isCount() ? countReady(context) : timeReady(context);
    }

    private Optional<WindowQuery> countReady(EmitterContext context) {
        List<Message> view = context.peek(Selection.pending().limit(size));
        if (view.size() < size) {
            // Messages under a lapsed lease (a crashed consumer's) are not pending until some claim
            // recovers them; a claim that matches nothing does that without taking anything.
            context.claim(Selection.pending().createdBefore(Instant.EPOCH));
            return Optional.empty();
        }
        List<String> ids = new ArrayList<>(step);
        for (Message m : view.subList(0, step)) {
            ids.add(m.id());
        }
        leavingIds = ids;
        staying = List.copyOf(view.subList(step, size));
        return Optional.of(WindowQuery.count(size));
    }

    private Optional<WindowQuery> timeReady(EmitterContext context) {
        return grid.ready(context);
    }

    @Override
    public Selection query(EmitterContext context, WindowQuery query) {
        if (isCount()) {
            // all or nothing: when one of the oldest is claimed elsewhere or waits out a retry
            // backoff, no window now (the next poll looks again) rather than windows out of order
            return Selection.ids(leavingIds).minCount(leavingIds.size());
        }
        return Selection.pending().createdBefore(query.from().plus(timeStep));
    }

    @Override
    public Optional<Window> emit(EmitterContext context, WindowQuery query, Claim claim) {
        if (isCount()) {
            if (claim.isEmpty()) {
                return Optional.empty();
            }
        } else {
            // read after the claim, so the leaving messages are not read twice
            staying = context.peek(Selection.pending().createdFrom(query.from().plus(timeStep)).createdBefore(query.to()));
            if (claim.isEmpty() && staying.isEmpty() && !context.emitEmpty()) {
                return Optional.empty();
            }
        }
        List<Message> messages = new ArrayList<>(claim.messages().size() + staying.size());
        messages.addAll(claim.messages());
        messages.addAll(staying);
        Window window = context.window(query, claim, messages);
        leavingByWindow.put(window.id(), claim.messages().size());
        staying = List.of();
        return Optional.of(window);
    }

    @Override
    public void commit(EmitterContext context, Window window) {
        context.commit(leavingPart(window));
    }

    @Override
    public void undo(EmitterContext context, Window window, Throwable error) {
        context.undo(leavingPart(window), error);
    }

    /** The claimed head of a window: what commit deletes and undo releases or dead-letters. */
    private Window leavingPart(Window window) {
        Integer leaving = leavingByWindow.remove(window.id());
        int n = leaving == null ? window.size() : leaving;
        if (n == window.size()) {
            return window;
        }
        return new Window(window.id(), window.stream(), window.created(), window.messages().subList(0, n),
                window.from(), window.to());
    }

    @Override
    public Duration pollDelay(EmitterContext context) {
        return isCount() ? context.pollInterval() : grid.pollDelay(context);
    }

    public boolean isTimeBased() {
        return !isCount();
    }

    @Override
    public String toString() {
        return isCount() ? "SlidingWindow(size=" + size + ", step=" + step + ")"
                : "SlidingWindow(interval=" + interval + ", step=" + timeStep + ")";
    }
}
