package dev.minibatch.store.sqlite;

import dev.minibatch.model.Message;
import dev.minibatch.spi.store.DeferredClaims;
import dev.minibatch.spi.store.Lease;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SQLite store's deferred claims ({@link DeferredClaims}): which messages each outstanding
 * deferred claim holds, kept in this process only, and the statements that end or write them. A
 * deferred claim's messages stay {@code state = 0, lease_id IS NULL} in the file; ending it applies
 * the end's statement to those that still are ("still pending and unclaimed" plays the part that
 * "claimed under my lease" plays for an ordinary claim).
 *
 * <p>Every method runs under the store's lock, most inside its transaction; the bookkeeping follows
 * the transaction: a claim ended or written inside one is forgotten only when it commits, and
 * stays outstanding when it rolls back.
 */
final class SqliteDeferredClaims implements SqliteConnection.TransactionListener {

    private static final Logger LOG = LoggerFactory.getLogger(SqliteDeferredClaims.class);

    /** After a deferred claim lost messages to another consumer, claims of that stream are ordinary for this long. */
    static final long CONFLICT_PAUSE_MILLIS = 30_000;

    /**
     * The claim's messages that are still pending and unclaimed, found by id: the unary plus keeps
     * SQLite from walking the claim index (every pending row of the stream) instead.
     */
    private static final String STILL_PENDING = " WHERE id IN (SELECT value FROM json_each(?))"
            + " AND +stream_id = ? AND +state = 0 AND +lease_id IS NULL";

    interface Statements {
        PreparedStatement prepared(String sql) throws SQLException;
    }

    /** An outstanding deferred claim: its stream, its message ids as a JSON array (for json_each), its lease. */
    private record Held(long streamId, String ids, int size, String owner, long claimedAt, long until) {
    }

    private final Statements statements;
    private final String url;
    private final Map<String, Held> held = new HashMap<>();
    private final Set<String> endedInTransaction = new HashSet<>();
    private final Map<Long, Long> ordinaryUntil = new HashMap<>();

    SqliteDeferredClaims(Statements statements, String url) {
        this.statements = statements;
        this.url = url;
    }

    /** Most deferred claims outstanding per stream: a consumer's window in flight and the next one it reads ahead. */
    static final int MAX_OUTSTANDING = 2;

    /** Whether a claim of the stream may be deferred now: few outstanding, no recent conflict. */
    boolean mayDefer(long streamId, long now) {
        // a claim whose lease passed unrenewed is over (its consumer died or lost touch): forget it
        held.entrySet().removeIf(e -> e.getValue().until < now && !endedInTransaction.contains(e.getKey()));
        Long until = ordinaryUntil.get(streamId);
        if (until != null && until > now) {
            return false;
        }
        int outstanding = 0;
        for (Held h : held.values()) {
            if (h.streamId == streamId) {
                outstanding++;
            }
        }
        return outstanding < MAX_OUTSTANDING;
    }

    /**
     * The ids the outstanding deferred claims of the stream hold, as one JSON array, or null for
     * none: a further claim must not take them, though they are pending in the file.
     */
    String outstandingIds(long streamId) {
        StringBuilder ids = null;
        for (Map.Entry<String, Held> e : held.entrySet()) {
            Held h = e.getValue();
            if (h.streamId != streamId || endedInTransaction.contains(e.getKey())) {
                continue;
            }
            if (ids == null) {
                ids = new StringBuilder(h.ids.length() * 2).append(h.ids, 0, h.ids.length() - 1);
            } else {
                ids.append(',').append(h.ids, 1, h.ids.length() - 1);
            }
        }
        return ids == null ? null : ids.append(']').toString();
    }

    void remember(long streamId, List<Message> messages, Lease lease) {
        StringBuilder ids = new StringBuilder("[");
        for (Message m : messages) {
            if (ids.length() > 1) {
                ids.append(',');
            }
            ids.append(m.id()); // this store's ids: decimal row ids
        }
        held.put(lease.token(), new Held(streamId, ids.append(']').toString(), messages.size(), lease.owner(),
                lease.now().toEpochMilli(), lease.expiresAt().toEpochMilli()));
    }

    boolean holds(String token) {
        return held.containsKey(token) && !endedInTransaction.contains(token);
    }

    /**
     * Applies {@code head} (an UPDATE or DELETE of mb_message, without WHERE) to the claim's
     * messages that are still pending and unclaimed, and ends the claim; inside a transaction.
     */
    int end(String token, String head, List<Object> params) throws SQLException {
        Held h = held.get(token);
        PreparedStatement statement = statements.prepared(head + STILL_PENDING);
        List<Object> all = new ArrayList<>(params);
        all.add(h.ids);
        all.add(h.streamId);
        SqliteConnection.bind(statement, all);
        int n = statement.executeUpdate();
        endedInTransaction.add(token);
        if (n < h.size) {
            conflict(h, h.size - n);
        }
        return n;
    }

    /**
     * Writes the claim as an ordinary one (a lease row, its messages claimed under it) with the
     * given expiry; inside a transaction. Returns whether it still holds all its messages.
     */
    boolean write(String token, long until) throws SQLException {
        Held h = held.get(token);
        long leaseId;
        PreparedStatement insert = statements.prepared(
                "INSERT INTO mb_lease(token, stream_id, owner, until) VALUES (?, ?, ?, ?) RETURNING id");
        SqliteConnection.bind(insert, List.of(token, h.streamId, h.owner, until));
        try (ResultSet rs = insert.executeQuery()) {
            rs.next();
            leaseId = rs.getLong(1);
        }
        PreparedStatement claim = statements.prepared("UPDATE mb_message SET state = 1, lease_id = ?" + STILL_PENDING);
        SqliteConnection.bind(claim, List.of(leaseId, h.ids, h.streamId));
        int n = claim.executeUpdate();
        endedInTransaction.add(token); // an ordinary claim from now on
        if (n < h.size) {
            conflict(h, h.size - n);
        }
        return n == h.size;
    }

    /** Writes every outstanding deferred claim of the stream (before an ordinary claim of it); inside a transaction. */
    void writeOutstanding(long streamId) throws SQLException {
        for (Map.Entry<String, Held> e : new ArrayList<>(held.entrySet())) {
            if (e.getValue().streamId == streamId && !endedInTransaction.contains(e.getKey())) {
                write(e.getKey(), e.getValue().until);
            }
        }
    }

    /** A savepoint rolled back the end of this claim: it is outstanding again. */
    void reopen(String token) {
        endedInTransaction.remove(token);
    }

    @Override
    public void committed() {
        endedInTransaction.forEach(held::remove);
        endedInTransaction.clear();
    }

    @Override
    public void rolledBack() {
        endedInTransaction.clear();
    }

    /** Measured on the claims' clock (their leases' now), like everything else about leases. */
    private void conflict(Held h, int lost) {
        ordinaryUntil.put(h.streamId, h.claimedAt + CONFLICT_PAUSE_MILLIS);
        LOG.debug("SQLite store {}: a deferred claim lost {} messages to another consumer; claims of stream {} are"
                + " ordinary for {} s", url, lost, h.streamId, CONFLICT_PAUSE_MILLIS / 1000);
    }
}
