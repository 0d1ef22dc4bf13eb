package dev.minibatch.store.sqlite;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConfig;

/**
 * Checkpoints of the store's write-ahead log, on a daemon thread and a connection of their own, so
 * the thread that commits a window or an append never runs one.
 *
 * <p><b>Why.</b> SQLite checkpoints by default on the connection that commits, whenever the log
 * holds 1,000 pages or more ({@code wal_autocheckpoint}). A writer restarts the log from its
 * beginning only if it began after a complete checkpoint with no commit in between; when another
 * process writes the file all the time that seldom happens, the log stays past 1,000 pages, and
 * then <em>every</em> commit checkpoints, with two {@code fsync}s, on the committing thread.
 * Measured with a producer in another process at 1,000 messages a second: the consumer's JVM ran
 * about 150 checkpoints a second (one commit in seven) where it ran two with the producer in the
 * same JVM, and its append → window latency was queueing behind them. Here the store's connection
 * never checkpoints ({@code wal_autocheckpoint=0}) and this thread does, after
 * {@value #WRITES_PER_CHECKPOINT} writing calls and at least {@link #MIN_GAP_NANOS} after the last
 * checkpoint, or {@link #MAX_DELAY_NANOS} after a write that has not reached that count — by count
 * of writes, never by the log's size, so a log that cannot be restarted costs one checkpoint per
 * {@value #WRITES_PER_CHECKPOINT} writes, not one per commit. Checkpoints are {@code PASSIVE}: they
 * never wait for, or block, readers and writers.
 *
 * <p><b>Restarts.</b> With the checkpoints off the committing connection, the log is restarted even
 * more seldom: the next writer after a checkpoint is nearly always the other process (measured: the
 * log reached 1.3 GB in 20 s of 1,000 appends a second from one process and size-1 windows in
 * another). So when a passive checkpoint leaves {@value #RESTART_PAGES} pages or more in the log,
 * a {@code RESTART} checkpoint follows: it waits up to {@value #RESTART_WAIT_MILLIS} ms for the write
 * lock and for readers to leave the log, holding new writers back while it copies what came since
 * the passive one, and the next writer then starts the log from its beginning. The log stays near
 * that size. How long writers wait for a restart grows with the write rate: 23 to 38 ms with two
 * connections writing 4 KB rows flat out; in the cross-process bench at 200 messages a second the
 * append → window p99.9 fell with this class (20 to 10 ms), so it did not show there.
 *
 * <p><b>Fallback.</b> If this thread cannot open its connection or a checkpoint fails, it stops
 * and the store's connection checkpoints as SQLite does by default again (logged).
 *
 * <p><b>Threading and lifecycle.</b> {@link #wrote()} is called by the store's connection, under its
 * lock, after a call that changed rows; the first starts the thread (lazily, so a store that only
 * reads never has one). {@link #close()} stops it and closes its connection; SQLite's own close of
 * the last connection to the file checkpoints what is left.
 */
