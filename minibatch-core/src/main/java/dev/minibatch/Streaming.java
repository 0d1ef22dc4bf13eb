package dev.minibatch;

import dev.minibatch.model.ConsumerHandle;
import dev.minibatch.runtime.ConsumerLoop;
import dev.minibatch.model.ConsumerStats;
import dev.minibatch.model.StreamOptions;
import dev.minibatch.model.Window;
import dev.minibatch.model.WindowFunction;
import dev.minibatch.model.WindowHandler;
import dev.minibatch.emitter.CountWindow;
import dev.minibatch.emitter.FixedTimeWindow;
import dev.minibatch.emitter.RelaxedTimeWindow;
import dev.minibatch.internal.Names;
import dev.minibatch.keyed.KeySelector;
import dev.minibatch.keyed.KeyedEmitter;
import dev.minibatch.observe.ConsumerListener;
import dev.minibatch.spi.connector.Sink;
import dev.minibatch.spi.emitter.WindowEmitter;
import dev.minibatch.table.TableOperators;
import dev.minibatch.table.TableUpdates;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.function.BiFunction;
import java.util.function.BinaryOperator;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.function.Supplier;

/**
 * Builds a consumer of one stream: Python's {@code streaming(name, …)} as a fluent builder.
 *
 * <pre>{@code
 * mb.streaming("test").size(2).keep(true).run(window -> System.out.println(window.data()));
 * ConsumerHandle h = mb.streaming("test").interval(Duration.ofSeconds(2)).relaxed(false).workers(4)
 *     .sink(sink).start(window -> …);
 * }</pre>
 *
 * <p>The emitter follows Python's rule: an explicit {@code emitter} wins; else a non-zero
 * {@code interval} gives a RelaxedTimeWindow ({@code relaxed}, the default) or a FixedTimeWindow
 * ({@code relaxed(false)}), and any {@code size} is ignored; else {@code size} gives a CountWindow;
 * neither means {@code size(1)}.
 *
 * <p>Delivery: at least once. A window is committed only after the function and the sink
 * succeeded; a failure releases it with {@code attempts + 1} and a backoff, and after
 * {@code maxAttempts} tries its messages move to {@code <name>.dead}.
 *
 * <p>A builder is not thread-safe; build one consumer per builder.
 */
public final class Streaming {

    final Minibatch minibatch;
    final String stream;
    Integer size;
    Duration interval;
    boolean relaxed = true;
    WindowEmitter emitter;
    String emitterName;
    Map<String, ?> emitterOptions = Map.of();
    Supplier<? extends WindowEmitter> emitterFactory;
    KeySelector keySelector;
    int keyScanLimit = KeyedEmitter.DEFAULT_SCAN_LIMIT;
    boolean keep;
    int workers = 1;
    ExecutorService executor;
    Sink sink;
    String sinkName;
    Map<String, ?> sinkOptions = Map.of();
    int maxAttempts = 5;
    Duration lease = Duration.ofSeconds(30);
    Duration backoff = Duration.ofSeconds(1);
    Duration maxBackoff = Duration.ofMinutes(1);
    boolean emitEmpty;
    Duration pollInterval = Duration.ofMillis(10);
    Duration stopTimeout = Duration.ofSeconds(30);
    boolean blocking = true;
    Clock clock;
    String deadLetterStream;
    String group;
    boolean ordered;
    WindowFunction<?> function;
    final List<ConsumerListener> listeners = new ArrayList<>();
    final TableOperators tables = new TableOperators();

    Streaming(Minibatch minibatch, String stream) {
        this.minibatch = minibatch;
        this.stream = stream;
    }

