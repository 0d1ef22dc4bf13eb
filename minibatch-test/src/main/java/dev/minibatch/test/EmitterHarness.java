package dev.minibatch.test;

import dev.minibatch.model.Message;
import dev.minibatch.Minibatch;
import dev.minibatch.Stream;
import dev.minibatch.Streaming;
import dev.minibatch.model.Window;
import dev.minibatch.spi.store.StreamStore;
import dev.minibatch.spi.emitter.WindowEmitter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * Drives a {@link WindowEmitter} through the real consumer runtime one round at a time, with a
 * {@link ManualClock}: append, advance the clock, call {@link #round()}, look at the window. No
 * threads, no sleeps. Works on any store (memory by default).
 *
 * <pre>{@code
 * try (EmitterHarness h = EmitterHarness.memory(new CountWindow(2))) {
 *     h.append(1, 2, 3);
 *     assertEquals(List.of(1, 2), h.roundValues(Integer.class));
 * }
 * }</pre>
 *
 * Not thread-safe; one harness per test.
 */
public final class EmitterHarness implements AutoCloseable {

    private final Minibatch minibatch;
    private final ManualClock clock;
    private final WindowEmitter emitter;
    private final String stream;
    private final List<Window> emitted = new ArrayList<>();
    private UnaryOperator<Streaming> settings = s -> s;
    private boolean failNext;

    /**
     * A harness on {@code store}'s {@code stream}, with {@code clock}, running {@code emitter}.
     *
     * @param store the store
     * @param clock the clock, moved by the test
     * @param emitter the emitter under test
     * @param stream the stream's name
     */
    public EmitterHarness(StreamStore store, ManualClock clock, WindowEmitter emitter, String stream) {
        this.clock = clock;
        this.emitter = emitter;
        this.stream = stream;
        this.minibatch = Minibatch.builder().store(store).clock(clock).shutdownHook(false).build();
        this.minibatch.stream(stream);
    }

    /**
     * A harness on a fresh in-memory store, stream {@code "test"}, clock at 2025-01-01T10:00Z.
     *
     * @param emitter the emitter under test
     * @return the harness
     */
    public static EmitterHarness memory(WindowEmitter emitter) {
        return new EmitterHarness(new dev.minibatch.store.memory.MemoryStore(), ManualClock.startingAt2025(), emitter, "test");
    }

    /**
     * Extra consumer settings for every round, e.g. {@code s -> s.keep(true).emitEmpty(true)}.
     *
     * @param consumerSettings applied to each round's consumer builder
     * @return this
     */
    public EmitterHarness configure(UnaryOperator<Streaming> consumerSettings) {
        this.settings = consumerSettings;
        return this;
    }

    /**
     * The harness's clock.
     *
     * @return the clock
     */
    public ManualClock clock() {
        return clock;
    }

    /**
     * The client on the harness's store.
     *
     * @return the client
     */
    public Minibatch minibatch() {
        return minibatch;
    }

    /**
     * The stream under test.
     *
     * @return the stream
     */
    public Stream stream() {
        return minibatch.stream(stream);
    }

    /**
     * Appends values at the current clock time.
     *
     * @param values the values
     * @return this
     */
    public EmitterHarness append(Object... values) {
        stream().appendAll(List.of(values));
        return this;
    }

    /**
     * Advances the clock.
     *
     * @param by how far
     * @return this
     */
    public EmitterHarness advance(Duration by) {
        clock.advance(by);
        return this;
    }

    /**
     * Makes the next emitted window's function throw (to test undo/retry).
     *
     * @return this
     */
    public EmitterHarness failNextWindow() {
        failNext = true;
        return this;
    }

    /**
     * Runs one consumer round; returns the window the function received, if any.
     *
     * @return the window, or empty
     */
    public Optional<Window> round() {
        int before = emitted.size();
        Streaming s = settings.apply(minibatch.streaming(stream).emitter(emitter).clock(clock).blocking(false));
        s.run(window -> {
            emitted.add(window);
            if (failNext) {
                failNext = false;
                throw new IllegalStateException("failure injected by EmitterHarness");
            }
        });
        return emitted.size() > before ? Optional.of(emitted.get(emitted.size() - 1)) : Optional.empty();
    }

    /**
     * Runs one round and returns the window's values converted to {@code type} (empty list if no window).
     *
     * @param <T> the value type
     * @param type the value type
     * @return the values
     */
    public <T> List<T> roundValues(Class<T> type) {
        return round().map(w -> w.dataAs(type)).orElse(List.of());
    }

    /**
     * Every window emitted so far.
     *
     * @return the windows, in order
     */
    public List<Window> emitted() {
        return List.copyOf(emitted);
    }

    /**
     * Pending messages in the store now.
     *
     * @return the pending messages
     */
    public List<Message> pending() {
        return stream().buffer();
    }

    /**
     * Time passes in small steps; handy to show nothing is emitted before a deadline.
     *
     * @param step how far the clock moves per round
     * @param maxRounds the most rounds run
     * @return the rounds run until a window came
     */
    public int roundsUntilWindow(Duration step, int maxRounds) {
        for (int i = 1; i <= maxRounds; i++) {
            if (round().isPresent()) {
                return i;
            }
            clock.advance(step);
        }
        return -1;
    }

    @Override
    public void close() {
        minibatch.close();
    }
}
