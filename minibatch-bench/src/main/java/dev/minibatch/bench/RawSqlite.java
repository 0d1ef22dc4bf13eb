package dev.minibatch.bench;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import org.sqlite.SQLiteConfig;

/**
 * The physical limit for the SQLite store: plain sqlite-jdbc batched inserts of pre-encoded JSON
 * into a table of the same shape (same columns, same index), same pragmas (WAL, synchronous
 * NORMAL), 1000 rows per transaction. What minibatch adds on top is its own cost.
 */
final class RawSqlite {
    private RawSqlite() {
    }

    /** Inserts {@code count} rows in transactions of {@code batch}; returns rows per second. */
    static double batchedInsert(Path file, int count, int batch, boolean sameIndex) throws Exception {
        SQLiteConfig config = new SQLiteConfig();
        config.setJournalMode(SQLiteConfig.JournalMode.WAL);
        config.setSynchronous(SQLiteConfig.SynchronousMode.NORMAL);
        config.setBusyTimeout(10_000);
        try (Connection c = config.createConnection("jdbc:sqlite:" + file)) {
            try (Statement s = c.createStatement()) {
                s.executeUpdate("CREATE TABLE raw (id INTEGER PRIMARY KEY AUTOINCREMENT, stream_id INTEGER NOT NULL,"
                        + " created INTEGER NOT NULL, state INTEGER NOT NULL DEFAULT 0, attempts INTEGER NOT NULL DEFAULT 0,"
                        + " available_at INTEGER NOT NULL DEFAULT 0, lease_token TEXT, lease_owner TEXT, lease_until INTEGER,"
                        + " error TEXT, data TEXT NOT NULL)");
                if (sameIndex) {
                    s.executeUpdate("CREATE INDEX raw_claim ON raw(stream_id, state, created, id)");
                }
            }
            String[] payloads = new String[count];
            for (int i = 0; i < count; i++) {
                payloads[i] = Payloads.readingJson(i);
            }
            c.setAutoCommit(false);
            long start = System.nanoTime();
            try (PreparedStatement insert = c.prepareStatement(
                    "INSERT INTO raw(stream_id, created, state, attempts, error, data) VALUES (1, ?, 0, 0, NULL, ?)")) {
                for (int i = 0; i < count; i++) {
                    insert.setLong(1, System.currentTimeMillis());
                    insert.setString(2, payloads[i]);
                    insert.addBatch();
                    if ((i + 1) % batch == 0 || i == count - 1) {
                        insert.executeBatch();
                        c.commit();
                    }
                }
            }
            return count / seconds(start);
        }
    }

    static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }
}
