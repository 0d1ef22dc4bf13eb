package dev.minibatch.store.sqlite;

import dev.minibatch.model.StateFunctionException;
import dev.minibatch.spi.store.BatchTableCommits.CommitOutcome;
import dev.minibatch.spi.store.BatchTableCommits.StatefulCommit;
import dev.minibatch.spi.store.CommitEffects;
import dev.minibatch.spi.store.NewMessage;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Where the SQLite store ends claims: commits (plain, with table state and stage outputs, several in
 * one transaction), releases and dead letters. Each ends only the messages still held by the
 * claim's lease (or, for a deferred claim, still pending: {@link SqliteDeferredClaims}) and forgets
 * the lease, in one transaction; a commit with an expected count changes nothing unless all of
 * them are still held.
 *
 * <p><b>Threading.</b> Thread-safe: every method runs in one of the connection's transactions.
 */
final class SqliteCommits {

    private static final String DELETE = "DELETE FROM mb_message";
    private static final String MARK_DONE = "UPDATE mb_message SET state = 2, lease_id = NULL";

    private final SqliteConnection db;
    private final SqliteCatalog catalog;
    private final SqliteMessages messages;
    private final SqliteTables tables;
    private final SqliteDeferredClaims deferred;

    SqliteCommits(SqliteConnection db, SqliteCatalog catalog, SqliteMessages messages, SqliteTables tables,
                  SqliteDeferredClaims deferred) {
        this.db = db;
        this.catalog = catalog;
        this.messages = messages;
        this.tables = tables;
        this.deferred = deferred;
    }

    private static String commitHead(boolean keep) {
        return keep ? MARK_DONE : DELETE;
    }

    int commit(String stream, String token, boolean keep) {
        return endClaim(stream, token, commitHead(keep), List.of(), false);
    }

    int[] commitEach(String stream, List<String> tokens, boolean keep) {
        return db.inTransaction(() -> {
            int[] out = new int[tokens.size()];
            Long id = catalog.existingId(stream);
            if (id != null) {
                for (int i = 0; i < out.length; i++) {
                    out[i] = endClaimLocked(id, tokens.get(i), commitHead(keep), List.of());
                }
            }
            return out;
        });
    }

    int commitWithState(String stream, String token, boolean keep, int expected, CommitEffects effects) {
        return db.inTransaction(() -> {
            Long id = catalog.existingId(stream);
            if (id == null) {
                return 0;
            }
            int committed = endClaimLocked(id, token, commitHead(keep), List.of());
            if (committed != expected) {
                db.rollback(); // the lease was lost: the messages, and their outputs, belong to another
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
                messages.appendLocked(a.getKey(), a.getValue());
            }
        }
        for (Map.Entry<String, List<NewMessage>> c : changelog.entrySet()) {
            messages.appendLocked(c.getKey(), c.getValue());
        }
    }

    List<CommitOutcome> commitEachWithState(String stream, List<StatefulCommit> commits, boolean keep) {
        return db.inTransaction(() -> {
            List<CommitOutcome> out = new ArrayList<>(commits.size());
            Long id = catalog.existingId(stream);
            for (StatefulCommit c : commits) {
                if (id == null) {
                    out.add(new CommitOutcome(0, null));
                    continue;
                }
                // each window all or nothing: a lost lease or a throwing state function undoes only its own part
                Savepoint before = db.savepoint();
                try {
                    int committed = endClaimLocked(id, c.token(), commitHead(keep), List.of());
                    if (c.effects() != null && committed != c.expected()) {
                        db.rollback(before);
                        committed = 0; // ended all the same: its lease was lost
                    } else if (c.effects() != null) {
                        applyEffectsLocked(c.effects());
                    }
                    out.add(new CommitOutcome(committed, null));
                } catch (StateFunctionException e) {
                    db.rollback(before);
                    deferred.reopen(c.token()); // still held: the window fails and is released
                    out.add(new CommitOutcome(0, e));
                }
                // SQLite keeps a savepoint (and copies every page it changes) until released: one at a time
                db.release(before);
            }
            return out;
        });
    }

    int release(String stream, String token, Instant availableAt, String error) {
        if (error == null) {
            return endClaim(stream, token, "UPDATE mb_message SET state = 0, available_at = ?, lease_id = NULL",
                    List.of(availableAt.toEpochMilli()), true);
        }
        return endClaim(stream, token, "UPDATE mb_message SET state = 0, available_at = ?, attempts = attempts + 1,"
                + " error = ?, lease_id = NULL", List.of(availableAt.toEpochMilli(), error), true);
    }

    int deadLetter(String stream, String token, String deadStream, String error, Instant now) {
        return db.inTransaction(() -> {
            Long id = catalog.existingId(stream);
            if (id == null) {
                return 0;
            }
            long deadId = catalog.id(deadStream, SqliteCatalog.DEFAULT_INTERVAL, now);
            int moved = endClaimLocked(id, token, "UPDATE mb_message SET stream_id = ?, state = 0, attempts = attempts + 1,"
                    + " error = ?, available_at = 0, lease_id = NULL", List.of(deadId, error));
            if (moved > 0) {
                db.appended(deadStream);
            }
            return moved;
        });
    }

    /**
     * Applies {@code head} to the messages of a live claim and forgets the claim, in one transaction;
     * {@code pendingAgain}: the messages become pending, so the stream's in-JVM consumers are woken.
     */
    private int endClaim(String stream, String token, String head, List<Object> params, boolean pendingAgain) {
        return db.inTransaction(() -> {
            Long id = catalog.existingId(stream);
            int ended = id == null ? 0 : endClaimLocked(id, token, head, params);
            if (ended > 0 && pendingAgain) {
                db.appended(stream);
            }
            return ended;
        });
    }

    private int endClaimLocked(long streamId, String token, String head, List<Object> params) throws SQLException {
        if (deferred.holds(token)) {
            return deferred.end(token, head, params);
        }
        long leaseId;
        PreparedStatement forget = db.prepared("DELETE FROM mb_lease WHERE token = ? AND stream_id = ? RETURNING id");
        SqliteConnection.bind(forget, List.of(token, streamId));
        try (ResultSet rs = forget.executeQuery()) {
            if (!rs.next()) {
                return 0; // committed, released or expired already
            }
            leaseId = rs.getLong(1);
        }
        PreparedStatement update = db.prepared(head + " WHERE stream_id = ? AND state = 1 AND lease_id = ?");
        List<Object> all = new ArrayList<>(params);
        all.add(streamId);
        all.add(leaseId);
        SqliteConnection.bind(update, all);
        return update.executeUpdate();
    }
}
