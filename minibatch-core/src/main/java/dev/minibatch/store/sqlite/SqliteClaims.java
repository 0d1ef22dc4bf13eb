package dev.minibatch.store.sqlite;

import dev.minibatch.model.Message;
import dev.minibatch.spi.store.Claim;
import dev.minibatch.spi.store.Lease;
import dev.minibatch.spi.store.Selection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Where the SQLite store claims messages and keeps them claimed: ordinary claims (one
 * {@code UPDATE … RETURNING} in an {@code IMMEDIATE} transaction, so two claimers never take one
 * message), deferred claims (remembered, not written: {@link SqliteDeferredClaims}), batch claims,
 * the recovery of expired leases before a claim, and lease renewal. How a claim ends is
 * {@link SqliteCommits}.
 *
 * <p>Leases live in {@code mb_lease}, one row a claim, so renewing a window writes one row and
 * expired claims are found without reading claimed messages.
 *
 * <p><b>Threading.</b> Thread-safe: every method takes the connection's lock.
 */
final class SqliteClaims {

    private final SqliteConnection db;
    private final SqliteCatalog catalog;
    private final SqliteDeferredClaims deferred;

    SqliteClaims(SqliteConnection db, SqliteCatalog catalog, SqliteDeferredClaims deferred) {
        this.db = db;
        this.catalog = catalog;
        this.deferred = deferred;
    }

    Claim claim(String stream, Selection selection, Lease lease) {
        List<Message> claimed = db.inLock(() -> {
            Long id = catalog.existingId(stream);
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
            return db.inTransaction(() -> {
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
    Claim claimDeferred(String stream, Selection selection, Lease lease) {
        List<Message> claimed = db.inLock(() -> {
            Long id = catalog.existingId(stream);
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
            PreparedStatement select = db.prepared("SELECT " + SqliteMessages.COLUMNS + where + " ORDER BY created, id LIMIT ?");
            params.add(selection.limit() == 0 ? -1 : selection.limit());
            SqliteConnection.bind(select, params);
            List<Message> out;
            try (ResultSet rs = select.executeQuery()) {
                out = SqliteMessages.messages(rs, stream);
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
    List<Claim> claimEach(String stream, List<Selection> selections, List<Lease> leases) {
        if (selections.size() != leases.size()) {
            throw new IllegalArgumentException("claimEach needs one lease per selection, got " + selections.size()
                    + " selections and " + leases.size() + " leases");
        }
        if (selections.isEmpty()) {
            return List.of();
        }
        List<List<Message>> claimed = db.inLock(() -> {
            Long id = catalog.existingId(stream);
            if (id == null) {
                return List.of();
            }
            long now = leases.get(0).now().toEpochMilli();
            return db.inTransaction(() -> {
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

    /** FROM and WHERE of a claim's candidate rows; fills {@code params}. */
    private static StringBuilder claimWhere(long streamId, long now, Selection selection, List<Object> params) {
        // "lease_id IS NULL" is always true for pending rows; it lets the claim index serve the scan in order
        StringBuilder where = new StringBuilder(" FROM mb_message").append(SqliteMessages.indexFor(selection))
                .append(" WHERE stream_id = ? AND state = 0 AND lease_id IS NULL AND available_at <= ?");
        params.add(streamId);
        params.add(now);
        SqliteMessages.appendFilters(where, params, selection);
        return where;
    }

    /** Whether enough messages are available, or expired leases may make them so. Reads only. */
    private boolean worthClaiming(long streamId, long now, CharSequence where, List<Object> params, Selection selection)
            throws SQLException {
        int needed = Math.max(1, selection.minCount());
        PreparedStatement count = db.prepared("SELECT COUNT(*) FROM (SELECT 1" + where + " LIMIT ?)");
        List<Object> countParams = new ArrayList<>(params);
        countParams.add(needed);
        SqliteConnection.bind(count, countParams);
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
        Savepoint beforeClaim = db.savepoint();
        long leaseId;
        PreparedStatement insert = db.prepared("INSERT INTO mb_lease(token, stream_id, owner, until) VALUES (?, ?, ?, ?) RETURNING id");
        SqliteConnection.bind(insert, List.of(lease.token(), streamId, lease.owner(), lease.expiresAt().toEpochMilli()));
        try (ResultSet rs = insert.executeQuery()) {
            rs.next();
            leaseId = rs.getLong(1);
        }
        PreparedStatement update = db.prepared("UPDATE mb_message SET state = 1, lease_id = ?"
                + " WHERE id IN (SELECT id" + where + " ORDER BY created, id LIMIT ?) RETURNING " + SqliteMessages.COLUMNS);
        List<Object> all = new ArrayList<>();
        all.add(leaseId);
        all.addAll(params);
        all.add(selection.limit() == 0 ? -1 : selection.limit());
        SqliteConnection.bind(update, all);
        List<Message> out;
        try (ResultSet rs = update.executeQuery()) {
            out = SqliteMessages.messages(rs, stream);
        }
        if (out.isEmpty() || out.size() < selection.minCount()) {
            // nothing, or too few for an all-or-nothing claim: undo the claim, keep the recovery
            db.rollback(beforeClaim);
            return List.of();
        }
        db.release(beforeClaim);
        // RETURNING gives no order guarantee
        out.sort(Comparator.comparing(Message::created).thenComparingLong(m -> Long.parseLong(m.id())));
        return out;
    }

    private boolean hasExpiredLeases(long streamId, long now) throws SQLException {
        PreparedStatement any = db.prepared("SELECT 1 FROM mb_lease WHERE stream_id = ? AND until <= ? LIMIT 1");
        SqliteConnection.bind(any, List.of(streamId, now));
        try (ResultSet rs = any.executeQuery()) {
            return rs.next();
        }
    }

    private void recoverExpired(long streamId, long now) throws SQLException {
        // expired claims are found in the lease table (a few rows), not by reading every claimed message
        if (!hasExpiredLeases(streamId, now)) {
            return; // the common case: one cheap index probe
        }
        PreparedStatement update = db.prepared(
                "UPDATE mb_message SET state = 0, attempts = attempts + 1, available_at = ?,"
                        + " error = 'lease of ' || coalesce((SELECT owner FROM mb_lease l WHERE l.id = mb_message.lease_id), '?')"
                        + " || ' expired', lease_id = NULL"
                        + " WHERE stream_id = ? AND state = 1 AND lease_id IN"
                        + " (SELECT id FROM mb_lease WHERE stream_id = ? AND until <= ?)");
        SqliteConnection.bind(update, List.of(now, streamId, streamId, now));
        update.executeUpdate();
        PreparedStatement delete = db.prepared("DELETE FROM mb_lease WHERE stream_id = ? AND until <= ?");
        SqliteConnection.bind(delete, List.of(streamId, now));
        delete.executeUpdate();
    }

    boolean renew(String stream, String token, Instant expiresAt) {
        return db.inLock(() -> {
            Long id = catalog.existingId(stream);
            if (id == null) {
                return false;
            }
            if (deferred.holds(token)) {
                // a window that runs this long is claimed in the file, so other processes leave it alone
                return db.inTransaction(() -> deferred.write(token, expiresAt.toEpochMilli()));
            }
            PreparedStatement update = db.prepared("UPDATE mb_lease SET until = ? WHERE token = ? AND stream_id = ?");
            SqliteConnection.bind(update, List.of(expiresAt.toEpochMilli(), token, id));
            return update.executeUpdate() > 0;
        });
    }
}
