package dev.minibatch.store.sqlite;

import dev.minibatch.internal.Json;
import dev.minibatch.model.Message;
import dev.minibatch.model.MessageState;
import dev.minibatch.model.StreamStats;
import dev.minibatch.spi.store.KeyedStore.KeyCount;
import dev.minibatch.spi.store.NewMessage;
import dev.minibatch.spi.store.Selection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The SQLite store's messages ({@code mb_message}) outside claims: appending (and counting appends
 * on the stream row), reading, per-key counts, stats, expiry and clearing; and what the claim parts
 * share with them: the row layout, state codes, selection filters and row mapping.
 *
 * <p><b>Threading.</b> Thread-safe: the public-facing methods take the connection's lock or open
 * a transaction; {@link #appendLocked} runs inside another part's transaction.
 */
final class SqliteMessages {

    static final int PENDING = 0;
    static final int CLAIMED = 1;
    static final int DONE = 2;

    /** The columns {@link #messages} maps, in its order. */
    static final String COLUMNS = "id, created, state, attempts, error, data, msg_key";

    private final SqliteConnection db;
    private final SqliteCatalog catalog;

    SqliteMessages(SqliteConnection db, SqliteCatalog catalog) {
        this.db = db;
        this.catalog = catalog;
    }

    void append(String stream, List<NewMessage> messages) {
        if (messages.isEmpty()) {
            return;
        }
        db.inTransaction(() -> {
            appendLocked(stream, messages);
            return null;
        });
    }

    /** Inserts a non-empty batch and counts it in the stream's appended total; inside a transaction. */
    void appendLocked(String stream, List<NewMessage> messages) throws SQLException {
        long id = catalog.id(stream, SqliteCatalog.DEFAULT_INTERVAL, messages.get(0).created());
        insertLocked(id, messages);
        long newest = Long.MIN_VALUE;
        for (NewMessage m : messages) {
            newest = Math.max(newest, m.created().toEpochMilli());
        }
        PreparedStatement count = db.prepared(
                "UPDATE mb_stream SET appended = appended + ?, last_append = max(coalesce(last_append, ?), ?) WHERE id = ?");
        count.setLong(1, messages.size());
        count.setLong(2, newest);
        count.setLong(3, newest);
        count.setLong(4, id);
        count.executeUpdate();
        db.appended(stream);
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
        PreparedStatement insert = db.prepared(sql);
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

    List<Message> read(String stream, Selection selection, List<MessageState> states) {
        List<MessageState> wanted = states == null || states.isEmpty() ? List.of(MessageState.PENDING) : states;
        return db.inLock(() -> {
            Long id = catalog.existingId(stream);
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
            PreparedStatement select = db.prepared(sql.toString());
            SqliteConnection.bind(select, params);
            try (ResultSet rs = select.executeQuery()) {
                return messages(rs, stream);
            }
        });
    }

    /**
     * The key index for one key's messages: left alone, the planner prefers the claim index for its
     * order and then scans every pending row of the stream to find one key's.
     */
    static String indexFor(Selection selection) {
        return selection.byKey() && selection.key() != null ? " INDEXED BY mb_message_key" : "";
    }

    static void appendFilters(StringBuilder sql, List<Object> params, Selection selection) {
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

    List<KeyCount> pendingByKey(String stream, Selection selection, Instant now) {
        return db.inLock(() -> {
            Long id = catalog.existingId(stream);
            if (id == null) {
                return List.of();
            }
            StringBuilder sql = new StringBuilder("SELECT msg_key, COUNT(*), MIN(created) FROM mb_message WHERE stream_id = ?"
                    + " AND state = 0 AND lease_id IS NULL AND available_at <= ?");
            List<Object> params = new ArrayList<>(List.of(id, now.toEpochMilli()));
            appendFilters(sql, params, new Selection(selection.createdFrom(), selection.createdBefore(), 0, 0, null));
            sql.append(" GROUP BY msg_key ORDER BY MIN(created), MIN(id)"); // ties in append order: neighbouring keys share pages
            PreparedStatement select = db.prepared(sql.toString());
            SqliteConnection.bind(select, params);
            List<KeyCount> out = new ArrayList<>();
            try (ResultSet rs = select.executeQuery()) {
                while (rs.next()) {
                    out.add(new KeyCount(rs.getString(1), rs.getLong(2), Instant.ofEpochMilli(rs.getLong(3))));
                }
            }
            return out;
        });
    }

    StreamStats stats(String stream) {
        return db.inLock(() -> {
            Long id = catalog.existingId(stream);
            if (id == null) {
                return StreamStats.EMPTY;
            }
            long[] counts = new long[3];
            long last = Long.MIN_VALUE;
            PreparedStatement byState = db.prepared(
                    "SELECT state, COUNT(*), MAX(created) FROM mb_message WHERE stream_id = ? GROUP BY state");
            byState.setLong(1, id);
            try (ResultSet rs = byState.executeQuery()) {
                while (rs.next()) {
                    int state = rs.getInt(1);
                    if (state >= 0 && state < 3) {
                        counts[state] = rs.getLong(2);
                    }
                    last = Math.max(last, rs.getLong(3));
                }
            }
            // the stream row remembers the newest append even after every message was consumed
            PreparedStatement lastAppend = db.prepared("SELECT last_append FROM mb_stream WHERE id = ?");
            lastAppend.setLong(1, id);
            try (ResultSet rs = lastAppend.executeQuery()) {
                if (rs.next()) {
                    long remembered = rs.getLong(1);
                    if (!rs.wasNull()) {
                        last = Math.max(last, remembered);
                    }
                }
            }
            return new StreamStats(counts[PENDING], counts[CLAIMED], counts[DONE],
                    last == Long.MIN_VALUE ? null : Instant.ofEpochMilli(last));
        });
    }

    int expire(String stream, Instant cutoff) {
        return deleteWhere(stream, " AND state IN (0, 2) AND created < ?", List.of(cutoff.toEpochMilli()));
    }

    int clear(String stream) {
        return deleteWhere(stream, " AND state IN (0, 2)", List.of());
    }

    private int deleteWhere(String stream, String condition, List<Object> params) {
        return db.inLock(() -> {
            Long id = catalog.existingId(stream);
            if (id == null) {
                return 0;
            }
            PreparedStatement delete = db.prepared("DELETE FROM mb_message WHERE stream_id = ?" + condition);
            List<Object> all = new ArrayList<>();
            all.add(id);
            all.addAll(params);
            SqliteConnection.bind(delete, all);
            return delete.executeUpdate();
        });
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

    /** The rows of a result over {@link #COLUMNS}, as messages of {@code stream}. */
    static List<Message> messages(ResultSet rs, String stream) throws SQLException {
        List<Message> out = new ArrayList<>();
        while (rs.next()) {
            out.add(new Message(Long.toString(rs.getLong(1)), stream, Instant.ofEpochMilli(rs.getLong(2)),
                    Json.parse(rs.getString(6)), state(rs.getInt(3)), rs.getInt(4), rs.getString(5), rs.getString(7)));
        }
        return out;
    }
}
