package dev.minibatch.store.sqlite;

import dev.minibatch.model.StoreException;
import dev.minibatch.store.LocalWakeups;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConfig;

/**
 * The SQLite store's connection (its only one for calls; the append watch and the checkpoints keep
 * one each of their own): opening the file (WAL, busy timeout, {@code IMMEDIATE} write
 * transactions), the lock every call runs under, the prepared-statement cache, and the lock and
 * transaction helpers the other parts run their work in, and the hand-off of the log's checkpoints to
 * {@link SqliteCheckpoints} once the connection first wrote. SQLite admits one writer at a time anyway,
 * and one connection keeps the statement cache warm.
 *
 * <p><b>Threading.</b> Thread-safe: {@link #inLock} and {@link #inTransaction} serialise callers;
 * {@link #prepared}, {@link #savepoint} and friends may be called only inside them. The transaction
 * listener is set once, before the store is shared. Streams given messages in a transaction
 * ({@link #appended}) are told to the in-JVM subscribers once it committed and the outermost lock
 * is released, so a woken consumer never waits for this lock and always finds the messages.
 */
final class SqliteConnection {

    /** Told when a transaction ends, so bookkeeping kept beside the file follows it. */
    interface TransactionListener {
        void committed();

        void rolledBack();
    }

    /** Work on the connection; runs under the lock. */
    @FunctionalInterface
    interface Work<T> {
        T run() throws SQLException;
    }

    private static final Logger LOG = LoggerFactory.getLogger(SqliteConnection.class);
    private static final int CACHED_STATEMENTS = 64;

