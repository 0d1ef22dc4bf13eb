package dev.minibatch.store.sqlite;

import dev.minibatch.model.Message;
import dev.minibatch.model.MessageState;
import dev.minibatch.model.StoreException;
import dev.minibatch.model.StreamInfo;
import dev.minibatch.model.StreamStats;
import dev.minibatch.internal.Json;
import dev.minibatch.internal.Names;
import dev.minibatch.spi.store.BatchClaims;
import dev.minibatch.spi.store.Claim;
import dev.minibatch.spi.store.KeyedStore;
import dev.minibatch.spi.store.TransactionalTableStore;
import dev.minibatch.spi.store.BatchTableCommits;
import dev.minibatch.spi.store.CommitEffects;
import dev.minibatch.spi.store.DeferredClaims;
import dev.minibatch.model.StateFunctionException;
import dev.minibatch.model.TableEntry;
import dev.minibatch.model.TableInfo;
import dev.minibatch.spi.store.Lease;
import dev.minibatch.spi.store.NewMessage;
import dev.minibatch.spi.store.Selection;
import dev.minibatch.spi.store.StreamActivity;
import dev.minibatch.spi.store.StreamStore;
import dev.minibatch.model.ConsumerStats;
import dev.minibatch.model.ConsumerStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import org.sqlite.SQLiteConfig;

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
 */
