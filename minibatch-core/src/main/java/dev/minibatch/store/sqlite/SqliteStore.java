package dev.minibatch.store.sqlite;

import dev.minibatch.model.ConsumerStatus;
import dev.minibatch.model.Message;
import dev.minibatch.model.MessageState;
import dev.minibatch.model.StreamInfo;
import dev.minibatch.model.StreamStats;
import dev.minibatch.model.TableEntry;
import dev.minibatch.model.TableInfo;
import dev.minibatch.spi.store.AppendWakeups;
import dev.minibatch.spi.store.BatchClaims;
import dev.minibatch.spi.store.BatchTableCommits;
import dev.minibatch.spi.store.Claim;
import dev.minibatch.spi.store.CommitEffects;
import dev.minibatch.spi.store.DeferredClaims;
import dev.minibatch.spi.store.KeyedStore;
import dev.minibatch.spi.store.Lease;
import dev.minibatch.spi.store.NewMessage;
import dev.minibatch.spi.store.Selection;
import dev.minibatch.spi.store.StreamActivity;
import dev.minibatch.spi.store.StreamStore;
import dev.minibatch.spi.store.TransactionalTableStore;
import dev.minibatch.store.LocalWakeups;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The embedded default store: one SQLite file in WAL mode, shared safely by producer and consumer
 * processes on one machine. Write transactions start {@code IMMEDIATE} so concurrent processes
 * queue on the busy timeout instead of failing on a lock upgrade; a claim is one
 * {@code UPDATE … RETURNING} inside such a transaction, so two claimers never take one message.
 *
 * <p>Within a process all calls share one connection under a lock: SQLite admits one writer at a
 * time anyway, and one connection keeps the statement cache warm.
 *
 * <p>Message keys live in a {@code msg_key} column with a partial index over keyed rows only, so
 * unkeyed appends pay no extra index write. Files of layout version 1 (before keys) are migrated in
 * place when opened: the column and index are added, every message stays.
 *
 * <p>This class only routes each call to the part that does that job, all package-private:
 * {@link SqliteConnection} (the connection, its lock, statement cache and transactions),
 * {@link SqliteSchema} (tables and migration), {@link SqliteCatalog} (streams), {@link SqliteMessages}
 * (append, read, counts, expiry), {@link SqliteClaims} (claiming, lease recovery and renewal),
 * {@link SqliteDeferredClaims} (claims not yet written), {@link SqliteCommits} (commit, release,
 * dead letter), {@link SqliteTables} (table state), {@link SqliteActivity} (heartbeats, append
 * counts) and {@link SqliteCheckpoints} (the write-ahead log's checkpoints, on a thread of their own
 * from the store's first write, so no commit runs one).
 *
 * <p>Append notices ({@link AppendWakeups}) cover appends made through this store object in this
 * JVM (plain, stage outputs and changelogs, dead letters, releases), told at once after the commit,
 * and appends made by other processes or other store objects on the file, told by
 * {@link SqliteAppendWatch} (a watch of the file's write-ahead log, started at the first
 * subscription). While that watch runs the notices are prompt: an idle consumer polls once a
 * second, and a missed notice delays a message by at most that second. Where the watch is
 * unavailable, or the URL says {@code crossProcessWakeups=false}, they are active but not prompt:
 * consumers poll at their interval, as before.
 */
public final class SqliteStore implements StreamStore, StreamActivity, KeyedStore, TransactionalTableStore,
        BatchClaims, BatchTableCommits, DeferredClaims, AppendWakeups {

    private final LocalWakeups wakeups = new LocalWakeups(this::crossProcessPrompt);
    /** Whether to watch for appends by other processes ({@link SqliteAppendWatch}). */
    private final boolean crossProcessWakeups;
    /** Started at the first subscription (under {@code this}); read without the lock by consumers' pacers. */
    private volatile SqliteAppendWatch watch;
    private boolean closed;
    private final SqliteConnection db;
    private final SqliteCatalog catalog;
    private final SqliteMessages messages;
    private final SqliteClaims claims;
    private final SqliteCommits commits;
    /** Tables (see {@link SqliteTables}), sharing this store's connection, lock and statement cache. */
    private final SqliteTables tables;
    private final SqliteActivity activity;

    /**
     * Opens (creating if needed) the database file.
     *
     * @param synchronous SQLite's {@code synchronous} pragma: NORMAL (default; durable across
     *                    process crashes, may lose the last commits on power loss) or FULL
     */
    public SqliteStore(String url, Path file, String synchronous, Duration busyTimeout) {
        this(url, file, synchronous, busyTimeout, true);
    }

    /**
     * Opens (creating if needed) the database file.
     *
     * @param url                 the store's URL, for messages
     * @param file                the database file
     * @param synchronous         SQLite's {@code synchronous} pragma: NORMAL or FULL
     * @param busyTimeout         how long a write waits for another process's write lock
     * @param crossProcessWakeups whether appends by other processes wake this store's consumers
     *                            ({@link SqliteAppendWatch}); false: they poll at their interval
     */
    public SqliteStore(String url, Path file, String synchronous, Duration busyTimeout, boolean crossProcessWakeups) {
        this.crossProcessWakeups = crossProcessWakeups;
        this.db = new SqliteConnection(url, file.toAbsolutePath(), synchronous, busyTimeout, wakeups);
        SqliteDeferredClaims deferred = new SqliteDeferredClaims(db::prepared, url);
        db.listen(deferred); // its bookkeeping follows the file's transactions
        this.catalog = new SqliteCatalog(db);
        this.messages = new SqliteMessages(db, catalog);
        this.tables = new SqliteTables(db::prepared);
        this.claims = new SqliteClaims(db, catalog, deferred);
        this.commits = new SqliteCommits(db, catalog, messages, tables, deferred);
        this.activity = new SqliteActivity(db);
    }

    @Override
    public String url() {
        return db.url();
    }

    /** The database file. */
    public Path file() {
        return db.file();
    }

    // ---- streams (SqliteCatalog) --------------------------------------------------------------

    @Override
    public StreamInfo openStream(String name, Duration interval, Instant now) {
        return catalog.open(name, interval, now);
    }

    @Override
    public Optional<StreamInfo> findStream(String name) {
        return catalog.find(name);
    }

    @Override
    public List<StreamInfo> listStreams() {
        return catalog.list();
    }

    @Override
    public boolean compareAndSetLastRead(String stream, Instant expected, Instant next, Instant now) {
        return catalog.compareAndSetLastRead(stream, expected, next);
    }

    // ---- messages (SqliteMessages) ------------------------------------------------------------

    @Override
    public void append(String stream, List<NewMessage> messages) {
        this.messages.append(stream, messages);
    }

    @Override
    public List<Message> read(String stream, Selection selection, List<MessageState> states) {
        return messages.read(stream, selection, states);
    }

    @Override
    public List<KeyCount> pendingByKey(String stream, Selection selection, Instant now) {
        return messages.pendingByKey(stream, selection, now);
    }

    @Override
    public StreamStats stats(String stream) {
        return messages.stats(stream);
    }

    @Override
    public int expire(String stream, Instant cutoff) {
        return messages.expire(stream, cutoff);
    }

    @Override
    public int clear(String stream) {
        return messages.clear(stream);
    }

    // ---- claims (SqliteClaims) ----------------------------------------------------------------

    @Override
    public Claim claim(String stream, Selection selection, Lease lease) {
        return claims.claim(stream, selection, lease);
    }

    @Override
    public Claim claimDeferred(String stream, Selection selection, Lease lease) {
        return claims.claimDeferred(stream, selection, lease);
    }

    @Override
    public List<Claim> claimEach(String stream, List<Selection> selections, List<Lease> leases) {
        return claims.claimEach(stream, selections, leases);
    }

    @Override
    public boolean renew(String stream, String token, Instant expiresAt) {
        return claims.renew(stream, token, expiresAt);
    }

    // ---- ends of claims (SqliteCommits) -------------------------------------------------------

    @Override
    public int commit(String stream, String token, boolean keep) {
        return commits.commit(stream, token, keep);
    }

    @Override
    public int[] commitEach(String stream, List<String> tokens, boolean keep) {
        return commits.commitEach(stream, tokens, keep);
    }

    @Override
    public int commitWithState(String stream, String token, boolean keep, int expected, CommitEffects effects) {
        return commits.commitWithState(stream, token, keep, expected, effects);
    }

    @Override
    public List<CommitOutcome> commitEachWithState(String stream, List<StatefulCommit> commits, boolean keep) {
        return this.commits.commitEachWithState(stream, commits, keep);
    }

    @Override
    public int release(String stream, String token, Instant availableAt, String error) {
        return commits.release(stream, token, availableAt, error);
    }

    @Override
    public int deadLetter(String stream, String token, String deadStream, String error, Instant now) {
        return commits.deadLetter(stream, token, deadStream, error, now);
    }

    // ---- tables (SqliteTables) ----------------------------------------------------------------

    @Override
    public Optional<TableEntry> tableEntry(String table, String key) {
        return db.inLock(() -> tables.entry(table, key));
    }

    @Override
    public List<TableEntry> tableEntries(String table, String afterKey, int limit) {
        return db.inLock(() -> tables.entries(table, afterKey, limit));
    }

    @Override
    public Optional<TableInfo> tableInfo(String table) {
        return db.inLock(() -> tables.info(table));
    }

    @Override
    public List<TableInfo> listTables() {
        return db.inLock(tables::list);
    }

    @Override
    public long clearTable(String table) {
        return db.inTransaction(() -> tables.clear(table));
    }

    @Override
    public boolean dropTable(String table) {
        return db.inTransaction(() -> tables.drop(table));
    }

    // ---- activity (SqliteActivity) ------------------------------------------------------------

    @Override
    public void heartbeat(ConsumerStatus status) {
        activity.heartbeat(status);
    }

    @Override
    public List<ConsumerStatus> consumers(String stream, Instant since) {
        return activity.consumers(stream, since);
    }

    @Override
    public long appendedTotal(String stream) {
        return activity.appendedTotal(stream);
    }

    // ---- append notices (LocalWakeups, told by SqliteConnection after each commit) -------------

    @Override
    public Subscription subscribeAppends(String stream, Runnable onAppend) {
        appendWatch(); // before the subscription's first notice: appends after it are watched
        return wakeups.subscribe(stream, onAppend);
    }

    /** The cross-process watch, started if need be; null once the store is closed. */
    synchronized SqliteAppendWatch appendWatch() {
        if (watch == null && !closed) {
            watch = SqliteAppendWatch.start(db.url(), db.file(), wakeups, crossProcessWakeups);
        }
        return watch;
    }

    private boolean crossProcessPrompt() {
        SqliteAppendWatch w = watch;
        return w != null && w.prompt();
    }

    /**
     * Queries the cross-process append watch has run so far ({@code data_version} checks and append
     * count reads on its own connection), for benchmarks of the idle cost; 0 before a consumer subscribed.
     *
     * @return the number of queries
     */
    public long appendWatchQueries() {
        SqliteAppendWatch w = watch;
        return w == null ? 0 : w.queries();
    }

    /**
     * Checkpoints of the write-ahead log run so far by the store's checkpoint thread
     * ({@code SqliteCheckpoints}: the store's own connection never checkpoints while it runs), for
     * benchmarks; 0 before the store first wrote.
     *
     * @return the number of checkpoints
     */
    public long checkpoints() {
        return db.checkpoints().checkpoints();
    }

    @Override
    public void close() {
        SqliteAppendWatch w;
        synchronized (this) {
            closed = true;
            w = watch;
        }
        try {
            if (w != null) {
                w.close();
            }
            db.close();
        } finally {
            wakeups.close();
        }
    }
}
