package dev.minibatch.store.sqlite;

import com.fasterxml.jackson.databind.JsonNode;
import dev.minibatch.internal.Json;
import dev.minibatch.spi.store.CommitEffects;
import dev.minibatch.spi.store.NewMessage;
import dev.minibatch.spi.store.StateUpdate;
import dev.minibatch.model.TableEntry;
import dev.minibatch.model.TableInfo;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The SQLite store's tables, in the same file as the streams: {@code mb_table} (one row a table:
 * size, update count, last update — counters kept in the commit's transaction, so reading them is
 * one row) and {@code mb_table_entry} (one row a key, clustered by table and key, so paging in key
 * order is an index range). Every method runs inside the store's lock, and writes inside its
 * transaction; this class holds no connection of its own.
 */
final class SqliteTables {

    /** The store's prepared-statement cache. */
    @FunctionalInterface
    interface Statements {
        PreparedStatement prepared(String sql) throws SQLException;
    }

    private final Statements statements;

    SqliteTables(Statements statements) {
        this.statements = statements;
    }

    /** Creates the tables if missing; part of the store's schema transaction (additive: layout version unchanged). */
    static void createSchema(Statement s) throws SQLException {
        s.executeUpdate("""
                CREATE TABLE IF NOT EXISTS mb_table (
                  name TEXT PRIMARY KEY,
                  size INTEGER NOT NULL DEFAULT 0,
                  updates INTEGER NOT NULL DEFAULT 0,
                  last_update INTEGER)""");
        s.executeUpdate("""
                CREATE TABLE IF NOT EXISTS mb_table_entry (
                  table_name TEXT NOT NULL,
                  entry_key TEXT NOT NULL,
                  value TEXT NOT NULL,
                  version INTEGER NOT NULL,
                  updated INTEGER NOT NULL,
                  PRIMARY KEY (table_name, entry_key)) WITHOUT ROWID""");
    }

    Optional<TableEntry> entry(String table, String key) throws SQLException {
        PreparedStatement select = statements.prepared(
                "SELECT entry_key, value, version, updated FROM mb_table_entry WHERE table_name = ? AND entry_key = ?");
        select.setString(1, table);
        select.setString(2, key);
        try (ResultSet rs = select.executeQuery()) {
            return rs.next() ? Optional.of(entry(rs)) : Optional.empty();
        }
    }

    private static TableEntry entry(ResultSet rs) throws SQLException {
        return new TableEntry(rs.getString(1), Json.parse(rs.getString(2)), rs.getLong(3), Instant.ofEpochMilli(rs.getLong(4)));
    }

    List<TableEntry> entries(String table, String afterKey, int limit) throws SQLException {
        PreparedStatement select = statements.prepared("SELECT entry_key, value, version, updated FROM mb_table_entry"
                + " WHERE table_name = ? AND entry_key > ? ORDER BY entry_key LIMIT ?");
        select.setString(1, table);
        select.setString(2, afterKey == null ? "" : afterKey);
        select.setInt(3, limit);
        List<TableEntry> out = new ArrayList<>();
        try (ResultSet rs = select.executeQuery()) {
            while (rs.next()) {
                out.add(entry(rs));
            }
        }
        return out;
    }

    Optional<TableInfo> info(String table) throws SQLException {
        PreparedStatement select = statements.prepared("SELECT name, size, updates, last_update FROM mb_table WHERE name = ?");
        select.setString(1, table);
        try (ResultSet rs = select.executeQuery()) {
            return rs.next() ? Optional.of(info(rs)) : Optional.empty();
        }
    }

    private static TableInfo info(ResultSet rs) throws SQLException {
        long last = rs.getLong(4);
        return new TableInfo(rs.getString(1), rs.getLong(2), rs.getLong(3), rs.wasNull() ? null : Instant.ofEpochMilli(last));
    }

    List<TableInfo> list() throws SQLException {
        PreparedStatement select = statements.prepared("SELECT name, size, updates, last_update FROM mb_table ORDER BY name");
        List<TableInfo> out = new ArrayList<>();
        try (ResultSet rs = select.executeQuery()) {
            while (rs.next()) {
                out.add(info(rs));
            }
        }
        return out;
    }