public final class SqliteStore implements StreamStore, StreamActivity, KeyedStore, TransactionalTableStore,
        BatchClaims, BatchTableCommits, DeferredClaims {

    static final int PENDING = 0;
    static final int CLAIMED = 1;
    static final int DONE = 2;

    private static final String COLUMNS = "id, created, state, attempts, error, data, msg_key";

    private final String url;
    private final Path file;
    private final Connection connection;
    private final ReentrantLock lock = new ReentrantLock();
    private final ConcurrentHashMap<String, Long> streamIds = new ConcurrentHashMap<>();
    /** Prepared statements by SQL, reused under the lock: parsing SQL costs more than a small claim. */
    private final java.util.LinkedHashMap<String, PreparedStatement> statements = new java.util.LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, PreparedStatement> eldest) {
            if (size() <= 64) {
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
    /** Tables (see {@link SqliteTables}), sharing this store's connection, lock and statement cache. */
    private final SqliteTables tables = new SqliteTables(this::prepared);
    private final SqliteDeferredClaims deferred;

    /**
     * Opens (creating if needed) the database file.
     *
     * @param synchronous SQLite's {@code synchronous} pragma: NORMAL (default; durable across
     *                    process crashes, may lose the last commits on power loss) or FULL
     */
    public SqliteStore(String url, Path file, String synchronous, Duration busyTimeout) {
        this.url = url;
        this.file = file.toAbsolutePath();
        this.deferred = new SqliteDeferredClaims(this::prepared, url);
        Path parent = this.file.getParent();
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
        if (Files.exists(this.file) && !Files.isWritable(this.file)) {
            throw new StoreException("cannot open SQLite store " + url + ": file " + this.file + " is not writable");
        }
        SQLiteConfig config = new SQLiteConfig();
        config.setJournalMode(SQLiteConfig.JournalMode.WAL);
        config.setSynchronous(SQLiteConfig.SynchronousMode.valueOf(synchronous));
        config.setBusyTimeout((int) busyTimeout.toMillis());
        config.setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE);
        config.setTempStore(SQLiteConfig.TempStore.MEMORY);
        try {
            this.connection = config.createConnection("jdbc:sqlite:" + this.file);
            createSchema();
        } catch (SQLException e) {
            throw new StoreException("cannot open SQLite store " + url + " (file " + this.file + "): " + e.getMessage(), e);
        }
    }

    /** Version of the table layout below, kept in SQLite's {@code user_version}. */
    static final int SCHEMA_VERSION = 2;

    /** Creates or checks the tables in one write transaction, so processes opening a new file together agree. */
    private void createSchema() throws SQLException {
        connection.setAutoCommit(false);
        try {
            createSchemaInTransaction();
            connection.commit();
        } catch (SQLException | RuntimeException e) {
            connection.rollback();
            throw e;
        } finally {
            connection.setAutoCommit(true);
        }
    }

    private void createSchemaInTransaction() throws SQLException {
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

    @Override
    public String url() {
        return url;
    }

    /** The database file. */
    public Path file() {
        return file;
    }

    @Override
    public StreamInfo openStream(String name, Duration interval, Instant now) {
        Names.checkStreamName(name);
        return inLock(() -> {
            streamId(name, interval, now);
            return findLocked(name).orElseThrow();
        });
    }

    private long streamId(String name, Duration interval, Instant now) throws SQLException {
        Long cached = streamIds.get(name);
        if (cached != null) {
            return cached;
        }
        Names.checkStreamName(name);
        {
            PreparedStatement insert = prepared(
                "INSERT INTO mb_stream(name, status, created, interval_ms, last_read) VALUES (?, 'open', ?, ?, ?) ON CONFLICT(name) DO NOTHING");
            insert.setString(1, name);
            insert.setLong(2, now.toEpochMilli());
            insert.setLong(3, interval.toMillis());
            insert.setLong(4, now.toEpochMilli());
            insert.executeUpdate();
        }
        Long id = lookupId(name);
        streamIds.put(name, id);
        return id;
    }

    private Long lookupId(String name) throws SQLException {
        Long cached = streamIds.get(name);
        if (cached != null) {
            return cached;
        }
        {
            PreparedStatement select = prepared("SELECT id FROM mb_stream WHERE name = ?");
            select.setString(1, name);
            try (ResultSet rs = select.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                long id = rs.getLong(1);
                streamIds.put(name, id);
                return id;
            }
        }
    }

    @Override
    public Optional<StreamInfo> findStream(String name) {
        return inLock(() -> findLocked(name));
    }

    private Optional<StreamInfo> findLocked(String name) throws SQLException {
        {
            PreparedStatement select = prepared(
                "SELECT name, status, created, interval_ms, last_read FROM mb_stream WHERE name = ?");
            select.setString(1, name);
            try (ResultSet rs = select.executeQuery()) {
                return rs.next() ? Optional.of(info(rs)) : Optional.empty();
            }
        }
    }

    private static StreamInfo info(ResultSet rs) throws SQLException {
        long lastRead = rs.getLong(5);
        Instant last = rs.wasNull() ? null : Instant.ofEpochMilli(lastRead);
        return new StreamInfo(rs.getString(1), rs.getString(2), Instant.ofEpochMilli(rs.getLong(3)),
                Duration.ofMillis(rs.getLong(4)), last, null);
    }

    @Override
    public List<StreamInfo> listStreams() {
        return inLock(() -> {
            List<StreamInfo> out = new ArrayList<>();
            PreparedStatement select = prepared("SELECT name, status, created, interval_ms, last_read FROM mb_stream ORDER BY name");
            try (ResultSet rs = select.executeQuery()) {
                while (rs.next()) {
                    out.add(info(rs));
                }
            }
            return out;
        });
    }

    @Override
    public void append(String stream, List<NewMessage> messages) {
        if (messages.isEmpty()) {
            return;
        }
        inTransaction(() -> {
            appendLocked(stream, messages);
            return null;
        });
    }

    /** Inserts a non-empty batch and counts it in the stream's appended total; inside a transaction. */
    private void appendLocked(String stream, List<NewMessage> messages) throws SQLException {
        long id = streamId(stream, Duration.ofSeconds(10), messages.get(0).created());
        insertLocked(id, messages);
        long newest = Long.MIN_VALUE;
        for (NewMessage m : messages) {
            newest = Math.max(newest, m.created().toEpochMilli());
        }
        PreparedStatement count = prepared(
                "UPDATE mb_stream SET appended = appended + ?, last_append = max(coalesce(last_append, ?), ?) WHERE id = ?");
        count.setLong(1, messages.size());
        count.setLong(2, newest);
        count.setLong(3, newest);
        count.setLong(4, id);
        count.executeUpdate();
    }

    private void insertLocked(long streamId, List<NewMessage> messages) throws SQLException {
        boolean plain = true;
        for (NewMessage m : messages) {
            if (m.attempts() != 0 || m.error() != null || m.key() != null) {
                plain = false;
                break;
            }
        }
        // the common case binds two values a row (the stream id is ours, a number, inlined)
        String sql = plain
                ? "INSERT INTO mb_message(stream_id, created, data) VALUES (" + streamId + ", ?, ?)"
                : "INSERT INTO mb_message(stream_id, created, data, attempts, error, msg_key) VALUES (" + streamId + ", ?, ?, ?, ?, ?)";
        PreparedStatement insert = prepared(sql);
        for (NewMessage m : messages) {
            insert.setLong(1, m.created().toEpochMilli());
            insert.setString(2, m.json());
            if (!plain) {
                insert.setInt(3, m.attempts());
                insert.setString(4, m.error());
                insert.setString(5, m.key());
            }
            insert.addBatch();
        }
        insert.executeBatch();
    }

    @Override
    public List<Message> read(String stream, Selection selection, List<MessageState> states) {
        List<MessageState> wanted = states == null || states.isEmpty() ? List.of(MessageState.PENDING) : states;
        return inLock(() -> {
            Long id = lookupId(stream);
            if (id == null) {
                return List.of();
            }
            StringBuilder sql = new StringBuilder("SELECT ").append(COLUMNS)
                    .append(" FROM mb_message").append(indexFor(selection)).append(" WHERE stream_id = ? AND state IN (");
            for (int i = 0; i < wanted.size(); i++) {
                sql.append(i == 0 ? "" : ", ").append(code(wanted.get(i)));
            }
            sql.append(")");
            List<Object> params = new ArrayList<>();
            params.add(id);
            appendFilters(sql, params, selection);
            sql.append(" ORDER BY created, id LIMIT ?");
            params.add(selection.limit() == 0 ? -1 : selection.limit());
            {
                PreparedStatement select = prepared(sql.toString());
                bind(select, params);
                try (ResultSet rs = select.executeQuery()) {
                    return messages(rs, stream);
                }
            }
        });
    }

    /**
     * The key index for one key's messages: left alone, the planner prefers the claim index for its
     * order and then scans every pending row of the stream to find one key's.
     */
    private static String indexFor(Selection selection) {
        return selection.byKey() && selection.key() != null ? " INDEXED BY mb_message_key" : "";
    }

    private static void appendFilters(StringBuilder sql, List<Object> params, Selection selection) {
        if (selection.byKey()) {
            if (selection.key() == null) {
                sql.append(" AND msg_key IS NULL");
            } else {
                sql.append(" AND msg_key = ?");
                params.add(selection.key());
            }
        }
        if (selection.createdFrom() != null) {
            sql.append(" AND created >= ?");
            params.add(selection.createdFrom().toEpochMilli());
        }
        if (selection.createdBefore() != null) {
            sql.append(" AND created < ?");
            params.add(selection.createdBefore().toEpochMilli());
        }
        if (selection.ids() != null) {
            List<Long> ids = new ArrayList<>();
            for (String s : selection.ids()) {
                try {
                    ids.add(Long.valueOf(s));
                } catch (NumberFormatException ignored) {
                    // not an id of this store: matches nothing
                }
            }
            sql.append(" AND id IN (");
            for (int i = 0; i < ids.size(); i++) {
                sql.append(i == 0 ? "?" : ", ?");
                params.add(ids.get(i));
            }
            sql.append(ids.isEmpty() ? "NULL)" : ")");
        }
    }

    @Override
    public Claim claim(String stream, Selection selection, Lease lease) {
        List<Message> claimed = inLock(() -> {
            Long id = lookupId(stream);
            if (id == null) {
                return List.of();
            }
            long now = lease.now().toEpochMilli();
            List<Object> params = new ArrayList<>();
            StringBuilder where = claimWhere(id, now, selection, params);
            // Idle consumers poll often: decide with reads first, so a poll that finds nothing never
            // takes the write lock that producers in other processes would wait for.
            if (!worthClaiming(id, now, where, params, selection)) {
                return List.of();
            }
            return inTransaction(() -> {
                deferred.writeOutstanding(id); // or this claim would take their messages
                recoverExpired(id, now);
                return claimLocked(stream, id, where, params, selection, lease);
            });
        });
        return new Claim(lease, claimed);
    }

    /**
     * Reads the claim's messages and remembers them ({@link SqliteDeferredClaims}): nothing is
     * written, so a window committed in time costs one write per message, its commit. Skips the
     * messages of the other deferred claims of the stream outstanding here (a consumer reads its
     * next window while one is computed). Claims the ordinary way when {@link
     * SqliteDeferredClaims#MAX_OUTSTANDING} are outstanding, after a recent conflict, or when
     * expired leases wait for recovery.
     */
    @Override
    public Claim claimDeferred(String stream, Selection selection, Lease lease) {
        List<Message> claimed = inLock(() -> {
            Long id = lookupId(stream);
            long now = lease.now().toEpochMilli();
            if (id == null || !deferred.mayDefer(id, now) || hasExpiredLeases(id, now)) {
                return null;
            }
            List<Object> params = new ArrayList<>();
            StringBuilder where = claimWhere(id, now, selection, params);
            String taken = deferred.outstandingIds(id);
            if (taken != null) {
                where.append(" AND id NOT IN (SELECT value FROM json_each(?))");
                params.add(taken);
            }
            PreparedStatement select = prepared("SELECT " + COLUMNS + where + " ORDER BY created, id LIMIT ?");
            params.add(selection.limit() == 0 ? -1 : selection.limit());
            bind(select, params);
            List<Message> out;
            try (ResultSet rs = select.executeQuery()) {
                out = messages(rs, stream);
            }
            if (out.isEmpty() || out.size() < selection.minCount()) {
                return List.of();
            }
            deferred.remember(id, out, lease);
            return out;
        });
        return claimed == null ? claim(stream, selection, lease) : new Claim(lease, claimed);
    }

    /**
     * All claims in one IMMEDIATE transaction: a keyed window's rows are spread over as many pages
     * as it has messages, and one commit writes the pages several keys' windows share once.
     */
    @Override
    public List<Claim> claimEach(String stream, List<Selection> selections, List<Lease> leases) {
        if (selections.size() != leases.size()) {
            throw new IllegalArgumentException("claimEach needs one lease per selection, got " + selections.size()
                    + " selections and " + leases.size() + " leases");
        }
        if (selections.isEmpty()) {
            return List.of();
        }
        List<List<Message>> claimed = inLock(() -> {
            Long id = lookupId(stream);
            if (id == null) {
                return List.of();
            }
            long now = leases.get(0).now().toEpochMilli();
            return inTransaction(() -> {
                deferred.writeOutstanding(id);
                recoverExpired(id, now);
                List<List<Message>> out = new ArrayList<>(selections.size());
                for (int i = 0; i < selections.size(); i++) {
                    List<Object> params = new ArrayList<>();
                    StringBuilder where = claimWhere(id, now, selections.get(i), params);
                    out.add(claimLocked(stream, id, where, params, selections.get(i), leases.get(i)));
                }
                return out;
            });
        });
        List<Claim> out = new ArrayList<>(leases.size());
        for (int i = 0; i < leases.size(); i++) {
            out.add(new Claim(leases.get(i), claimed.isEmpty() ? List.of() : claimed.get(i)));
        }
        return out;
    }

    @Override
    public int[] commitEach(String stream, List<String> tokens, boolean keep) {
        return inTransaction(() -> {
            int[] out = new int[tokens.size()];
            Long id = lookupId(stream);
            if (id != null) {
                String head = keep ? "UPDATE mb_message SET state = 2, lease_id = NULL" : "DELETE FROM mb_message";
                for (int i = 0; i < out.length; i++) {
                    out[i] = endClaimLocked(id, tokens.get(i), head, List.of());
                }
            }
            return out;
        });
    }

    /** FROM and WHERE of a claim's candidate rows; fills {@code params}. */
    private static StringBuilder claimWhere(long streamId, long now, Selection selection, List<Object> params) {
        // "lease_id IS NULL" is always true for pending rows; it lets the claim index serve the scan in order
        StringBuilder where = new StringBuilder(" FROM mb_message").append(indexFor(selection))
                .append(" WHERE stream_id = ? AND state = 0 AND lease_id IS NULL AND available_at <= ?");
        params.add(streamId);
        params.add(now);
        appendFilters(where, params, selection);
        return where;
    }

    /** Whether enough messages are available, or expired leases may make them so. Reads only. */
    private boolean worthClaiming(long streamId, long now, CharSequence where, List<Object> params, Selection selection)
            throws SQLException {
        int needed = Math.max(1, selection.minCount());
        PreparedStatement count = prepared("SELECT COUNT(*) FROM (SELECT 1" + where + " LIMIT ?)");
        List<Object> countParams = new ArrayList<>(params);
        countParams.add(needed);
        bind(count, countParams);
        try (ResultSet rs = count.executeQuery()) {
            if (rs.next() && rs.getLong(1) >= needed) {
                return true;
            }
        }
        return hasExpiredLeases(streamId, now);
    }

    /** The claim proper, inside an IMMEDIATE transaction; all-or-nothing through a savepoint. */
    private List<Message> claimLocked(String stream, long streamId, CharSequence where, List<Object> params,
                                      Selection selection, Lease lease) throws SQLException {
        Savepoint beforeClaim = connection.setSavepoint();
        long leaseId;
        PreparedStatement insert = prepared("INSERT INTO mb_lease(token, stream_id, owner, until) VALUES (?, ?, ?, ?) RETURNING id");
        bind(insert, List.of(lease.token(), streamId, lease.owner(), lease.expiresAt().toEpochMilli()));
        try (ResultSet rs = insert.executeQuery()) {
            rs.next();
            leaseId = rs.getLong(1);
        }
        PreparedStatement update = prepared("UPDATE mb_message SET state = 1, lease_id = ?"
                + " WHERE id IN (SELECT id" + where + " ORDER BY created, id LIMIT ?) RETURNING " + COLUMNS);
        List<Object> all = new ArrayList<>();
        all.add(leaseId);
        all.addAll(params);
        all.add(selection.limit() == 0 ? -1 : selection.limit());
        bind(update, all);
        List<Message> out;
        try (ResultSet rs = update.executeQuery()) {
            out = messages(rs, stream);
        }
        if (out.isEmpty() || out.size() < selection.minCount()) {
            // nothing, or too few for an all-or-nothing claim: undo the claim, keep the recovery
            connection.rollback(beforeClaim);
            return List.of();
        }
        connection.releaseSavepoint(beforeClaim);
        // RETURNING gives no order guarantee
        out.sort(Comparator.comparing(Message::created).thenComparingLong(m -> Long.parseLong(m.id())));
        return out;
    }

    private boolean hasExpiredLeases(long streamId, long now) throws SQLException {
        PreparedStatement any = prepared("SELECT 1 FROM mb_lease WHERE stream_id = ? AND until <= ? LIMIT 1");
        bind(any, List.of(streamId, now));
        try (ResultSet rs = any.executeQuery()) {
            return rs.next();
        }
    }

    private void recoverExpired(long streamId, long now) throws SQLException {
        // expired claims are found in the lease table (a few rows), not by reading every claimed message
        if (!hasExpiredLeases(streamId, now)) {
            return; // the common case: one cheap index probe
        }
        PreparedStatement update = prepared(
                "UPDATE mb_message SET state = 0, attempts = attempts + 1, available_at = ?,"
                        + " error = 'lease of ' || coalesce((SELECT owner FROM mb_lease l WHERE l.id = mb_message.lease_id), '?')"
                        + " || ' expired', lease_id = NULL"
                        + " WHERE stream_id = ? AND state = 1 AND lease_id IN"
                        + " (SELECT id FROM mb_lease WHERE stream_id = ? AND until <= ?)");
        bind(update, List.of(now, streamId, streamId, now));
        update.executeUpdate();
        PreparedStatement delete = prepared("DELETE FROM mb_lease WHERE stream_id = ? AND until <= ?");
        bind(delete, List.of(streamId, now));
        delete.executeUpdate();
    }

    @Override
    public List<KeyCount> pendingByKey(String stream, Selection selection, Instant now) {
        return inLock(() -> {
            Long id = lookupId(stream);
            if (id == null) {
                return List.of();
            }
            StringBuilder sql = new StringBuilder("SELECT msg_key, COUNT(*), MIN(created) FROM mb_message WHERE stream_id = ?"
                    + " AND state = 0 AND lease_id IS NULL AND available_at <= ?");
            List<Object> params = new ArrayList<>(List.of(id, now.toEpochMilli()));
            appendFilters(sql, params, new Selection(selection.createdFrom(), selection.createdBefore(), 0, 0, null));
            sql.append(" GROUP BY msg_key ORDER BY MIN(created), MIN(id)"); // ties in append order: neighbouring keys share pages
            PreparedStatement select = prepared(sql.toString());
            bind(select, params);
            List<KeyCount> out = new ArrayList<>();
            try (ResultSet rs = select.executeQuery()) {
                while (rs.next()) {
                    out.add(new KeyCount(rs.getString(1), rs.getLong(2), Instant.ofEpochMilli(rs.getLong(3))));
                }
            }
            return out;
        });
    }

    @Override
    public int commitWithState(String stream, String token, boolean keep, int expected, CommitEffects effects) {
        return inTransaction(() -> {
            Long id = lookupId(stream);
            if (id == null) {
                return 0;
            }
            int committed = endClaimLocked(id, token, keep ? "UPDATE mb_message SET state = 2, lease_id = NULL"
                    : "DELETE FROM mb_message", List.of());
            if (committed != expected) {
                connection.rollback(); // the lease was lost: the messages, and their outputs, belong to another
                return 0;
            }
            // a state function that throws rolls all of it back (inTransaction), the claim stays held
            applyEffectsLocked(effects);
            return committed;
        });
    }

    /** The state updates, their changelogs and the appends of one window's commit; inside a transaction. */
    private void applyEffectsLocked(CommitEffects effects) throws SQLException {
        Map<String, List<NewMessage>> changelog = effects.updates().isEmpty() ? Map.of() : tables.apply(effects);
        for (Map.Entry<String, List<NewMessage>> a : effects.appends().entrySet()) {
            if (!a.getValue().isEmpty()) {
                appendLocked(a.getKey(), a.getValue());
            }
        }
        for (Map.Entry<String, List<NewMessage>> c : changelog.entrySet()) {
            appendLocked(c.getKey(), c.getValue());
        }
    }

    @Override
    public List<CommitOutcome> commitEachWithState(String stream, List<StatefulCommit> commits, boolean keep) {
        return inTransaction(() -> {
            List<CommitOutcome> out = new ArrayList<>(commits.size());
            Long id = lookupId(stream);
            String head = keep ? "UPDATE mb_message SET state = 2, lease_id = NULL" : "DELETE FROM mb_message";
            for (StatefulCommit c : commits) {
                if (id == null) {
                    out.add(new CommitOutcome(0, null));
                    continue;
                }
                // each window all or nothing: a lost lease or a throwing state function undoes only its own part
                Savepoint before = connection.setSavepoint();
                try {
                    int committed = endClaimLocked(id, c.token(), head, List.of());
                    if (c.effects() != null && committed != c.expected()) {
                        connection.rollback(before);
                        committed = 0; // ended all the same: its lease was lost
                    } else if (c.effects() != null) {
                        applyEffectsLocked(c.effects());
                    }
                    out.add(new CommitOutcome(committed, null));
                } catch (StateFunctionException e) {
                    connection.rollback(before);
                    deferred.reopen(c.token()); // still held: the window fails and is released
                    out.add(new CommitOutcome(0, e));
                }
                // SQLite keeps a savepoint (and copies every page it changes) until released: one at a time
                connection.releaseSavepoint(before);
            }
            return out;
        });
    }

    @Override
    public Optional<TableEntry> tableEntry(String table, String key) {
        return inLock(() -> tables.entry(table, key));
    }

    @Override
    public List<TableEntry> tableEntries(String table, String afterKey, int limit) {
        return inLock(() -> tables.entries(table, afterKey, limit));
    }

    @Override
    public Optional<TableInfo> tableInfo(String table) {
        return inLock(() -> tables.info(table));
    }

    @Override
    public List<TableInfo> listTables() {
        return inLock(tables::list);
    }

    @Override
    public long clearTable(String table) {
        return inTransaction(() -> tables.clear(table));
    }

    @Override
    public boolean dropTable(String table) {
        return inTransaction(() -> tables.drop(table));
    }

    @Override
    public boolean renew(String stream, String token, Instant expiresAt) {
        return inLock(() -> {
            Long id = lookupId(stream);
            if (id == null) {
                return false;
            }
            if (deferred.holds(token)) {
                // a window that runs this long is claimed in the file, so other processes leave it alone
                return inTransaction(() -> deferred.write(token, expiresAt.toEpochMilli()));
            }
            {
                PreparedStatement update = prepared(
                    "UPDATE mb_lease SET until = ? WHERE token = ? AND stream_id = ?");
                bind(update, List.of(expiresAt.toEpochMilli(), token, id));
                return update.executeUpdate() > 0;
            }
        });
    }

    @Override
    public int commit(String stream, String token, boolean keep) {
        return endClaim(stream, token, keep ? "UPDATE mb_message SET state = 2, lease_id = NULL" : "DELETE FROM mb_message",
                List.of());
    }

    @Override
    public int release(String stream, String token, Instant availableAt, String error) {
        if (error == null) {
            return endClaim(stream, token, "UPDATE mb_message SET state = 0, available_at = ?, lease_id = NULL",
                    List.of(availableAt.toEpochMilli()));
        }
        return endClaim(stream, token, "UPDATE mb_message SET state = 0, available_at = ?, attempts = attempts + 1,"
                + " error = ?, lease_id = NULL", List.of(availableAt.toEpochMilli(), error));
    }

    @Override
    public int deadLetter(String stream, String token, String deadStream, String error) {
        return inTransaction(() -> {
            Long id = lookupId(stream);
            if (id == null) {
                return 0;
            }
            long deadId = streamId(deadStream, Duration.ofSeconds(10), Instant.now());
            return endClaimLocked(id, token, "UPDATE mb_message SET stream_id = ?, state = 0, attempts = attempts + 1,"
                    + " error = ?, available_at = 0, lease_id = NULL", List.of(deadId, error));
        });
    }

    /** Applies {@code head} to the messages of a live claim and forgets the claim, in one transaction. */
    private int endClaim(String stream, String token, String head, List<Object> params) {
        return inTransaction(() -> {
            Long id = lookupId(stream);
            return id == null ? 0 : endClaimLocked(id, token, head, params);
        });
    }

    private int endClaimLocked(long streamId, String token, String head, List<Object> params) throws SQLException {
        if (deferred.holds(token)) {
            return deferred.end(token, head, params);
        }
        long leaseId;
        PreparedStatement forget = prepared("DELETE FROM mb_lease WHERE token = ? AND stream_id = ? RETURNING id");
        bind(forget, List.of(token, streamId));
        try (ResultSet rs = forget.executeQuery()) {
            if (!rs.next()) {
                return 0; // committed, released or expired already
            }
            leaseId = rs.getLong(1);
        }
        PreparedStatement update = prepared(head + " WHERE stream_id = ? AND state = 1 AND lease_id = ?");
        List<Object> all = new ArrayList<>(params);
        all.add(streamId);
        all.add(leaseId);
        bind(update, all);
        return update.executeUpdate();
    }

    @Override
    public boolean compareAndSetLastRead(String stream, Instant expected, Instant next) {
        return inLock(() -> {
            {
                PreparedStatement update = prepared(
                    "UPDATE mb_stream SET last_read = ? WHERE name = ? AND last_read IS ?");
                update.setLong(1, next.toEpochMilli());
                update.setString(2, stream);
                if (expected == null) {
                    update.setNull(3, Types.INTEGER);
                } else {
                    update.setLong(3, expected.toEpochMilli());
                }
                return update.executeUpdate() == 1;
            }
        });
    }

    @Override
    public StreamStats stats(String stream) {
        return inLock(() -> {
            Long id = lookupId(stream);
            if (id == null) {
                return StreamStats.EMPTY;
            }
            long[] counts = new long[3];
            long last = Long.MIN_VALUE;
            {
                PreparedStatement select = prepared(
                    "SELECT state, COUNT(*), MAX(created) FROM mb_message WHERE stream_id = ? GROUP BY state");
                select.setLong(1, id);
                try (ResultSet rs = select.executeQuery()) {
                    while (rs.next()) {
                        int state = rs.getInt(1);
                        if (state >= 0 && state < 3) {
                            counts[state] = rs.getLong(2);
                        }
                        last = Math.max(last, rs.getLong(3));
                    }
                }
            }
            // the stream row remembers the newest append even after every message was consumed
            {
                PreparedStatement select = prepared("SELECT last_append FROM mb_stream WHERE id = ?");
                select.setLong(1, id);
                try (ResultSet rs = select.executeQuery()) {
                    if (rs.next()) {
                        long remembered = rs.getLong(1);
                        if (!rs.wasNull()) {
                            last = Math.max(last, remembered);
                        }
                    }
                }
            }
            return new StreamStats(counts[PENDING], counts[CLAIMED], counts[DONE],
                    last == Long.MIN_VALUE ? null : Instant.ofEpochMilli(last));
        });
    }

    @Override
    public int expire(String stream, Instant cutoff) {
        return deleteWhere(stream, " AND state IN (0, 2) AND created < ?", List.of(cutoff.toEpochMilli()));
    }

    @Override
    public int clear(String stream) {
        return deleteWhere(stream, " AND state IN (0, 2)", List.of());
    }

    private int deleteWhere(String stream, String condition, List<Object> params) {
        return inLock(() -> {
            Long id = lookupId(stream);
            if (id == null) {
                return 0;
            }
            {
                PreparedStatement delete = prepared(
                    "DELETE FROM mb_message WHERE stream_id = ?" + condition);
                List<Object> all = new ArrayList<>();
                all.add(id);
                all.addAll(params);
                bind(delete, all);
                return delete.executeUpdate();
            }
        });
    }

    @Override
    public void heartbeat(ConsumerStatus status) {
        inTransaction(() -> {
            {
                PreparedStatement upsert = prepared(
                    "INSERT OR REPLACE INTO mb_consumer(stream, consumer_id, emitter, started, last_seen, windows, messages,"
                            + " failures, dead_lettered, leases_lost, in_flight, stopped) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
                ConsumerStats st = status.stats();
                bind(upsert, List.of(status.stream(), status.consumerId(), String.valueOf(status.emitter()),
                        status.started().toEpochMilli(), status.lastSeen().toEpochMilli(), st.windows(), st.messages(),
                        st.failures(), st.deadLettered(), st.leasesLost(), (long) st.inFlight(), status.stopped() ? 1L : 0L));
                upsert.executeUpdate();
            }
            {
                PreparedStatement prune = prepared(
                    "DELETE FROM mb_consumer WHERE stream = ? AND last_seen < ?");
                prune.setString(1, status.stream());
                prune.setLong(2, status.lastSeen().minus(Duration.ofDays(1)).toEpochMilli());
                prune.executeUpdate();
            }
            return null;
        });
    }

    @Override
    public List<ConsumerStatus> consumers(String stream, Instant since) {
        return inLock(() -> {
            List<ConsumerStatus> out = new ArrayList<>();
            {
                PreparedStatement select = prepared(
                    "SELECT consumer_id, emitter, started, last_seen, windows, messages, failures, dead_lettered, leases_lost,"
                            + " in_flight, stopped FROM mb_consumer WHERE stream = ? AND last_seen >= ? ORDER BY last_seen DESC");
                select.setString(1, stream);
                select.setLong(2, since.toEpochMilli());
                try (ResultSet rs = select.executeQuery()) {
                    while (rs.next()) {
                        out.add(new ConsumerStatus(stream, rs.getString(1), rs.getString(2), Instant.ofEpochMilli(rs.getLong(3)),
                                Instant.ofEpochMilli(rs.getLong(4)), new ConsumerStats(rs.getLong(5), rs.getLong(6),
                                rs.getLong(7), rs.getLong(8), rs.getLong(9), rs.getInt(10)), rs.getInt(11) == 1));
                    }
                }
            }
            return out;
        });
    }

    @Override
    public long appendedTotal(String stream) {
        return inLock(() -> {
            {
                PreparedStatement select = prepared("SELECT appended FROM mb_stream WHERE name = ?");
                select.setString(1, stream);
                try (ResultSet rs = select.executeQuery()) {
                    return rs.next() ? rs.getLong(1) : 0L;
                }
            }
        });
    }

    @Override
    public void close() {
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

    private static int code(MessageState state) {
        return switch (state) {
            case PENDING -> PENDING;
            case CLAIMED -> CLAIMED;
            case DONE -> DONE;
        };
    }

    private static MessageState state(int code) {
        return switch (code) {
            case PENDING -> MessageState.PENDING;
            case CLAIMED -> MessageState.CLAIMED;
            default -> MessageState.DONE;
        };
    }

    private static List<Message> messages(ResultSet rs, String stream) throws SQLException {
        List<Message> out = new ArrayList<>();
        while (rs.next()) {
            out.add(new Message(Long.toString(rs.getLong(1)), stream, Instant.ofEpochMilli(rs.getLong(2)),
                    Json.parse(rs.getString(6)), state(rs.getInt(3)), rs.getInt(4), rs.getString(5), rs.getString(7)));
        }
        return out;
    }

    /** A cached prepared statement for {@code sql}; callers hold the lock and close only result sets. */
    private PreparedStatement prepared(String sql) throws SQLException {
        PreparedStatement statement = statements.get(sql);
        if (statement == null) {
            statement = connection.prepareStatement(sql);
            statements.put(sql, statement);
        } else {
            statement.clearParameters();
        }
        return statement;
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

    @FunctionalInterface
    private interface Work<T> {
        T run() throws SQLException;
    }

    private <T> T inLock(Work<T> work) {
        lock.lock();
        try {
            if (closed) {
                throw new StoreException("SQLite store " + url + " is closed");
            }
            return work.run();
        } catch (SQLException e) {
            throw new StoreException("SQLite store " + url + ": " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    /** Runs work in one IMMEDIATE transaction, so it takes the write lock before reading. */
    private <T> T inTransaction(Work<T> work) {
        return inLock(() -> {
            connection.setAutoCommit(false);
            try {
                T result = work.run();
                connection.commit();
                deferred.committed();
                return result;
            } catch (SQLException | RuntimeException e) {
                deferred.rolledBack();
                try {
                    connection.rollback();
                } catch (SQLException suppressed) {
                    e.addSuppressed(suppressed);
                }
                throw e;
            } finally {
                connection.setAutoCommit(true);
            }
        });
    }
}