    /**
     * Windows of exactly {@code n} messages (CountWindow), unless an interval or emitter is set.
     *
     * @param n messages per window, at least 1
     * @return this
     */
    public Streaming size(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("size must be >= 1, was " + n);
        }
        this.size = n;
        return this;
    }

    /**
     * Time windows of {@code every}; wins over {@code size}, as in Python.
     *
     * @param every the window length
     * @return this
     */
    public Streaming interval(Duration every) {
        if (every == null || every.toMillis() < 1) {
            throw new IllegalArgumentException("interval must be at least 1 ms, was " + every);
        }
        this.interval = every;
        return this;
    }

    /**
     * With an interval: RelaxedTimeWindow (true, the default) or FixedTimeWindow (false).
     *
     * @param isRelaxed true for relaxed, false for fixed (grid-aligned) windows
     * @return this
     */
    public Streaming relaxed(boolean isRelaxed) {
        this.relaxed = isRelaxed;
        return this;
    }

    /**
     * A custom emitter instance; wins over size and interval. Must not be shared by consumers.
     *
     * @param custom the emitter this consumer uses
     * @return this
     */
    public Streaming emitter(WindowEmitter custom) {
        this.emitter = Objects.requireNonNull(custom, "emitter");
        this.emitterName = null;
        this.emitterFactory = null;
        return this;
    }

    /**
     * A custom emitter made by {@code factory}: wins over size, interval and named emitters. Keyed
     * consumers need this form for custom emitters, as they run one emitter per key.
     *
     * @param factory makes a new emitter on each call
     * @return this
     */
    public Streaming emitterFactory(Supplier<? extends WindowEmitter> factory) {
        this.emitterFactory = Objects.requireNonNull(factory, "emitter factory");
        this.emitter = null;
        this.emitterName = null;
        return this;
    }

    /**
     * Windows per stored message key (see {@code Stream.append(key, value)}): with any emitter,
     * each window holds messages of one key ({@link Window#key()}); {@code CountWindow(n)} is n
     * messages of one key, a time window one window per key per interval. Unkeyed messages form one
     * group of their own (key null). On a {@code KeyedStore} (memory, SQLite) keys are counted and
     * claimed by the store's index.
     *
     * @return this
     */
    public Streaming keyBy() {
        return keyBy(KeySelector.stored());
    }

    /**
     * Windows per value of a field of the data, for streams written without keys (e.g. by Python
     * producers): {@code keyBy("sensor")}. Cost: each sweep reads up to {@link #keyScanLimit} pending
     * messages and claims by ids, O(pending) instead of one grouped count. A message without the
     * field goes to the dead-letter stream alone, with the reason.
     *
     * @param fieldPath the field holding the key, e.g. {@code "sensor"}
     * @return this
     */
    public Streaming keyBy(String fieldPath) {
        return keyBy(KeySelector.field(fieldPath));
    }

    /**
     * Windows per key as {@code selector} finds it (stored key, field path or function).
     *
     * @param selector where the key comes from
     * @return this
     */
    public Streaming keyBy(KeySelector selector) {
        this.keySelector = Objects.requireNonNull(selector, "key selector");
        return this;
    }

    /**
     * Most pending messages a keyed consumer with computed keys reads per sweep (default 10,000).
     *
     * @param messages the most pending messages read per sweep
     * @return this
     */
    public Streaming keyScanLimit(int messages) {
        if (messages < 1) {
            throw new IllegalArgumentException("keyScanLimit must be >= 1, was " + messages);
        }
        this.keyScanLimit = messages;
        return this;
    }

    /**
     * An emitter by provider name with options, e.g. {@code emitter("sliding", Map.of("size", "10"))}.
     *
     * @param name the emitter provider's name
     * @param options the emitter's options
     * @return this
     */
    public Streaming emitter(String name, Map<String, ?> options) {
        this.emitterName = Objects.requireNonNull(name, "emitter name");
        this.emitterOptions = options == null ? Map.of() : Map.copyOf(options);
        this.emitter = null;
        return this;
    }

    /**
     * Keep committed messages (marked done) instead of deleting them; see {@code StreamOptions.maxAge}.
     *
     * @param keepCommitted true to keep committed messages
     * @return this
     */
    public Streaming keep(boolean keepCommitted) {
        this.keep = keepCommitted;
        return this;
    }

    /**
     * Windows processed in parallel (default 1: processed and committed in order).
     *
     * @param n the number of workers
     * @return this
     */
    public Streaming workers(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("workers must be >= 1, was " + n);
        }
        this.workers = n;
        return this;
    }

    /**
     * Runs window functions on this executor (yours to shut down) instead of a private pool.
     *
     * @param functionExecutor the executor that runs window functions
     * @return this
     */
    public Streaming executor(ExecutorService functionExecutor) {
        this.executor = Objects.requireNonNull(functionExecutor, "executor");
        return this;
    }

    /**
     * Forwards each window's result here before committing; the sink stays yours to close.
     *
     * @param target the sink
     * @return this
     */
    public Streaming sink(Sink target) {
        this.sink = Objects.requireNonNull(target, "sink");
        this.sinkName = null;
        return this;
    }

    /**
     * A sink by provider name with options; the consumer closes it when it stops.
     *
     * @param name the sink provider's name
     * @param options the sink's options
     * @return this
     */
    public Streaming sink(String name, Map<String, ?> options) {
        this.sinkName = Objects.requireNonNull(name, "sink name");
        this.sinkOptions = options == null ? Map.of() : Map.copyOf(options);
        this.sink = null;
        return this;
    }

    /**
     * Tries per message before it goes to the dead-letter stream (default 5).
     *
     * @param attempts tries per message
     * @return this
     */
    public Streaming maxAttempts(int attempts) {
        if (attempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be >= 1, was " + attempts);
        }
        this.maxAttempts = attempts;
        return this;
    }

    /**
     * How long a claim is held without renewal (default 30 s); renewed every third of it.
     *
     * @param duration the lease
     * @return this
     */
    public Streaming lease(Duration duration) {
        if (duration == null || duration.toMillis() < 100) {
            throw new IllegalArgumentException("lease must be at least 100 ms, was " + duration);
        }
        this.lease = duration;
        return this;
    }

    /**
     * Retry backoff: {@code initial × 2^(attempt-1)}, at most {@code max} (default 1 s … 1 min).
     *
     * @param initial the first retry's delay
     * @param max the longest delay
     * @return this
     */
    public Streaming backoff(Duration initial, Duration max) {
        if (initial == null || initial.isNegative() || max == null || max.compareTo(initial) < 0) {
            throw new IllegalArgumentException("backoff needs 0 <= initial <= max, was " + initial + " and " + max);
        }
        this.backoff = initial;
        this.maxBackoff = max;
        return this;
    }

    /**
     * Whether time windows with no messages still call the function (default false).
     *
     * @param emit true to call the function for empty time windows
     * @return this
     */
    public Streaming emitEmpty(boolean emit) {
        this.emitEmpty = emit;
        return this;
    }

    /**
     * How often an idle count consumer polls the store (default 10 ms, as Python). Where the store
     * pushes prompt append notices (MongoDB change streams on a replica set) an append wakes the
     * consumer at once, and an idle consumer polls at most once a second, for what no notice announces.
     *
     * @param every the poll interval
     * @return this
     */
    public Streaming pollInterval(Duration every) {
        if (every == null || every.isNegative() || every.isZero()) {
            throw new IllegalArgumentException("pollInterval must be positive, was " + every);
        }
        this.pollInterval = every;
        return this;
    }

    /**
     * How long stop waits for in-flight windows before releasing them (default 30 s).
     *
     * @param timeout how long stop waits
     * @return this
     */
    public Streaming stopTimeout(Duration timeout) {
        if (timeout == null || timeout.isNegative()) {
            throw new IllegalArgumentException("stopTimeout must be >= 0, was " + timeout);
        }
        this.stopTimeout = timeout;
        return this;
    }

    /**
     * {@code false}: {@link #run} does one round (at most one window, run on the calling thread and
     * committed) and returns, as Python's {@code blocking=False}.
     *
     * @param block false for one round per {@link #run}
     * @return this
     */
    public Streaming blocking(boolean block) {
        this.blocking = block;
        return this;
    }

    /**
     * The clock for leases, backoff and time windows (default: the client's clock).
     *
     * @param source the clock
     * @return this
     */
    public Streaming clock(Clock source) {
        this.clock = Objects.requireNonNull(source, "clock");
        return this;
    }

    /**
     * Where failed messages go after {@code maxAttempts} (default {@code <stream>.dead}).
     *
     * @param name the dead-letter stream's name
     * @return this
     */
    public Streaming deadLetterStream(String name) {
        this.deadLetterStream = Names.checkStreamName(name);
        return this;
    }

    /**
     * Consumes in the named consumer group: a group's consumers share the stream's messages, and each
     * group gets them all (fan-out). Needs a store with groups ({@code kafka://}).
     *
     * @param name the group's name, not blank
     * @return this
     */
    public Streaming group(String name) {
        this.group = Objects.requireNonNull(name, "group"); // the store checks the name
        return this;
    }

    /**
     * Consumes in order: on {@code kafka://} partitions assigned by a consumer group instead of a
     * share group, each partition's messages in append order (with {@code workers(1)}, processed in
     * it). Memory, SQLite and MongoDB consumers are ordered anyway. Keyed windows choose it themselves.
     *
     * @return this
     */
    public Streaming ordered() {
        this.ordered = true;
        return this;
    }

    /**
     * Tells {@code observer} what this consumer does (windows committed and failed, dead letters,
     * lost leases), besides the client's own listeners; see {@link ConsumerListener} for the
     * threading contract. May be called more than once.
     *
     * @param observer the listener
     * @return this
     */
    public Streaming listener(ConsumerListener observer) {
        listeners.add(Objects.requireNonNull(observer, "listener"));
        return this;
    }

    /**
     * Sets a window function whose result is forwarded to the sink; then {@link #run()} or {@link #start()}.
     *
     * @param fn the window function
     * @return this
     */
    public Streaming map(WindowFunction<?> fn) {
        this.function = Objects.requireNonNull(fn, "function");
        return this;
    }

    // ---- tables (see dev.minibatch.table) ------------------------------------------------------

    /**
     * Folds each window into the table entry of its key: {@code state = fn(state, window)},
     * starting from {@code initial} for a new key, committed with the window (exactly once; see
     * {@link dev.minibatch.table}). The state type is {@code initial}'s class; values are stored as
     * JSON. Needs {@link #keyBy}. {@code fn} runs at commit time on the consumer's loop thread
     * against the committed value, so it must be quick and free of side effects; if it throws,
     * the window fails and the table is unchanged. Combine with {@link #map} for a sink result.
     *
     * @param <S> the state type
     * @param table the table's name
     * @param initial the state of a new key (not null: its class is the state type)
     * @param fn computes the new state from the old one and a window
     * @return this
     */
    @SuppressWarnings("unchecked")
    public <S> Streaming aggregate(String table, S initial, BiFunction<S, Window, S> fn) {
        Objects.requireNonNull(initial, "initial (use aggregate(table, type, null, fn) for a null start)");
        return aggregate(table, (Class<S>) initial.getClass(), initial, fn);
    }

    /**
     * {@link #aggregate(String, Object, BiFunction)} with an explicit state type ({@code initial} may be null).
     *
     * @param <S> the state type
     * @param table the table's name
     * @param type the state type
     * @param initial the state of a new key
     * @param fn computes the new state from the old one and a window
     * @return this
     */
    public <S> Streaming aggregate(String table, Class<S> type, S initial, BiFunction<S, Window, S> fn) {
        tables.aggregate(table, type, initial, fn);
        return this;
    }

    /**
     * Reduces message values per key: each window's values (mapped to {@code type}) are reduced
     * with {@code fn} on a worker, then combined with the key's entry at commit ({@code fn(entry,
     * windowResult)}); a new key starts with the window's result. Word count:
     * {@code streaming("words").keyBy().interval(…).reduce("counts", Long.class, Long::sum)} over
     * messages whose value is 1. Needs {@link #keyBy}.
     *
     * @param <T> the value type
     * @param table the table's name
     * @param type the type message values are mapped to
     * @param fn combines two values
     * @return this
     */
    public <T> Streaming reduce(String table, Class<T> type, BinaryOperator<T> fn) {
        tables.reduce(table, type, fn);
        return this;
    }

    /**
     * Running state per key, message by message (streamz's {@code accumulate}): {@code state =
     * fn(state, value)} for each message value of the window in order, from {@code initial} for a
     * new key, committed with the window. Needs {@link #keyBy}.
     *
     * @param <S> the state type
     * @param table the table's name
     * @param initial the state of a new key
     * @param fn computes the new state from the old one and a message value
     * @return this
     */
    @SuppressWarnings("unchecked")
    public <S> Streaming accumulate(String table, S initial, BiFunction<S, JsonNode, S> fn) {
        Objects.requireNonNull(initial, "initial");
        tables.accumulate(table, (Class<S>) initial.getClass(), initial, fn);
        return this;
    }

    /**
     * A window function returning explicit table updates ({@link TableUpdates}: put, remove,
     * update), applied in the same step as the window's commit; keyed or not. The sink, if any,
     * receives the window's data. Replaces a function set by {@link #map}.
     *
     * @param fn the window function
     * @return this
     */
    public Streaming updateTables(WindowFunction<TableUpdates> fn) {
        this.function = Objects.requireNonNull(fn, "function");
        tables.explicitUpdates();
        return this;
    }

    /**
     * Appends each changed entry of {@code table} to {@code stream} in the same step as the update:
     * key = the table key, data = {@code {"table", "key", "value"}} (value null when removed). The
     * changelog is an ordinary stream: windows, sinks and stages work on it.
     *
     * @param table the table's name
     * @param stream the changelog stream's name
     * @return this
     */
    public Streaming changelog(String table, String stream) {
        tables.changelog(table, stream);
        return this;
    }

    /**
     * Runs the consumer with {@code handler} on this thread until stopped (or one round if not blocking).
     *
     * @param handler called with each window
     * @return the consumer's figures when it ends
     */
    public ConsumerStats run(WindowHandler handler) {
        return map(ConsumerAssembly.function(handler)).run();
    }

    /**
     * Starts the consumer with {@code handler} on a daemon thread.
     *
     * @param handler called with each window
     * @return the handle of the running consumer
     */
    public ConsumerHandle start(WindowHandler handler) {
        return map(ConsumerAssembly.function(handler)).start();
    }

    /**
     * Runs with the function set by {@link #map} (or none: windows go straight to the sink) on
     * this thread until the consumer is stopped, the thread interrupted or the client closed.
     *
     * @return the consumer's figures when it ends
     */
    public ConsumerStats run() {
        ConsumerLoop loop = ConsumerAssembly.build(this);
        return blocking ? loop.runBlocking() : loop.runOnce();
    }

    /**
     * Starts with the function set by {@link #map} on a daemon thread.
     *
     * @return the handle of the running consumer
     */
    public ConsumerHandle start() {
        ConsumerLoop loop = ConsumerAssembly.build(this);
        loop.startThread();
        return loop;
    }

    /** The emitter Python's rule picks for these settings (also each key's, for keyed consumers). */
    WindowEmitter chooseEmitter() {
        return ConsumerAssembly.chooseEmitter(this);
    }
}