    /** Inside a transaction. */
    long clear(String table) throws SQLException {
        PreparedStatement delete = statements.prepared("DELETE FROM mb_table_entry WHERE table_name = ?");
        delete.setString(1, table);
        int removed = delete.executeUpdate();
        PreparedStatement size = statements.prepared("UPDATE mb_table SET size = 0 WHERE name = ?");
        size.setString(1, table);
        size.executeUpdate();
        return removed;
    }

    /** Inside a transaction. */
    boolean drop(String table) throws SQLException {
        clear(table);
        PreparedStatement delete = statements.prepared("DELETE FROM mb_table WHERE name = ?");
        delete.setString(1, table);
        return delete.executeUpdate() > 0;
    }

    /**
     * Applies the state updates inside the caller's transaction: every function runs first against
     * the committed values (a throw propagates and the caller rolls back), then the rows are
     * written. Returns the changelog messages by stream, for the caller to append in the same
     * transaction.
     */
    Map<String, List<NewMessage>> apply(CommitEffects effects) throws SQLException {
        record Slot(String table, String key, boolean existed, JsonNode value) {
        }
        Map<List<String>, Slot> next = new LinkedHashMap<>();
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (StateUpdate u : effects.updates()) {
            List<String> id = List.of(u.table(), u.key());
            Slot slot = next.get(id);
            if (slot == null) {
                Optional<TableEntry> stored = entry(u.table(), u.key());
                slot = new Slot(u.table(), u.key(), stored.isPresent(), stored.map(TableEntry::value).orElse(null));
            }
            next.put(id, new Slot(u.table(), u.key(), slot.existed(), u.function().apply(slot.value())));
            counts.merge(u.table(), 1, Integer::sum);
        }
        long now = effects.now().toEpochMilli();
        Map<String, Long> sizeDelta = new HashMap<>();
        Map<String, List<NewMessage>> changelog = new LinkedHashMap<>();
        for (Slot s : next.values()) {
            if (s.value() == null) {
                if (s.existed()) {
                    PreparedStatement delete = statements.prepared(
                            "DELETE FROM mb_table_entry WHERE table_name = ? AND entry_key = ?");
                    delete.setString(1, s.table());
                    delete.setString(2, s.key());
                    delete.executeUpdate();
                    sizeDelta.merge(s.table(), -1L, Long::sum);
                }
            } else {
                PreparedStatement upsert = statements.prepared("INSERT INTO mb_table_entry(table_name, entry_key, value, version,"
                        + " updated) VALUES (?, ?, ?, 1, ?) ON CONFLICT(table_name, entry_key) DO UPDATE SET value = excluded.value,"
                        + " version = version + 1, updated = excluded.updated");
                upsert.setString(1, s.table());
                upsert.setString(2, s.key());
                upsert.setString(3, Json.toText(s.value()));
                upsert.setLong(4, now);
                upsert.executeUpdate();
                if (!s.existed()) {
                    sizeDelta.merge(s.table(), 1L, Long::sum);
                }
            }
            String log = effects.changelogs().get(s.table());
            if (log != null) {
                changelog.computeIfAbsent(log, x -> new ArrayList<>()).add(CommitEffects.changelogMessage(s.table(), s.key(), s.value(), effects.now()));
            }
        }
        for (Map.Entry<String, Integer> c : counts.entrySet()) {
            PreparedStatement meta = statements.prepared("INSERT INTO mb_table(name, size, updates, last_update) VALUES (?, ?, ?, ?)"
                    + " ON CONFLICT(name) DO UPDATE SET size = size + excluded.size, updates = updates + excluded.updates,"
                    + " last_update = excluded.last_update");
            meta.setString(1, c.getKey());
            meta.setLong(2, sizeDelta.getOrDefault(c.getKey(), 0L));
            meta.setLong(3, c.getValue());
            meta.setLong(4, now);
            meta.executeUpdate();
        }
        return changelog;
    }
}
