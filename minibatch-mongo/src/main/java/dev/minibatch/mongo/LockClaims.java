package dev.minibatch.mongo;

import com.mongodb.ErrorCategory;
import com.mongodb.MongoBulkWriteException;
import com.mongodb.MongoWriteException;
import com.mongodb.bulk.BulkWriteError;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.BulkWriteOptions;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.UpdateOneModel;
import com.mongodb.client.model.WriteModel;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.InsertManyOptions;
import com.mongodb.client.model.Projections;
import com.mongodb.client.model.Sorts;
import com.mongodb.client.model.DeleteOneModel;
import com.mongodb.client.model.Updates;
import dev.minibatch.spi.store.Lease;
import dev.minibatch.spi.store.NewMessage;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.bson.BsonDateTime;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonNull;
import org.bson.BsonString;
import org.bson.BsonValue;
import org.bson.conversions.Bson;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Claims whose atomicity comes from unique-key inserts, for servers whose update filters are not
 * atomic under concurrency (FerretDB 1.x matches, then writes, without re-checking the filter;
 * only an insert on a unique key has exactly one winner there). Used by {@link MongoStore} in
 * {@link MongoStoreOptions.ClaimMode#LOCKS}.
 *
 * <ul>
 *   <li><b>Locks</b>, in the Java-only collection {@code minibatch_locks}: one document
 *       {@code {_id: <message _id>, stream, token, owner, until}} per claimed message, inserted with
 *       one unordered {@code insertMany}; the duplicate-key errors name the messages another claim
 *       holds. The holder alone then writes the buffer documents ({@code processed: true} and the
 *       lease fields, so Python sees the truth), and every later write to them (commit, release,
 *       dead letter) comes first and the lock deletion last, so two writers never touch one buffer
 *       document at once.</li>
 *   <li><b>Renewal</b> moves {@code until} of the token's locks; the buffer's {@code lease_until}
 *       keeps the claim's first expiry (informational only in this mode).</li>
 *   <li><b>Recovery</b> of a lapsed lock is itself claimed by a unique insert of a marker
 *       {@code {_id: "recover\n"+token}} into {@code minibatch_markers}, so exactly one store resets
 *       the messages ({@code attempts + 1} once); the marker goes when the locks are gone. A marker
 *       older than {@link #STALE_MARKER} (its recoverer died mid-way) is taken over by an exact
 *       {@code deleteOne}.</li>
 *   <li><b>Compare-and-set of {@code last_read}</b>: the winner is whoever inserts the marker
 *       {@code {_id: "last_read\n"+stream+"\n"+expected}} first, after checking the value; a loser
 *       that finds the stream still at the expected value completes the winner's move (its
 *       {@code next} is in the marker), so a winner killed between marker and write stalls nothing.
 *       Requires {@code last_read} never to return to an earlier value (time windows only move it
 *       forward). Markers older than a day are pruned hourly.</li>
 * </ul>
 * Tables go through {@link LockTables}; stage outputs are appended, then the input window committed,
 * idempotently ({@link IdempotentAppends}). Thread-safe; holds no state beyond prune times, the
 * server's measured costs and the candidate cache.
 */
final class LockClaims implements ClaimProtocol {

    private static final Logger LOG = LoggerFactory.getLogger(MongoStore.class); // the store's log, as before the split

    static final String LOCKS = "minibatch_locks";
    static final String MARKERS = "minibatch_markers";
    /** A recovery marker this old belongs to a recoverer that died mid-way. */
    static final Duration STALE_MARKER = Duration.ofSeconds(30);
    private static final Duration PRUNE_EVERY = Duration.ofHours(1);
    private static final Duration MARKER_AGE = Duration.ofDays(1);

    private static final String TOKEN = "token";
    private static final String OWNER = "owner";
    private static final String UNTIL = "until";
    private static final String AT = "at";
    private static final String NEXT = "next";

    private final MongoCollection<BsonDocument> locks;
    private final MongoCollection<BsonDocument> markers;
    private final MongoCollection<BsonDocument> buffer;
    private final MongoStore store;
    private final ClaimBook book;
    private final LockTables tables;
    private final Map<String, Instant> lastPrune = new ConcurrentHashMap<>();
    private final ServerCosts costs = new ServerCosts();
    private final CandidateCache cache = new CandidateCache(true, LockClaims::readLimit, costs::scanned);

    LockClaims(MongoStore store, MongoDatabase database, MongoCollection<BsonDocument> buffer, ClaimBook book) {
        this.store = store;
        this.book = book;
        this.buffer = buffer;
        this.locks = database.getCollection(LOCKS, BsonDocument.class);
        this.markers = database.getCollection(MARKERS, BsonDocument.class);
        this.tables = new LockTables(store, database, buffer, this); // it only keeps the reference
    }

    @Override
    public MongoStoreOptions.ClaimMode mode() {
        return MongoStoreOptions.ClaimMode.LOCKS;
    }

    @Override
    public TableProtocol tables() {
        return tables;
    }

    @Override
    public void createIndexes() {
        StoreIndexes.ensure(locks, List.of(
                new StoreIndexes.Index(new BsonDocument(TOKEN, new BsonInt32(1))),
                new StoreIndexes.Index(new BsonDocument(Documents.STREAM, new BsonInt32(1)).append(UNTIL, new BsonInt32(1)))));
        StoreIndexes.ensure(markers, List.of(
                new StoreIndexes.Index(new BsonDocument(Documents.STREAM, new BsonInt32(1)).append(AT, new BsonInt32(1)),
                        new IndexOptions())));
    }

    /**
     * Locks the messages for the lease: one unordered {@code insertMany}.
     *
     * @param lost receives the ids another claim holds
     * @return the ids now locked by the lease's token, in the given order
     */
    List<BsonValue> lock(String stream, List<BsonValue> ids, Lease lease, Set<BsonValue> lost) {
        List<BsonDocument> docs = new ArrayList<>(ids.size());
        BsonDateTime until = Documents.date(lease.expiresAt());
        for (BsonValue id : ids) {
            docs.add(new BsonDocument(Documents.ID, id).append(Documents.STREAM, new BsonString(stream))
                    .append(TOKEN, new BsonString(lease.token())).append(OWNER, new BsonString(lease.owner()))
                    .append(UNTIL, until));
        }
        try {
            locks.insertMany(docs, new InsertManyOptions().ordered(false));
            return ids;
        } catch (MongoBulkWriteException e) {
            Set<Integer> refused = new HashSet<>();
            for (BulkWriteError error : e.getWriteErrors()) {
                if (ErrorCategory.fromErrorCode(error.getCode()) != ErrorCategory.DUPLICATE_KEY) {
                    // not a competitor: give back what was locked, then fail
                    unlock(lease.token(), ids);
                    throw e;
                }
                refused.add(error.getIndex());
            }
            List<BsonValue> mine = new ArrayList<>(ids.size() - refused.size());
            for (int i = 0; i < ids.size(); i++) {
                if (refused.contains(i)) {
                    lost.add(ids.get(i));
                } else {
                    mine.add(ids.get(i));
                }
            }
            return mine;
        }
    }

    /**
     * Takes candidates: locks them (one unordered {@code insertMany}), reads the locked ones again
     * (one {@code find}; a candidate may have been stale when read: committed, moved or retried
     * meanwhile, and then its lock is dropped again), and marks the rest with one bulk of
     * {@code updateOne} by {@code _id} alone (the only filter FerretDB's SQLite backend answers
     * from an index; any other filter scans the collection).
     *
     * <p>The candidates may be more than wanted ({@link #READ_AHEAD}): competing claimers read the
     * same oldest ones, and a claimer that lost some locks the next ones from the same read instead
     * of reading again (a read scans the collection on FerretDB).
     *
     * @param want how many to take at most, 0 for all
     * @param lost receives the ids another claim holds
     * @return the candidates taken, in the given order
     */
    private List<BsonDocument> lockAndMark(String stream, Lease lease, List<BsonDocument> candidates, int want,
                                           Set<BsonValue> lost) {
        List<BsonDocument> taken = new ArrayList<>();
        int next = 0;
        int limit = want == 0 ? candidates.size() : want;
        while (taken.size() < limit && next < candidates.size()) {
            int end = Math.min(candidates.size(), next + limit - taken.size());
            taken.addAll(takeChunk(stream, lease, candidates.subList(next, end), lost));
            next = end;
        }
        return taken;
    }

    /** A claim round: {@link #lockAndMark}; it raced when it took fewer than it wanted of what it read. */
    @Override
    public Round take(String stream, Lease lease, List<BsonDocument> candidates, List<Bson> pending, int want,
                      Set<BsonValue> lockedByOthers) {
        List<BsonDocument> mine = lockAndMark(stream, lease, candidates, want, lockedByOthers);
        return new Round(mine, mine.size() < (want > 0 ? Math.min(want, candidates.size()) : candidates.size()));
    }

    /**
     * The candidates of this store's claims: one read serves many of them, and a read that came up
     * short holds off the next (see {@link CandidateCache}); the store drops entries on its writes.
     */
    @Override
    public CandidateCache cache() {
        return cache;
    }

    /** How many candidates a locking claim reads per one it wants: {@code want * READ_AHEAD + 8}. */
    static final int READ_AHEAD = 3;

    static int readLimit(int want) {
        return want == 0 ? 0 : (int) Math.min(Integer.MAX_VALUE, want * (long) READ_AHEAD + 8);
    }

    private List<BsonDocument> takeChunk(String stream, Lease lease, List<BsonDocument> candidates, Set<BsonValue> lost) {
        List<BsonValue> ids = new ArrayList<>(candidates.size());
        for (BsonDocument c : candidates) {
            ids.add(c.get(Documents.ID));
        }
        Set<BsonValue> locked = new HashSet<>(lock(stream, ids, lease, lost));
        cache.attempted(stream, ids); // taken, held by others or stale: not a candidate any more
        if (locked.isEmpty()) {
            return List.of();
        }
        Bson mark = Updates.combine(Updates.set(Documents.PROCESSED, true), Updates.set(Documents.LEASE_TOKEN, lease.token()),
                Updates.set(Documents.LEASE_OWNER, lease.owner()),
                Updates.set(Documents.LEASE_UNTIL, Documents.date(lease.expiresAt())));
        // read after locking: no Java writer changes a locked document, so this state is current;
        // one find per _id or one for all, whichever this server has been cheaper at (FerretDB's
        // SQLite backend answers {_id: v} from its index but scans the collection for {_id: {$in}})
        Map<BsonValue, BsonDocument> now = new java.util.HashMap<>();
        long started = System.nanoTime();
        if (costs.scanBeatsFinds(locked.size())) {
            buffer.find(Filters.in(Documents.ID, new ArrayList<>(locked))).projection(STATE_FIELDS)
                    .forEach(d -> now.put(d.get(Documents.ID), d));
            costs.scanned(System.nanoTime() - started);
        } else {
            for (BsonValue id : locked) {
                BsonDocument d = buffer.find(Filters.eq(Documents.ID, id)).projection(STATE_FIELDS).first();
                if (d != null) {
                    now.put(id, d);
                }
            }
            costs.foundById(locked.size(), System.nanoTime() - started);
        }
        List<BsonDocument> taken = new ArrayList<>(locked.size());
        List<BsonValue> stale = new ArrayList<>();
        List<WriteModel<BsonDocument>> marks = new ArrayList<>(locked.size());
        for (BsonDocument c : candidates) {
            BsonValue id = c.get(Documents.ID);
            if (!locked.contains(id)) {
                continue;
            }
            BsonDocument current = now.get(id);
            if (current == null || !claimable(current, stream, lease.now())) {
                stale.add(id); // committed, moved or retried since the candidates were read
            } else {
                taken.add(c);
                marks.add(new UpdateOneModel<>(Filters.eq(Documents.ID, id), mark)); // by _id alone: FerretDB's index
            }
        }
        if (!marks.isEmpty()) {
            writeById(marks);
        }
        unlock(lease.token(), stale);
        return taken;
    }

    private static final Bson STATE_FIELDS = Projections.include(Documents.STREAM, Documents.PROCESSED,
            Documents.AVAILABLE_AT);

    private static boolean claimable(BsonDocument was, String stream, Instant now) {
        BsonValue processed = was.get(Documents.PROCESSED);
        Instant availableAt = Documents.instant(was.get(Documents.AVAILABLE_AT));
        return was.isString(Documents.STREAM) && was.getString(Documents.STREAM).getValue().equals(stream)
                && processed != null && processed.isBoolean() && !processed.asBoolean().getValue()
                && (availableAt == null || !availableAt.isAfter(now));
    }

    /**
     * Ends the token's hold on its messages: finds which of them it still holds by its locks, writes
     * those buffer documents by {@code _id} (one unordered bulk), then drops the locks.
     *
     * @param ids   the claim's ids when this store made it, else null (found by the token)
     * @param write the buffer write for one message
     * @return how many messages the token still held
     */
    int finish(String token, List<BsonValue> ids, Function<BsonValue, WriteModel<BsonDocument>> write) {
        List<BsonValue> mine = new ArrayList<>();
        locks.find(held(token, ids)).projection(Projections.include(Documents.ID)).forEach(d -> mine.add(d.get(Documents.ID)));
        if (mine.isEmpty()) {
            return 0;
        }
        List<WriteModel<BsonDocument>> writes = new ArrayList<>(mine.size());
        for (BsonValue id : mine) {
            writes.add(write.apply(id));
        }
        boolean deletes = writes.stream().allMatch(w -> w instanceof com.mongodb.client.model.DeleteOneModel);
        long started = System.nanoTime();
        if (deletes && costs.scanBeatsDeletes(mine.size())) {
            buffer.deleteMany(Filters.in(Documents.ID, mine)); // one transaction instead of one per message
            costs.scanned(System.nanoTime() - started);
        } else {
            writeById(writes);
            if (deletes) {
                costs.deletedById(mine.size(), System.nanoTime() - started);
            }
        }
        unlock(token, mine);
        return mine.size();
    }

    /**
     * Statements per {@code update} command. FerretDB 1.24 keeps each statement's read cursor (and
     * its SQLite connection) open until the whole command is done, and its SQLite pool has 100
     * connections per database: one command of 100 {@code updateOne}s (a window's marks) then waits
     * for a connection nobody frees, and the server hangs for every client of that database. Small
     * commands keep a few consumers well inside the pool.
     */
    static final int UPDATES_PER_COMMAND = 8;

    /** Unordered writes by {@code _id}: deletes in one command, updates in commands of {@link #UPDATES_PER_COMMAND}. */
    private void writeById(List<WriteModel<BsonDocument>> writes) {
        boolean updates = writes.stream().anyMatch(w -> !(w instanceof com.mongodb.client.model.DeleteOneModel));
        int step = updates ? UPDATES_PER_COMMAND : Math.max(1, writes.size());
        for (int from = 0; from < writes.size(); from += step) {
            buffer.bulkWrite(writes.subList(from, Math.min(writes.size(), from + step)), new BulkWriteOptions().ordered(false));
        }
    }

    /** Drops the token's locks (after its buffer writes); {@code ids} narrows the delete when known. */
    void unlock(String token, List<BsonValue> ids) {
        if (ids != null && ids.isEmpty()) {
            return;
        }
        locks.deleteMany(held(token, ids));
    }

    /** The locks decide what is still held; the buffer is written by {@code _id} alone ({@link #finish}). */
    @Override
    public long endHold(String stream, String token, List<BsonValue> ids, Bson update) {
        return finish(token, ids, id -> update == null
                ? new DeleteOneModel<>(Filters.eq(Documents.ID, id)) : new UpdateOneModel<>(Filters.eq(Documents.ID, id), update));
    }

    /** The lock's {@code until} is the lease. */
    @Override
    public boolean renew(String stream, String token, List<BsonValue> ids, Instant until) {
        return locks.updateMany(held(token, ids), Updates.set(UNTIL, Documents.date(until))).getMatchedCount() > 0;
    }

    private static Bson held(String token, List<BsonValue> ids) {
        return ids == null ? Filters.eq(TOKEN, token) : Filters.and(Filters.in(Documents.ID, ids), Filters.eq(TOKEN, token));
    }

    /**
     * What a recovery scan found.
     *
     * @param won         lapsed tokens this store now recovers (marker inserted), with the error to record
     * @param nextExpiry  the soonest live lock expiry seen (or the scan time plus the lease)
     */
    record Scan(Map<String, String> won, Instant nextExpiry) {
    }

    /** Reads the stream's locks soonest-expiring first and claims the recovery of the lapsed ones. */
    private Scan scanExpired(String stream, Instant now, Duration leaseLength, int limit) {
        List<BsonDocument> leased = locks.find(Filters.eq(Documents.STREAM, stream)).sort(Sorts.ascending(UNTIL))
                .limit(limit).projection(Projections.include(TOKEN, OWNER, UNTIL)).into(new ArrayList<>());
        Instant nextExpiry = leased.size() == limit ? now : now.plus(leaseLength);
        Map<String, String> lapsed = new LinkedHashMap<>();
        for (BsonDocument doc : leased) {
            Instant until = Documents.instant(doc.get(UNTIL));
            if (until != null && until.isAfter(now)) {
                nextExpiry = until.isBefore(nextExpiry) ? until : nextExpiry;
                break;
            }
            if (doc.isString(TOKEN)) {
                lapsed.putIfAbsent(doc.getString(TOKEN).getValue(), "lease of "
                        + (doc.isString(OWNER) ? doc.getString(OWNER).getValue() : "?") + " expired at " + until);
            }
        }
        Map<String, String> won = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : lapsed.entrySet()) {
            if (claimRecovery(stream, e.getKey(), now)) {
                won.put(e.getKey(), e.getValue());
            }
        }
        return new Scan(won, nextExpiry);
    }

    private boolean claimRecovery(String stream, String token, Instant now) {
        BsonString id = new BsonString("recover\n" + token);
        for (int attempt = 0; attempt < 2; attempt++) {
            if (insertMarker(new BsonDocument(Documents.ID, id).append(Documents.STREAM, new BsonString(stream))
                    .append(AT, Documents.date(now)))) {
                return true;
            }
            BsonDocument marker = markers.find(Filters.eq(Documents.ID, id)).first();
            Instant at = marker == null ? null : Documents.instant(marker.get(AT));
            if (marker != null && (at == null || !at.plus(STALE_MARKER).isBefore(now))) {
                return false; // another store is recovering it right now
            }
            if (marker != null && markers.deleteOne(Filters.and(Filters.eq(Documents.ID, id), Filters.eq(AT, marker.get(AT))))
                    .getDeletedCount() == 0) {
                return false; // another store took the stale marker over first
            }
        }
        return false;
    }

    /**
     * The lapsed locks are found in {@code minibatch_locks}, and only the store whose recovery
     * marker went in resets a token's messages; no expiry guard is needed on the buffer then, the
     * lock still stands until the reset is done. A token whose commit with state had applied is
     * committed instead ({@link LockTables#decide}).
     */
    @Override
    public int recoverExpired(String stream, Lease lease, Duration leaseLength) {
        Scan scan = scanExpired(stream, lease.now(), leaseLength, RECOVERY_SCAN_LIMIT);
        book.leaseRecovery().scanned(stream, lease.owner(), lease.now(), scan.nextExpiry());
        BsonDateTime now = Documents.date(lease.now());
        int recovered = 0;
        for (Map.Entry<String, String> e : scan.won().entrySet()) {
            LockTables.Decision decision = tables.decide(stream, e.getKey());
            if (decision == LockTables.Decision.COMMIT || decision == LockTables.Decision.COMMIT_KEEP) {
                store.commit(stream, e.getKey(), decision == LockTables.Decision.COMMIT_KEEP); // applied by a consumer that died
                recovered(e.getKey());
                tables.settled(e.getKey());
                continue;
            }
            Bson reset = Updates.combine(Updates.set(Documents.PROCESSED, false), Updates.set(Documents.AVAILABLE_AT, now),
                    Updates.set(Documents.ERROR, e.getValue()), Updates.inc(Documents.ATTEMPTS, 1),
                    Updates.unset(Documents.LEASE_TOKEN), Updates.unset(Documents.LEASE_OWNER),
                    Updates.unset(Documents.LEASE_UNTIL));
            book.windows().delete(e.getKey());
            cache.changed(stream);
            recovered += recover(e.getKey(), id -> new UpdateOneModel<>(Filters.eq(Documents.ID, id), reset));
            book.ended(e.getKey());
            if (decision == LockTables.Decision.RETRY) {
                tables.settled(e.getKey());
            }
            LOG.debug("stream '{}': {}; messages are pending again", stream, e.getValue());
        }
        return recovered;
    }

    /** Half-done table commits are settled by the recovery of their leases ({@link #recoverExpired}). */
    @Override
    public void beforeClaim(String stream, Instant now) {
    }

    /** Nothing to do: see {@link #beforeClaim}. */
    @Override
    public void recoverTables(String stream, Instant now) {
    }

    /**
     * Append, then commit: the outputs' ids derive from their inputs ({@link IdempotentAppends}),
     * so a retried window stores each output once.
     */
    @Override
    public int commitAndAppend(String stream, String token, boolean keep, int expected, Map<String, List<NewMessage>> appends,
                               Instant now) {
        appends.forEach(store::append);
        return store.commit(stream, token, keep);
    }

    /**
     * Recovers a lapsed token whose marker this store inserted: writes each locked message by
     * {@code _id}, then drops the locks and the marker.
     *
     * @return how many messages were written
     */
    private int recover(String token, Function<BsonValue, WriteModel<BsonDocument>> reset) {
        int n = finish(token, null, reset);
        recovered(token);
        return n;
    }

    /** Drops the recovery marker of a token whose messages this store wrote otherwise (committed them). */
    private void recovered(String token) {
        markers.deleteOne(Filters.eq(Documents.ID, new BsonString("recover\n" + token)));
    }

    /** How many messages the token still holds by its locks (one {@code find}). */
    int heldCount(String token, List<BsonValue> ids) {
        int[] n = {0};
        locks.find(held(token, ids)).projection(Projections.include(Documents.ID)).forEach(d -> n[0]++);
        return n[0];
    }

    /**
     * Compare-and-set of the stream's {@code last_read}: a read, a marker insert and (for the
     * winner) the write; see the class comment.
     */
    @Override
    public boolean compareAndSetLastRead(MongoCollection<BsonDocument> streams, String stream, Instant expected, Instant next,
                                         Instant now) {
        BsonDocument doc = streams.find(Filters.eq(Documents.NAME, stream)).projection(Projections.include(Documents.LAST_READ))
                .first();
        if (doc == null) {
            return false;
        }
        Instant current = Documents.instant(doc.get(Documents.LAST_READ));
        boolean currentMissing = doc.get(Documents.LAST_READ) == null || doc.get(Documents.LAST_READ).isNull();
        if (expected == null ? !currentMissing : !expected.equals(current)) {
            return false;
        }
        pruneMarkers(stream, now);
        BsonValue expectedValue = expected == null ? BsonNull.VALUE : Documents.date(expected);
        BsonString id = new BsonString("last_read\n" + stream + "\n" + (expected == null ? "null" : expected.toEpochMilli()));
        if (insertMarker(new BsonDocument(Documents.ID, id).append(Documents.STREAM, new BsonString(stream))
                .append(NEXT, Documents.date(next)).append(AT, Documents.date(now)))) {
            streams.updateOne(Filters.eq(Documents.NAME, stream), Updates.set(Documents.LAST_READ, Documents.date(next)));
            return true;
        }
        // lost: complete the winner's move in case it died between its marker and its write
        BsonDocument marker = markers.find(Filters.eq(Documents.ID, id)).first();
        if (marker != null && marker.isDateTime(NEXT)) {
            streams.updateOne(Filters.and(Filters.eq(Documents.NAME, stream), Filters.eq(Documents.LAST_READ, expectedValue)),
                    Updates.set(Documents.LAST_READ, marker.get(NEXT)));
        }
        return false;
    }

    private void pruneMarkers(String stream, Instant now) {
        Instant pruned = lastPrune.get(stream);
        if (pruned == null || now.isBefore(pruned) || !now.isBefore(pruned.plus(PRUNE_EVERY))) {
            lastPrune.put(stream, now);
            markers.deleteMany(Filters.and(Filters.eq(Documents.STREAM, stream), Filters.lt(AT, Documents.date(now.minus(MARKER_AGE)))));
        }
    }

    /** Inserts a marker; false when it exists (any duplicate-key answer, however the server phrases it). */
    private boolean insertMarker(BsonDocument marker) {
        try {
            markers.insertOne(marker);
            return true;
        } catch (MongoWriteException e) {
            if (e.getError().getCategory() == ErrorCategory.DUPLICATE_KEY) {
                return false;
            }
            throw e;
        }
    }
}
