package dev.minibatch.table;

import dev.minibatch.spi.store.StateUpdate;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * Explicit table updates returned by a window function ({@code Streaming.updateTables(window ->
 * TableUpdates.of().put("latest", window.key(), last))}): applied in order, in the same step as
 * the window's commit (see {@link dev.minibatch.table}). Values are any Jackson-mappable type;
 * {@code update} reads the committed value at commit time, so competing consumers lose no update.
 * A builder; not thread-safe.
 */
public final class TableUpdates {

    /** One operation, turned into a store update with the consumer's mapper and size limit. */
    interface Op {
        StateUpdate toUpdate(StateCodec codec);
    }

    private final List<Op> ops = new ArrayList<>();

    private TableUpdates() {
    }

    /**
     * No updates yet.
     *
     * @return a new, empty set of updates
     */
    public static TableUpdates of() {
        return new TableUpdates();
    }

    /**
     * Sets {@code key} of {@code table} to {@code value} (null removes it).
     *
     * @param table the table's name
     * @param key the key
     * @param value the value, or null
     * @return this
     */
    public TableUpdates put(String table, String key, Object value) {
        String name = Table.checkName(table);
        check(name, key);
        ops.add(codec -> StateUpdate.put(name, key, codec.encode(name, key, value))); // encoded on the worker
        return this;
    }

    /**
     * Removes {@code key} from {@code table}.
     *
     * @param table the table's name
     * @param key the key
     * @return this
     */
    public TableUpdates remove(String table, String key) {
        return put(table, key, null);
    }

    /**
     * Replaces the value of {@code key} by {@code fn(current)}, where current is the committed value
     * as {@code type}, or {@code initial} when absent; a null result removes the key.
     *
     * @param <T> the value type
     * @param table the table's name
     * @param key the key
     * @param type the value type
     * @param initial the value when absent
     * @param fn computes the new value
     * @return this
     */
    public <T> TableUpdates update(String table, String key, Class<T> type, T initial, UnaryOperator<T> fn) {
        String name = Table.checkName(table);
        check(name, key);
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(fn, "fn");
        ops.add(codec -> new StateUpdate(name, key, StateFunctions.guarded(name, key, current -> {
            T state = current == null ? initial : codec.decode(name, key, current, type);
            return codec.encode(name, key, fn.apply(state));
        })));
        return this;
    }

    /**
     * How many operations.
     *
     * @return the number of operations
     */
    public int size() {
        return ops.size();
    }

    List<Op> ops() {
        return ops;
    }

    private static void check(String table, String key) {
        if (key == null || key.isEmpty()) {
            throw new IllegalArgumentException("table '" + table + "': a key must be a non-empty string, was "
                    + (key == null ? "null" : "empty"));
        }
    }

    @Override
    public String toString() {
        return "TableUpdates[" + ops.size() + "]";
    }
}
