package dev.minibatch.store.sqlite;

import dev.minibatch.internal.Names;
import dev.minibatch.model.StreamInfo;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The SQLite store's streams ({@code mb_stream}): opening, finding and listing them, the stream id
 * every other part works with (cached: a stream's id never changes), and the {@code lastRead}
 * compare-and-set.
 *
 * <p><b>Threading.</b> Thread-safe. The public-facing methods take the connection's lock; the
 * {@code id} methods run inside another part's lock or transaction.
 */
final class SqliteCatalog {

    /** The interval of a stream created by an append, a dead letter or a changelog rather than by {@code openStream}. */
    static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(10);

    private final SqliteConnection db;
    private final ConcurrentHashMap<String, Long> streamIds = new ConcurrentHashMap<>();

    SqliteCatalog(SqliteConnection db) {
        this.db = db;
    }

    StreamInfo open(String name, Duration interval, Instant now) {
        Names.checkStreamName(name);
        return db.inLock(() -> {
            id(name, interval, now);
            return findLocked(name).orElseThrow();
        });
    }

    /** The stream's id, creating the stream if missing; under the lock. */
    long id(String name, Duration interval, Instant now) throws SQLException {
        Long cached = streamIds.get(name);
        if (cached != null) {
            return cached;
        }
        Names.checkStreamName(name);
        PreparedStatement insert = db.prepared(
                "INSERT INTO mb_stream(name, status, created, interval_ms, last_read) VALUES (?, 'open', ?, ?, ?) ON CONFLICT(name) DO NOTHING");
        insert.setString(1, name);
        insert.setLong(2, now.toEpochMilli());
        insert.setLong(3, interval.toMillis());
        insert.setLong(4, now.toEpochMilli());
        insert.executeUpdate();
        Long id = existingId(name);
        streamIds.put(name, id);
        return id;
    }

    /** The stream's id, or null if it was never created; under the lock. */
    Long existingId(String name) throws SQLException {
        Long cached = streamIds.get(name);
        if (cached != null) {
            return cached;
        }
        PreparedStatement select = db.prepared("SELECT id FROM mb_stream WHERE name = ?");
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

    Optional<StreamInfo> find(String name) {
        return db.inLock(() -> findLocked(name));
    }

    private Optional<StreamInfo> findLocked(String name) throws SQLException {
        PreparedStatement select = db.prepared(
                "SELECT name, status, created, interval_ms, last_read FROM mb_stream WHERE name = ?");
        select.setString(1, name);
        try (ResultSet rs = select.executeQuery()) {
            return rs.next() ? Optional.of(info(rs)) : Optional.empty();
        }
    }

    List<StreamInfo> list() {
        return db.inLock(() -> {
            List<StreamInfo> out = new ArrayList<>();
            PreparedStatement select = db.prepared("SELECT name, status, created, interval_ms, last_read FROM mb_stream ORDER BY name");
            try (ResultSet rs = select.executeQuery()) {
                while (rs.next()) {
                    out.add(info(rs));
                }
            }
            return out;
        });
    }

    private static StreamInfo info(ResultSet rs) throws SQLException {
        long lastRead = rs.getLong(5);
        Instant last = rs.wasNull() ? null : Instant.ofEpochMilli(lastRead);
        return new StreamInfo(rs.getString(1), rs.getString(2), Instant.ofEpochMilli(rs.getLong(3)),
                Duration.ofMillis(rs.getLong(4)), last, null);
    }

    boolean compareAndSetLastRead(String stream, Instant expected, Instant next) {
        return db.inLock(() -> {
            PreparedStatement update = db.prepared("UPDATE mb_stream SET last_read = ? WHERE name = ? AND last_read IS ?");
            update.setLong(1, next.toEpochMilli());
            update.setString(2, stream);
            if (expected == null) {
                update.setNull(3, Types.INTEGER);
            } else {
                update.setLong(3, expected.toEpochMilli());
            }
            return update.executeUpdate() == 1;
        });
    }
}