    private final String url;
    private final Path file;
    private final Connection connection;
    private final ReentrantLock lock = new ReentrantLock();
    private final LocalWakeups wakeups;
    /** Streams given pending messages in the running transaction (under the lock). */
    private final Set<String> appendedInTransaction = new LinkedHashSet<>();
    /** Streams given messages by committed transactions, told when the lock is released (under the lock). */
    private final Set<String> appendedToTell = new LinkedHashSet<>();
    /** Prepared statements by SQL, reused under the lock: parsing SQL costs more than a small claim. */
    private final LinkedHashMap<String, PreparedStatement> statements = new LinkedHashMap<>(CACHED_STATEMENTS, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, PreparedStatement> eldest) {
            if (size() <= CACHED_STATEMENTS) {
                return false;
            }
            try {
                eldest.getValue().close();
            } catch (SQLException ignored) {
                // closing a statement we no longer need; nothing to do
            }
            return true;
        }
    };
    private volatile boolean closed;
    /** Checkpoints of the log, off the committing threads. */
    private final SqliteCheckpoints checkpoints;
    /** The connection's {@code total_changes()} when last looked at (under the lock): it moves when a call wrote. */
    private long totalChanges;
    private TransactionListener listener = new TransactionListener() {
        @Override
        public void committed() {
        }

        @Override
        public void rolledBack() {
        }
    };

    /** Opens (creating if needed) the file and its directory, and creates or migrates the tables. */
    SqliteConnection(String url, Path file, String synchronous, Duration busyTimeout, LocalWakeups wakeups) {
        this.url = url;
        this.file = file;
        this.wakeups = wakeups;
        Path parent = file.getParent();
        try {
            if (parent != null) {
                Files.createDirectories(parent);
            }
        } catch (Exception e) {
            throw new StoreException("cannot create the directory " + parent + " for SQLite store " + url + ": " + e, e);
        }
        if (parent != null && !Files.isWritable(parent)) {
            throw new StoreException("cannot open SQLite store " + url + ": directory " + parent + " is not writable");
        }
        if (Files.exists(file) && !Files.isWritable(file)) {
            throw new StoreException("cannot open SQLite store " + url + ": file " + file + " is not writable");
        }
        SQLiteConfig config = new SQLiteConfig();
        config.setJournalMode(SQLiteConfig.JournalMode.WAL);
        config.setSynchronous(SQLiteConfig.SynchronousMode.valueOf(synchronous));
        config.setBusyTimeout((int) busyTimeout.toMillis());
        config.setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE);
        config.setTempStore(SQLiteConfig.TempStore.MEMORY);
        try {
            this.connection = config.createConnection("jdbc:sqlite:" + file);
            SqliteBusyWait.install(connection, busyTimeout);
            SqliteSchema.create(connection);
            totalChanges = database().total_changes();
        } catch (SQLException e) {
            throw new StoreException("cannot open SQLite store " + url + " (file " + file + "): " + e.getMessage(), e);
        }
        this.checkpoints = new SqliteCheckpoints(url, file, this::checkpointOnCommit);
    }

    private org.sqlite.core.DB database() {
        return ((org.sqlite.SQLiteConnection) connection).getDatabase();
    }

    /** Sets who hears of transaction ends; once, before the store is shared. */
    void listen(TransactionListener listener) {
        this.listener = listener;
    }

    String url() {
        return url;
    }

    Path file() {
        return file;
    }

    /** Runs work under the lock, translating SQL errors to {@link StoreException}. */
    <T> T inLock(Work<T> work) {
        lock.lock();
        List<String> toTell = List.of();
        try {
            if (closed) {
                throw new StoreException("SQLite store " + url + " is closed");
            }
            return work.run();
        } catch (SQLException e) {
            throw new StoreException("SQLite store " + url + ": " + e.getMessage(), e);
        } finally {
            if (lock.getHoldCount() == 1) {
                noteWrites();
            }
            if (lock.getHoldCount() == 1 && !appendedToTell.isEmpty()) {
                toTell = new ArrayList<>(appendedToTell);
                appendedToTell.clear();
            }
            lock.unlock();
            wakeups.appended(toTell);
        }
    }

    /**
     * After the outermost call under the lock: if it changed rows, tells the checkpoints; from the
     * first write on they are the checkpoint thread's, not this connection's.
     */
    private void noteWrites() {
        if (closed) {
            return;
        }
        try {
            long changes = database().total_changes();
            if (changes != totalChanges) {
                totalChanges = changes;
                if (checkpoints.wrote()) {
                    setAutocheckpoint(0);
                }
            }
        } catch (SQLException e) {
            // the call itself succeeded or threw already; checkpoints simply come later
            LOG.debug("SQLite store {}: reading total_changes: {}", url, e.getMessage());
        }
    }

    private void setAutocheckpoint(int pages) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute("PRAGMA wal_autocheckpoint = " + pages);
        }
    }

    /** The checkpoint thread stopped: this connection checkpoints on commit again, as SQLite does by default. */
    private void checkpointOnCommit() {
        try {
            inLock(() -> {
                setAutocheckpoint(SqliteCheckpoints.SQLITE_DEFAULT_AUTOCHECKPOINT);
                return null;
            });
        } catch (StoreException e) {
            LOG.debug("SQLite store {}: restoring wal_autocheckpoint: {}", url, e.getMessage());
        }
    }

    /** This connection's {@code wal_autocheckpoint} (for tests). */
    int autocheckpoint() {
        return inLock(() -> {
            try (Statement statement = connection.createStatement();
                 java.sql.ResultSet rs = statement.executeQuery("PRAGMA wal_autocheckpoint")) {
                return rs.next() ? rs.getInt(1) : -1;
            }
        });
    }

    SqliteCheckpoints checkpoints() {
        return checkpoints;
    }

    /**
     * Inside a transaction: {@code stream} got pending messages (appended, released, dead-lettered).
     * Its in-JVM subscribers are told if the transaction commits.
     */
    void appended(String stream) {
        appendedInTransaction.add(stream);
    }

    /** Runs work in one IMMEDIATE transaction, so it takes the write lock before reading. */
    <T> T inTransaction(Work<T> work) {
        return inLock(() -> {
            begin();
            boolean committed = false;
            try {
                T result = work.run();
                // Leaving manual commit mode commits. Connection.commit() would, in sqlite-jdbc, also
                // BEGIN IMMEDIATE the next transaction at once: one more wait for the write lock
                // (against other processes' writers) for an empty transaction.
                connection.setAutoCommit(true);
                committed = true;
                listener.committed();
                appendedToTell.addAll(appendedInTransaction);
                appendedInTransaction.clear();
                return result;
            } catch (SQLException | RuntimeException e) {
                if (!committed) {
                    listener.rolledBack();
                    appendedInTransaction.clear();
                    rollbackAfterFailure(e);
                }
                throw e;
            }
        });
    }

    /**
     * BEGIN IMMEDIATE. sqlite-jdbc counts the connection as out of auto-commit mode before it runs the
     * BEGIN; if that fails (the write lock not had within the busy timeout) the mode is set back, or
     * the next transaction would run its statements one by one.
     */
    private void begin() throws SQLException {
        try {
            connection.setAutoCommit(false);
        } catch (SQLException e) {
            try {
                connection.setAutoCommit(true);
            } catch (SQLException noTransaction) {
                e.addSuppressed(noTransaction); // expected: sqlite-jdbc runs COMMIT for the BEGIN that failed
            }
            throw e;
        }
    }

    /**
     * Undoes the open transaction after a failure. If the failure was the commit itself, sqlite-jdbc
     * already counts the connection as in auto-commit mode while SQLite still has the transaction
     * open; a plain ROLLBACK ends it either way.
     */
    private void rollbackAfterFailure(Exception failure) {
        try {
            if (!connection.getAutoCommit()) {
                connection.rollback();
                connection.setAutoCommit(true);
            } else {
                try (Statement statement = connection.createStatement()) {
                    statement.execute("ROLLBACK");
                } catch (SQLException noTransaction) {
                    // SQLite had ended the transaction itself (a failed COMMIT may roll back)
                }
            }
        } catch (SQLException suppressed) {
            failure.addSuppressed(suppressed);
        }
    }

    /** A cached prepared statement for {@code sql}; callers hold the lock and close only result sets. */
    PreparedStatement prepared(String sql) throws SQLException {
        PreparedStatement statement = statements.get(sql);
        if (statement == null) {
            statement = connection.prepareStatement(sql);
            statements.put(sql, statement);
        } else {
            statement.clearParameters();
        }
        return statement;
    }

    /** Inside a transaction: a savepoint, so part of it can be undone. */
    Savepoint savepoint() throws SQLException {
        return connection.setSavepoint();
    }

    void rollback(Savepoint savepoint) throws SQLException {
        connection.rollback(savepoint);
    }

    void release(Savepoint savepoint) throws SQLException {
        connection.releaseSavepoint(savepoint);
    }

    /** Inside a transaction: undoes all of it so far (the transaction then commits nothing). */
    void rollback() throws SQLException {
        connection.rollback();
    }

    static void bind(PreparedStatement statement, List<Object> params) throws SQLException {
        for (int i = 0; i < params.size(); i++) {
            Object p = params.get(i);
            if (p instanceof Long l) {
                statement.setLong(i + 1, l);
            } else if (p instanceof Integer n) {
                statement.setInt(i + 1, n);
            } else {
                statement.setString(i + 1, (String) p);
            }
        }
    }

    /** Stops the checkpoint thread, closes the statements and the connection. Idempotent. */
    void close() {
        checkpoints.close(); // first, outside the lock: a failing checkpoint thread takes it to fall back
        lock.lock();
        try {
            if (!closed) {
                closed = true;
                for (PreparedStatement statement : statements.values()) {
                    statement.close();
                }
                statements.clear();
                connection.close();
            }
        } catch (SQLException e) {
            throw new StoreException("closing SQLite store " + url + ": " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }
}
