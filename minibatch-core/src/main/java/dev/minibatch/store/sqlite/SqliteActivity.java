package dev.minibatch.store.sqlite;

import dev.minibatch.model.ConsumerStats;
import dev.minibatch.model.ConsumerStatus;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The SQLite store's activity for status pages ({@link dev.minibatch.spi.store.StreamActivity}):
 * consumer heartbeats in {@code mb_consumer} (a day of silence and they are pruned) and the
 * per-stream append count the append keeps on the stream row.
 *
 * <p><b>Threading.</b> Thread-safe: every method takes the connection's lock.
 */
final class SqliteActivity {

    private final SqliteConnection db;

    SqliteActivity(SqliteConnection db) {
        this.db = db;
    }

    void heartbeat(ConsumerStatus status) {
        db.inTransaction(() -> {
            PreparedStatement upsert = db.prepared(
                    "INSERT OR REPLACE INTO mb_consumer(stream, consumer_id, emitter, started, last_seen, windows, messages,"
                            + " failures, dead_lettered, leases_lost, in_flight, stopped) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
            ConsumerStats st = status.stats();
            SqliteConnection.bind(upsert, List.of(status.stream(), status.consumerId(), String.valueOf(status.emitter()),
                    status.started().toEpochMilli(), status.lastSeen().toEpochMilli(), st.windows(), st.messages(),
                    st.failures(), st.deadLettered(), st.leasesLost(), (long) st.inFlight(), status.stopped() ? 1L : 0L));
            upsert.executeUpdate();
            PreparedStatement prune = db.prepared("DELETE FROM mb_consumer WHERE stream = ? AND last_seen < ?");
            prune.setString(1, status.stream());
            prune.setLong(2, status.lastSeen().minus(Duration.ofDays(1)).toEpochMilli());
            prune.executeUpdate();
            return null;
        });
    }

    List<ConsumerStatus> consumers(String stream, Instant since) {
        return db.inLock(() -> {
            List<ConsumerStatus> out = new ArrayList<>();
            PreparedStatement select = db.prepared(
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
            return out;
        });
    }

    long appendedTotal(String stream) {
        return db.inLock(() -> {
            PreparedStatement select = db.prepared("SELECT appended FROM mb_stream WHERE name = ?");
            select.setString(1, stream);
            try (ResultSet rs = select.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0L;
            }
        });
    }
}
