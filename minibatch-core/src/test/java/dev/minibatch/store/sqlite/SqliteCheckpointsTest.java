package dev.minibatch.store.sqlite;

import static dev.minibatch.store.sqlite.CrossProcessWakeupsTest.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.minibatch.store.LocalWakeups;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The log's checkpoints run on the store's checkpoint thread, not on the connection that commits:
 * handed over at the first write, by count of writes (a log far below SQLite's 1,000-page threshold
 * is checkpointed all the same), given back to the connection when the thread fails, stopped by close.
 */
class SqliteCheckpointsTest {

    private static final String ROW = "x".repeat(1_000);

    @Test
    void theFirstWriteHandsCheckpointsFromTheConnectionToTheThread(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("handover.db");
        SqliteConnection db = open(file);
        try {
            assertFalse(db.checkpoints().running(), "a store that has not written has no checkpoint thread");
            assertEquals(SqliteCheckpoints.SQLITE_DEFAULT_AUTOCHECKPOINT, db.autocheckpoint());
            insert(db, 1);
            assertTrue(db.checkpoints().running());
            assertEquals(0, db.autocheckpoint(), "the committing connection still checkpoints");
        } finally {
            db.close();
        }
        assertFalse(db.checkpoints().running(), "close left the checkpoint thread running");
    }

    @Test
    void writesAreCheckpointedByCountWellBelowSqlitesThreshold(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("count.db");
        SqliteConnection db = open(file);
        try {
            long before = Files.size(file);
            // 150 commits of one 1 KB row: a few hundred pages of log, below SQLite's 1,000, where
            // SQLite's own checkpoint on commit would leave the database file as it was
            insert(db, 150);
            await("a checkpoint", () -> db.checkpoints().checkpoints() > 0);
            await("the rows in the database file", () -> size(file) >= before + 150 * ROW.length());
        } finally {
            db.close();
        }
    }

    @Test
    void aFailedCheckpointThreadGivesCheckpointsBackToTheConnection(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("fallback.db");
        SqliteConnection db = open(file);
        try {
            insert(db, 1);
            assertEquals(0, db.autocheckpoint());
            db.checkpoints().breakConnection();
            await("the checkpoint thread to stop", () -> !db.checkpoints().running());
            assertEquals(SqliteCheckpoints.SQLITE_DEFAULT_AUTOCHECKPOINT, db.autocheckpoint(),
                    "with no checkpoint thread the connection must checkpoint again, or the log grows without end");
            insert(db, 1);
            assertEquals(2, db.inLock(() -> {
                try (var rs = db.prepared("SELECT COUNT(*) FROM t").executeQuery()) {
                    return rs.next() ? rs.getInt(1) : -1;
                }
            }));
        } finally {
            db.close();
        }
    }

    @Test
    void theLogIsRestartedWhileAnotherConnectionWritesAllTheTime(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("restart.db");
        Path log = dir.resolve("restart.db-wal");
        SqliteConnection db = open(file);
        // as a producer in another process and a consumer here: each connection commits a row every
        // half millisecond. Without restarts the log keeps every commit's pages; restarted, it stays
        // near RESTART_PAGES
        int commits = 8_000;
        String row = "y".repeat(1_000);
        try (Connection other = DriverManager.getConnection("jdbc:sqlite:" + file)) {
            other.createStatement().execute("PRAGMA busy_timeout = 5000");
            other.createStatement().execute("PRAGMA wal_autocheckpoint = 0"); // another store's: its thread checkpoints
            AtomicReference<SQLException> otherFailed = new AtomicReference<>();
            Thread otherProcess = new Thread(() -> {
                try (PreparedStatement insert = other.prepareStatement("INSERT INTO t VALUES (?)")) {
                    long next = System.nanoTime();
                    for (int i = 0; i < commits; i++) {
                        next += 500_000;
                        LockSupport.parkNanos(next - System.nanoTime());
                        insert.setString(1, row);
                        insert.executeUpdate();
                    }
                } catch (SQLException e) {
                    otherFailed.set(e); // else the test could pass on a log the other writer never grew
                }
            });
            otherProcess.start();
            long largest = 0;
            long next = System.nanoTime();
            for (int i = 0; i < commits; i++) {
                next += 500_000;
                LockSupport.parkNanos(next - System.nanoTime());
                db.inTransaction(() -> {
                    var insert = db.prepared("INSERT INTO t VALUES (?)");
                    insert.setString(1, row);
                    return insert.executeUpdate();
                });
                if (i % 200 == 0) {
                    largest = Math.max(largest, size(log));
                }
            }
            otherProcess.join();
            assertNull(otherFailed.get(), "the other connection's writes failed");
            largest = Math.max(largest, size(log));
            long bound = 3L * SqliteCheckpoints.RESTART_PAGES * 4096;
            assertTrue(largest < bound, "the log grew to " + largest + " bytes, past " + bound
                    + " (restarts: " + db.checkpoints().restarts() + ")");
        } finally {
            db.close();
        }
    }

    private static SqliteConnection open(Path file) {
        SqliteConnection db = new SqliteConnection("sqlite:" + file, file, "NORMAL", Duration.ofSeconds(5),
                new LocalWakeups(false));
        // CREATE TABLE changes no rows: the checkpoints do not count it as a write
        db.inLock(() -> db.prepared("CREATE TABLE IF NOT EXISTS t(x TEXT)").execute());
        return db;
    }

    private static void insert(SqliteConnection db, int rows) {
        for (int i = 0; i < rows; i++) {
            db.inTransaction(() -> {
                var insert = db.prepared("INSERT INTO t VALUES (?)");
                insert.setString(1, ROW);
                return insert.executeUpdate();
            });
        }
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
