package dev.minibatch.store.sqlite;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import org.sqlite.BusyHandler;

/**
 * How the store's connection waits for another process's write lock: in short steps, up to the
 * busy timeout. SQLite's own busy timeout sleeps 1, 2, 5, 10, 15, 20, 25 … ms between tries, so a
 * consumer whose claim meets another process's append (a few hundred microseconds in WAL mode)
 * waits at least a whole millisecond and, meeting the next append too, 3 or 8 — at 1,000 appends a
 * second from another process that was most of the append → window tail. Here the waits are
 * 50 µs for the first 40 tries (about 2 ms), then 500 µs until 20 ms of waiting, then 5 ms: the
 * lock is taken soon after it is free, and a long wait (a checkpoint, a big batch) costs little CPU.
 *
 * <p>The callback runs on the thread running the statement, which holds the connection's lock, so
 * its state needs no synchronisation.
 */
final class SqliteBusyWait extends BusyHandler {

    private final long timeoutNanos;
    private long since;

    private SqliteBusyWait(Duration timeout) {
        this.timeoutNanos = timeout.toNanos();
    }

    /** Replaces the connection's busy timeout by this wait, with the same {@code timeout}. */
    static void install(Connection connection, Duration timeout) throws SQLException {
        BusyHandler.setHandler(connection, new SqliteBusyWait(timeout));
    }

    @Override
    protected int callback(int previousCalls) {
        long now = System.nanoTime();
        if (previousCalls == 0) {
            since = now;
        }
        long waited = now - since;
        if (waited >= timeoutNanos) {
            return 0; // SQLITE_BUSY to the caller, as the busy timeout would
        }
        long pause = previousCalls < 40 ? 50_000 : waited < 20_000_000 ? 500_000 : 5_000_000;
        LockSupport.parkNanos(Math.min(pause, timeoutNanos - waited));
        return 1;
    }
}
