package dev.minibatch.store.sqlite;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The SQLite store's table layout: creates the tables and indexes of a new file, checks the layout
 * version of an existing one, and migrates files of layout version 1 (before keys) in place: the
 * key column and index are added, every message stays.
 *
 * <p>Stateless; runs once per store, while it opens, before any other use of the connection.
 */
final class SqliteSchema {

    /** Version of the table layout below, kept in SQLite's {@code user_version}. */
    static final int SCHEMA_VERSION = 2;

    private SqliteSchema() {
    }

    /** Creates or checks the tables in one write transaction, so processes opening a new file together agree. */
    static void create(Connection connection) throws SQLException {
        connection.setAutoCommit(false);
        try {
            createInTransaction(connection);
            connection.commit();
        } catch (SQLException | RuntimeException e) {
            connection.rollback();
            throw e;
        } finally {
            connection.setAutoCommit(true);
        }
    }

    private static void createInTransaction(Connection connection) throws SQLException {
        try (Statement s = connection.createStatement()) {
            int version;
            try (ResultSet rs = s.executeQuery("PRAGMA user_version")) {
                version = rs.next() ? rs.getInt(1) : 0;
            }
            boolean hasTables;
            try (ResultSet rs = s.executeQuery("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'mb_message'")) {
                hasTables = rs.next() && rs.getInt(1) > 0;
            }
            if (hasTables && version == 1) {
                // version 1 had no keys: add the column (existing rows are unkeyed); the index follows below
                s.executeUpdate("ALTER TABLE mb_message ADD COLUMN msg_key TEXT");
            } else if (hasTables && version != SCHEMA_VERSION) {
                throw new SQLException("the file holds minibatch tables of layout version " + version + ", this minibatch"
                        + " reads versions 1 and " + SCHEMA_VERSION + " (a development or newer build wrote it); move the file away");
            }
            s.executeUpdate("PRAGMA user_version = " + SCHEMA_VERSION);
            s.executeUpdate("""
                    CREATE TABLE IF NOT EXISTS mb_stream (
                      id INTEGER PRIMARY KEY AUTOINCREMENT,
                      name TEXT NOT NULL UNIQUE,
                      status TEXT NOT NULL DEFAULT 'open',
                      created INTEGER NOT NULL,
                      interval_ms INTEGER NOT NULL,
                      last_read INTEGER,
                      appended INTEGER NOT NULL DEFAULT 0,
                      last_append INTEGER)""");
            // AUTOINCREMENT: ids are never reused, so a deleted message's id never comes back
            s.executeUpdate("""
                    CREATE TABLE IF NOT EXISTS mb_message (
                      id INTEGER PRIMARY KEY AUTOINCREMENT,
                      stream_id INTEGER NOT NULL,
                      created INTEGER NOT NULL,
                      state INTEGER NOT NULL DEFAULT 0,
                      attempts INTEGER NOT NULL DEFAULT 0,
                      available_at INTEGER NOT NULL DEFAULT 0,
                      lease_id INTEGER,
                      error TEXT,
                      data TEXT NOT NULL,
                      msg_key TEXT)""");
            // pending rows (lease_id NULL) in append order for claims; a claim's rows together for
            // commit, release and dead letters; old rows for expiry
            s.executeUpdate("CREATE INDEX IF NOT EXISTS mb_message_claim ON mb_message(stream_id, state, lease_id, created, id)");
            // keyed claims and per-key counts; partial, so unkeyed rows cost no index entry
            s.executeUpdate("CREATE INDEX IF NOT EXISTS mb_message_key ON mb_message(stream_id, msg_key, state, lease_id, created, id)"
                    + " WHERE msg_key IS NOT NULL");
            // one row a claim: renewing a window's lease writes one row, not one per message
            s.executeUpdate("""
                    CREATE TABLE IF NOT EXISTS mb_lease (
                      id INTEGER PRIMARY KEY AUTOINCREMENT,
                      token TEXT NOT NULL UNIQUE,
                      stream_id INTEGER NOT NULL,
                      owner TEXT NOT NULL,
                      until INTEGER NOT NULL)""");
            s.executeUpdate("CREATE INDEX IF NOT EXISTS mb_lease_expiry ON mb_lease(stream_id, until)");
            s.executeUpdate("""
                    CREATE TABLE IF NOT EXISTS mb_consumer (
                      stream TEXT NOT NULL,
                      consumer_id TEXT NOT NULL,
                      emitter TEXT,
                      started INTEGER NOT NULL,
                      last_seen INTEGER NOT NULL,
                      windows INTEGER NOT NULL,
                      messages INTEGER NOT NULL,
                      failures INTEGER NOT NULL,
                      dead_lettered INTEGER NOT NULL,
                      leases_lost INTEGER NOT NULL,
                      in_flight INTEGER NOT NULL,
                      stopped INTEGER NOT NULL,
                      PRIMARY KEY (stream, consumer_id))""");
            SqliteTables.createSchema(s);
        }
    }
}
