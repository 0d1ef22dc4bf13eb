package dev.minibatch.table;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.minibatch.model.Message;
import dev.minibatch.model.Window;
import dev.minibatch.model.WindowFunction;
import dev.minibatch.spi.store.CommitEffects;
import dev.minibatch.spi.store.StateUpdate;
import dev.minibatch.spi.emitter.WindowEmitter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiFunction;
import java.util.function.BinaryOperator;

/**
 * The table operators of one consumer, as {@code Streaming.aggregate/reduce/accumulate/updateTables
 * /changelog} configure them; {@link #bind} turns them into the consumer's window function and
 * emitter. The function runs on a worker and only prepares each window's {@link StateUpdate}s
 * (reduce's per-window partial is computed there); the updates run at commit time on the loop
 * thread, inside the store's commit ({@link dev.minibatch.spi.store.TableStore#commitWithState}), against
 * the committed values. Used by {@link dev.minibatch.Streaming}; a builder, not thread-safe.
 */
public final class TableOperators {

    /** Prepares one window's updates (on a worker). */
    private interface Operator {
        void prepare(Window window, StateCodec codec, List<StateUpdate> out);
    }

    private final List<Operator> operators = new ArrayList<>();
    private final Set<String> tables = new LinkedHashSet<>();
    private final Map<String, String> changelogs = new LinkedHashMap<>();
    private boolean explicit;

    /**
     * Whether any operator or explicit update function was configured.
     *
     * @return true if nothing was configured
     */
    public boolean isEmpty() {
        return operators.isEmpty() && !explicit;
    }

    /**
     * The tables the operators write (explicit updates may write others).
     *
     * @return the table names
     */
    public Set<String> tables() {
        return Set.copyOf(tables);
    }

    /** Window functions returning {@link TableUpdates} have them applied with the window's commit. */
    public void explicitUpdates() {
        explicit = true;
    }

    /**
     * See {@code Streaming.aggregate}.
     *
     * @param <S> the state type
     * @param table the table's name
     * @param type the state type
     * @param initial the state of a new key
     * @param fn computes the new state from the old one and a window
     */
    public <S> void aggregate(String table, Class<S> type, S initial, BiFunction<S, Window, S> fn) {
        String name = Table.checkName(table);
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(fn, "aggregate function");
        tables.add(name);
        operators.add((window, codec, out) -> {
            String key = keyOf(name, window);
            JsonNode start = codec.encode(name, key, initial);
            out.add(new StateUpdate(name, key, StateFunctions.guarded(name, key, current -> {
                S state = codec.decode(name, key, current == null ? start : current, type);
                return codec.encode(name, key, fn.apply(state, window));
            })));
        });
    }

    /**
     * See {@code Streaming.reduce}.
     *
     * @param <T> the value type
     * @param table the table's name
     * @param type the type message values are mapped to
     * @param fn combines two values
     */
    public <T> void reduce(String table, Class<T> type, BinaryOperator<T> fn) {
        String name = Table.checkName(table);
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(fn, "reduce function");
        tables.add(name);
        operators.add((window, codec, out) -> {
            if (window.messages().isEmpty()) {
                return;
            }
            String key = keyOf(name, window);
            T partial = null;
            for (Message m : window.messages()) {
                T value = codec.decodeMessage(name, m.data(), type, m.id());
                partial = partial == null ? value : fn.apply(partial, value);
            }
            T windowValue = partial;
            codec.encode(name, key, windowValue); // fail on the worker if the partial cannot be stored
            out.add(new StateUpdate(name, key, StateFunctions.guarded(name, key, current -> current == null
                    ? codec.encode(name, key, windowValue)
                    : codec.encode(name, key, fn.apply(codec.decode(name, key, current, type), windowValue)))));
        });
    }

