package dev.minibatch.store.sqlite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.minibatch.model.StoreException;
import dev.minibatch.store.LocalWakeups;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The store connection's transactions against a second connection to the same file (another
 * process's, as far as SQLite can tell): all or nothing, also after a BEGIN that could not get the
 * write lock, and no write lock kept once a transaction committed.
 */
class SqliteTransactionsTest {

    @Test
    void aBeginThatTimedOutLeavesTheNextTransactionAllOrNothing(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("tx.db");
        SqliteConnection db = new SqliteConnection("sqlite:" + file, file, "NORMAL", Duration.ofMillis(200),
                new LocalWakeups(false));
        try {
            db.inLock(() -> db.prepared("CREATE TABLE t(x INTEGER)").execute());
            try (Connection other = DriverManager.getConnection("jdbc:sqlite:" + file);
                 Statement s = other.createStatement()) {
                s.execute("BEGIN IMMEDIATE"); // holds the write lock past the busy timeout
                assertThrows(StoreException.class,
                        () -> db.inTransaction(() -> db.prepared("INSERT INTO t VALUES (1)").executeUpdate()));
                s.execute("ROLLBACK");
            }
            StoreException failed = assertThrows(StoreException.class, () -> db.inTransaction(() -> {
                db.prepared("INSERT INTO t VALUES (2)").executeUpdate();
                throw new SQLException("the work failed after its first write");
            }));
            assertEquals("SQLite store sqlite:" + file + ": the work failed after its first write", failed.getMessage());
            assertEquals(0, count(db), "a failed transaction's first write was kept");

            db.inTransaction(() -> db.prepared("INSERT INTO t VALUES (3)").executeUpdate());
            assertEquals(1, count(db));
        } finally {
            db.close();
        }
    }

    @Test
    void aCommittedTransactionKeepsNoWriteLock(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("lock.db");
        SqliteConnection db = new SqliteConnection("sqlite:" + file, file, "NORMAL", Duration.ofSeconds(5),
                new LocalWakeups(false));
        try (Connection other = DriverManager.getConnection("jdbc:sqlite:" + file);
             Statement s = other.createStatement()) {
            db.inLock(() -> db.prepared("CREATE TABLE t(x INTEGER)").execute());
            s.execute("PRAGMA busy_timeout = 0");
            for (int i = 0; i < 3; i++) {
                db.inTransaction(() -> db.prepared("INSERT INTO t VALUES (1)").executeUpdate());
                s.execute("BEGIN IMMEDIATE"); // fails at once (SQLITE_BUSY) if the store still held the lock
                try (ResultSet rs = s.executeQuery("SELECT count(*) FROM t")) {
                    rs.next();
                    assertEquals(i + 1, rs.getInt(1), "the other connection sees the committed rows");
                }
                s.execute("COMMIT");
            }
        } finally {
            db.close();
        }
    }

    private static int count(SqliteConnection db) {
        return db.inLock(() -> {
            try (ResultSet rs = db.prepared("SELECT count(*) FROM t").executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        });
    }
}
