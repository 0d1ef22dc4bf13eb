package dev.minibatch.spi.store;

import dev.minibatch.model.TableEntry;
import dev.minibatch.model.TableInfo;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Optional store capability: named tables of durable per-key JSON state, kept in the same store
 * as the streams, and updated in the same step as a window's commit (see
 * {@link #commitWithState}). Memory, SQLite and MongoDB implement it; users reach it through
 * {@code Minibatch.table(name)} ({@link dev.minibatch.table.Table}).
 *
 * <p><b>Tables</b> come into existence with their first update and are listed until dropped.
 * Keys are non-empty strings ordered by their UTF-16 code units (Java's {@code String} order; SQLite's
 * {@code BINARY} collation and MongoDB's default order agree for the characters tables are tested
 * with: ASCII and the Basic Multilingual Plane). Values are JSON trees; a key maps to at most one.
 *
 * <p><b>Bookkeeping</b> per table, cheap to read (no scan): its size (live keys), the number of
 * key updates ever applied, and the time of the last one ({@link TableInfo}), so a status page can
 * show sizes and update rates.
 *
 * <p><b>Threading.</b> Thread-safe, like the store; for stores shared between processes, safe
 * across processes. Reads see committed state only. After {@code close()} every method may throw.
 */
public interface TableStore {

    /**
     * The entry of {@code key} in {@code table}, or empty (no such key, or no such table).
     *
     * @param table the table's name
     * @param key the key
     * @return the entry, or empty
     */
    Optional<TableEntry> tableEntry(String table, String key);

    /**
     * Up to {@code limit} entries of {@code table} with keys after {@code afterKey} (null: from the
     * first), in key order: page through a table by passing the last key of the previous page.
     *
     * @param table the table's name
     * @param afterKey the last key of the previous page, or null
     * @param limit the most entries returned
     * @return the entries, in key order
     */
    List<TableEntry> tableEntries(String table, String afterKey, int limit);

    /**
     * The table's size and update counts, or empty if it does not exist.
     *
     * @param table the table's name
     * @return the table's figures, or empty
     */
    Optional<TableInfo> tableInfo(String table);

    /**
     * Every table, by name.
     *
     * @return every table's figures
     */
    List<TableInfo> listTables();

    /**
     * Removes every entry of the table, keeping the table (its update count goes on). Returns how many.
     *
     * @param table the table's name
     * @return how many entries were removed
     */
    long clearTable(String table);

    /**
     * Removes the table and its entries. Returns false if it did not exist.
     *
     * @param table the table's name
     * @return false if the table did not exist
     */
    boolean dropTable(String table);

    /**
     * In one atomic step: commits the messages claimed under {@code token} (delete, or mark DONE
     * with {@code keep}), applies {@code effects.updates()} in list order (each function sees the
     * key's value as left by the previous updates), appends each changed entry to the changelog
     * stream of its table ({@link CommitEffects#changelogs()}) and appends {@code effects.appends()} —
     * but only if all {@code expected} messages are still held by the token; otherwise nothing
     * changes and 0 is returned.
     *
     * <p>If an update function throws, nothing changes (the claim stays held, the tables and
     * streams untouched) and the exception is rethrown as it was. On MongoDB, where a server has no
     * transactions, the step is made idempotent instead (see the store's documentation).
     *
     * @return how many messages were committed: {@code expected}, or 0 when nothing changed
     * @param stream the stream's name
     * @param token the lease's token
     * @param keep true to mark the messages DONE instead of deleting them
     * @param expected how many messages the token should still hold
     * @param effects the table updates, changelogs and appends
     */
    int commitWithState(String stream, String token, boolean keep, int expected, CommitEffects effects);

    /**
     * Settles table commits of {@code stream} that a dead consumer left half done, on stores that
     * need it (MongoDB without transactions); called by table consumers on every poll, so a store
     * rate-limits it. Default: nothing (transactional stores never leave any).
     *
     * @param stream the stream's name
     * @param now the caller's time
     */
    default void recoverTables(String stream, Instant now) {
    }
}