    /**
     * See {@code Streaming.accumulate}.
     *
     * @param <S> the state type
     * @param table the table's name
     * @param type the state type
     * @param initial the state of a new key
     * @param fn computes the new state from the old one and a message value
     */
    public <S> void accumulate(String table, Class<S> type, S initial, BiFunction<S, JsonNode, S> fn) {
        String name = Table.checkName(table);
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(fn, "accumulate function");
        tables.add(name);
        operators.add((window, codec, out) -> {
            if (window.messages().isEmpty()) {
                return;
            }
            String key = keyOf(name, window);
            JsonNode start = codec.encode(name, key, initial);
            List<JsonNode> values = window.data();
            out.add(new StateUpdate(name, key, StateFunctions.guarded(name, key, current -> {
                S state = codec.decode(name, key, current == null ? start : current, type);
                for (JsonNode value : values) {
                    state = fn.apply(state, value);
                }
                return codec.encode(name, key, state);
            })));
        });
    }

    /**
     * See {@code Streaming.changelog}.
     *
     * @param table the table's name
     * @param stream the changelog stream's name
     */
    public void changelog(String table, String stream) {
        changelogs.put(Table.checkName(table), dev.minibatch.internal.Names.checkStreamName(stream));
    }

    private static String keyOf(String table, Window window) {
        String key = window.key();
        if (key == null || key.isEmpty()) {
            throw new IllegalStateException("table '" + table + "': window of stream '" + window.stream()
                    + "' has no key; table operators need keyed windows (streaming(…).keyBy(…)) and keyed messages");
        }
        return key;
    }

    /**
     * This consumer's function and emitter.
     *
     * @param mapper        maps state values
     * @param maxStateBytes the largest encoded value accepted
     * @return the bound operators
     */
    public Bound bind(ObjectMapper mapper, int maxStateBytes) {
        return new Bound(List.copyOf(operators), Map.copyOf(changelogs), explicit, new StateCodec(mapper, maxStateBytes));
    }

    /** The operators bound to one consumer. Thread-safe: workers prepare, the loop thread commits. */
    public static final class Bound {
        private final List<Operator> operators;
        private final Map<String, String> changelogs;
        private final boolean explicit;
        private final StateCodec codec;
        /** Prepared updates by window id, from the worker to the commit. */
        private final Map<String, List<StateUpdate>> prepared = new ConcurrentHashMap<>();

        private Bound(List<Operator> operators, Map<String, String> changelogs, boolean explicit, StateCodec codec) {
            this.operators = operators;
            this.changelogs = changelogs;
            this.explicit = explicit;
            this.codec = codec;
        }

        /**
         * The consumer's window function: runs {@code user} (may be null), prepares the window's
         * updates and returns the user's result for the sink ({@link TableUpdates} results are
         * taken as updates, and the sink then gets the window's data).
         *
         * @param user the user's window function, or null
         * @return the consumer's window function
         */
        public WindowFunction<Object> function(WindowFunction<?> user) {
            return window -> {
                prepared.remove(window.id());
                Object result = user == null ? null : user.apply(window);
                List<StateUpdate> updates = new ArrayList<>();
                if (explicit && result instanceof TableUpdates explicitUpdates) {
                    for (TableUpdates.Op op : explicitUpdates.ops()) {
                        updates.add(op.toUpdate(codec));
                    }
                    result = null;
                } else if (explicit && result != null) {
                    throw new IllegalStateException("updateTables: the window function returned a "
                            + result.getClass().getName() + ", not TableUpdates");
                }
                for (Operator op : operators) {
                    op.prepare(window, codec, updates);
                }
                if (!updates.isEmpty()) {
                    prepared.put(window.id(), updates);
                }
                return result;
            };
        }

        /**
         * The consumer's emitter: {@code inner}, committing each window with its prepared updates.
         *
         * @param inner the emitter that decides the windows
         * @return the consumer's emitter
         */
        public WindowEmitter emitter(WindowEmitter inner) {
            return new TableEmitter(inner, prepared, changelogs);
        }

        /** Builds the commit effects of a window's prepared updates (for the emitter). */
        static CommitEffects effects(List<StateUpdate> updates, Map<String, String> changelogs, java.time.Instant now) {
            return new CommitEffects(updates, changelogs, Map.of(), now);
        }
    }
}