final class SqliteCheckpoints implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SqliteCheckpoints.class);
    /** SQLite's default {@code wal_autocheckpoint}, restored if this thread stops. */
    static final int SQLITE_DEFAULT_AUTOCHECKPOINT = 1_000;
    /** Writing calls (commits, single writes) that make a checkpoint due. */
    static final int WRITES_PER_CHECKPOINT = 100;
    /** Between two checkpoints at least this long, however fast the writes come. */
    static final long MIN_GAP_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    /** A write waits at most this long for its checkpoint when fewer writes follow it. */
    static final long MAX_DELAY_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** A log this long after a passive checkpoint is restarted ({@code RESTART}): 16 MiB of 4 KiB pages. */
    static final int RESTART_PAGES = 4_000;
    /** How long a restart waits for the write lock and for readers to leave the log before it gives up. */
    static final int RESTART_WAIT_MILLIS = 10;

    /** What the store's connection does when this thread stops: checkpoint on its own again. */
    interface Fallback {
        void checkpointOnCommit();
    }

    private final String url;
    private final Path file;
    private final Fallback fallback;
    /** Writing calls since the last checkpoint began. */
    private final AtomicLong writes = new AtomicLong();
    private final AtomicLong checkpoints = new AtomicLong();
    private final AtomicLong restarts = new AtomicLong();
    private volatile Thread thread;
    private volatile boolean closed;
    /** Started, or tried to: the thread is started at most once. */
    private boolean started;
    private Connection connection;
    private Statement statement;

    SqliteCheckpoints(String url, Path file, Fallback fallback) {
        this.url = url;
        this.file = file;
        this.fallback = fallback;
    }

    /**
     * A call on the store's connection changed rows. The first starts the thread and returns true:
     * from then on the caller's connection must not checkpoint itself. Called under the
     * connection's lock.
     */
    boolean wrote() {
        long n = writes.incrementAndGet();
        if (!started) {
            started = true;
            return start();
        }
        if (n == 1 || n == WRITES_PER_CHECKPOINT) {
            LockSupport.unpark(thread); // it parks until a write comes, then until one is due
        }
        return false;
    }

    /** Checkpoints run so far (for tests and benchmarks). */
    long checkpoints() {
        return checkpoints.get();
    }

    /** Restart checkpoints that succeeded so far (for tests and benchmarks). */
    long restarts() {
        return restarts.get();
    }

    /** Whether the thread runs (false before the first write, after a failure and after close). */
    boolean running() {
        Thread t = thread;
        return t != null && t.isAlive();
    }

    private synchronized boolean start() {
        if (closed) {
            return false;
        }
        try {
            connection = new SQLiteConfig().createConnection("jdbc:sqlite:" + file);
            // short steps, as the store's connection waits: a restart must win the write lock between
            // the writers' transactions, which SQLite's own 1, 2, 5 ms sleeps seldom do
            SqliteBusyWait.install(connection, Duration.ofMillis(RESTART_WAIT_MILLIS));
            statement = connection.createStatement();
        } catch (SQLException e) {
            closeConnection();
            LOG.warn("SQLite store {}: cannot open a connection for checkpoints ({}); the store's connection"
                    + " checkpoints as SQLite does by default", url, e.getMessage());
            return false;
        }
        Thread t = new Thread(this::run, "minibatch-sqlite-checkpoints " + file.getFileName());
        t.setDaemon(true);
        thread = t;
        t.start();
        return true;
    }

    private void run() {
        try {
            checkpointWhenDue();
        } catch (SQLException | RuntimeException e) {
            if (!closed) {
                LOG.warn("SQLite store {}: checkpoints failed ({}); the store's connection checkpoints as SQLite does"
                        + " by default", url, e.toString());
                fallback.checkpointOnCommit();
            }
        } finally {
            closeConnection();
        }
    }

    private void checkpointWhenDue() throws SQLException {
        long lastCheckpoint = System.nanoTime() - MIN_GAP_NANOS;
        long firstPendingAt = 0;
        while (!closed) {
            long pending = writes.get();
            if (pending == 0) {
                LockSupport.park(this);
                continue;
            }
            long now = System.nanoTime();
            if (firstPendingAt == 0) {
                firstPendingAt = now;
            }
            long due = pending >= WRITES_PER_CHECKPOINT ? lastCheckpoint + MIN_GAP_NANOS : firstPendingAt + MAX_DELAY_NANOS;
            if (now - due < 0) {
                LockSupport.parkNanos(this, due - now); // or sooner, when the count is reached
                continue;
            }
            writes.addAndGet(-pending);
            firstPendingAt = 0;
            if (checkpoint("PASSIVE")[1] >= RESTART_PAGES && checkpoint("RESTART")[0] == 0) {
                restarts.incrementAndGet();
            }
            checkpoints.incrementAndGet();
            lastCheckpoint = System.nanoTime();
        }
    }

    /**
     * Runs a checkpoint of {@code mode}; returns whether it was busy (1) and the pages in the log. A
     * busy one (another process checkpointing, a restart whose readers did not leave in time) is
     * simply tried again later.
     */
    private int[] checkpoint(String mode) throws SQLException {
        try (ResultSet rs = statement.executeQuery("PRAGMA wal_checkpoint(" + mode + ")")) {
            return rs.next() ? new int[] {rs.getInt(1), rs.getInt(2)} : new int[] {1, 0};
        }
    }

    private synchronized void closeConnection() {
        try {
            if (connection != null) {
                connection.close(); // closes the statement
            }
        } catch (SQLException e) {
            LOG.debug("SQLite store {}: closing the checkpoint connection: {}", url, e.getMessage());
        }
        connection = null;
        statement = null;
    }

    /** Test hook: the next checkpoint fails, as if the connection had broken. */
    void breakConnection() {
        closeConnection();
        writes.incrementAndGet();
        LockSupport.unpark(thread);
    }

    /** Stops the thread (within a second) and closes its connection. Idempotent. */
    @Override
    public void close() {
        closed = true;
        Thread t = thread;
        if (t != null) {
            LockSupport.unpark(t);
            try {
                t.join(1_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        closeConnection();
    }
}
