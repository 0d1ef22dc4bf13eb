package dev.minibatch.table;

import dev.minibatch.model.TableEntry;
import dev.minibatch.model.TableInfo;
import dev.minibatch.model.TableValueException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.minibatch.spi.store.TableStore;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A named table of the client's store, for queries: {@code mb.table("counts").get("apple")}. A
 * handle is cheap and holds nothing; the table itself exists from its first update on (before
 * that it reads as empty). Reads see committed state. Thread-safe.
 */
public final class Table {

    /** Largest page {@link #entries} returns in one call. */
    public static final int MAX_PAGE = 10_000;

    private final TableStore store;
    private final String name;
    private final ObjectMapper mapper;

    /**
     * @param store  the store holding the table
     * @param name   the table name (checked with {@link #checkName})
     * @param mapper maps values to types for {@link #get(String, Class)}
     */
    public Table(TableStore store, String name, ObjectMapper mapper) {
        this.store = Objects.requireNonNull(store, "store");
        this.name = checkName(name);
        this.mapper = Objects.requireNonNull(mapper, "mapper");
    }

    /**
     * The table's name.
     *
     * @return the name
     */
    public String name() {
        return name;
    }

    /**
     * The value of {@code key} as JSON, or empty.
     *
     * @param key the key
     * @return the value, or empty
     */
    public Optional<JsonNode> get(String key) {
        return entry(key).map(TableEntry::value);
    }

    /**
     * The value of {@code key} mapped to {@code type} (any Jackson-mappable type), or empty.
     *
     * @throws TableValueException if the stored value does not map to {@code type}
     * @param <T> the value type
     * @param key the key
     * @param type the value type
     * @return the value, or empty
     */
    public <T> Optional<T> get(String key, Class<T> type) {
        Optional<JsonNode> value = get(key);
        if (value.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.ofNullable(mapper.treeToValue(value.get(), type));
        } catch (JsonProcessingException | IllegalArgumentException e) {
            throw new TableValueException(name, key, "the value " + abbreviate(value.get().toString())
                    + " does not map to " + type.getName() + ": " + e.getMessage(), e);
        }
    }

    /**
     * The entry of {@code key} (value, version, update time), or empty.
     *
     * @param key the key
     * @return the entry, or empty
     */
    public Optional<TableEntry> entry(String key) {
        return store.tableEntry(name, checkKey(key));
    }

    /**
     * Up to {@code limit} entries (1 … {@link #MAX_PAGE}) with keys after {@code afterKey} (null
     * for the first page), in key order. The next page starts after the last key returned; an
     * empty or short page is the end.
     *
     * @param afterKey the last key of the previous page, or null
     * @param limit the most entries returned
     * @return the entries, in key order
     */
    public List<TableEntry> entries(String afterKey, int limit) {
        if (limit < 1 || limit > MAX_PAGE) {
            throw new IllegalArgumentException("table '" + name + "': page size must be 1 to " + MAX_PAGE + ", was " + limit);
        }
        return store.tableEntries(name, afterKey, limit);
    }

    /**
     * Live keys (a counter, no scan).
     *
     * @return the number of keys
     */
    public long size() {
        return info().size();
    }

    /**
     * Size, update count and last update time; zeros for a table that does not exist yet.
     *
     * @return the table's figures
     */
    public TableInfo info() {
        return store.tableInfo(name).orElse(new TableInfo(name, 0, 0, null));
    }

    /**
     * Whether the table exists (it had an update and was not dropped since).
     *
     * @return true if it exists
     */
    public boolean exists() {
        return store.tableInfo(name).isPresent();
    }

    /**
     * Removes every entry, keeping the table; returns how many were removed.
     *
     * @return how many entries were removed
     */
    public long clear() {
        return store.clearTable(name);
    }

    /**
     * Removes the table; returns false if it did not exist.
     *
     * @return false if it did not exist
     */
    public boolean drop() {
        return store.dropTable(name);
    }

    @Override
    public String toString() {
        return "Table[" + name + "]";
    }

    /**
     * Checks a table name: the rules of stream names (1 to 255 characters, no surrounding blanks,
     * no control characters, no {@code $}).
     *
     * @return the name
     * @throws IllegalArgumentException naming the problem
     * @param name the name to check
     */
    public static String checkName(String name) {
        try {
            return dev.minibatch.internal.Names.checkStreamName(name);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage().replace("stream name", "table name"), e);
        }
    }

    private String checkKey(String key) {
        if (key == null || key.isEmpty()) {
            throw new IllegalArgumentException("table '" + name + "': a key must be a non-empty string, was "
                    + (key == null ? "null" : "empty"));
        }
        return key;
    }

    static String abbreviate(String text) {
        return text.length() > 80 ? text.substring(0, 80) + "…" : text;
    }
}
