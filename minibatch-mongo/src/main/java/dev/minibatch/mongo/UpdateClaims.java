package dev.minibatch.mongo;

import static dev.minibatch.mongo.Documents.ATTEMPTS;
import static dev.minibatch.mongo.Documents.AVAILABLE_AT;
import static dev.minibatch.mongo.Documents.ERROR;
import static dev.minibatch.mongo.Documents.ID;
import static dev.minibatch.mongo.Documents.LAST_READ;
import static dev.minibatch.mongo.Documents.LEASE_OWNER;
import static dev.minibatch.mongo.Documents.LEASE_TOKEN;
import static dev.minibatch.mongo.Documents.LEASE_UNTIL;
import static dev.minibatch.mongo.Documents.NAME;
import static dev.minibatch.mongo.Documents.PROCESSED;
import static dev.minibatch.mongo.Documents.STREAM;
import static dev.minibatch.mongo.Documents.date;
import static dev.minibatch.mongo.Documents.instant;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Projections;
import com.mongodb.client.model.Sorts;
import com.mongodb.client.model.Updates;
import dev.minibatch.spi.store.CommitEffects;
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
import org.bson.BsonDateTime;
import org.bson.BsonDocument;
import org.bson.BsonObjectId;
import org.bson.BsonValue;
import org.bson.conversions.Bson;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Guarded-update claims, the default ({@link MongoStoreOptions.ClaimMode#UPDATE}): candidates are
 * taken with one {@code updateMany({_id: {$in: ids}, processed: false, …}, {$set: {processed: true,
 * lease_token: …}})}, which re-checks {@code processed: false} per document, so a message goes to at
 * most one token even when claimers race; every later write (commit, renew, release, recovery)
 * is one command by {@code _id} and token. Tables and stage outputs commit by the window-id
 * protocol of {@link MongoTables}. Thread-safe.
 */
final class UpdateClaims implements ClaimProtocol {

    private static final Logger LOG = LoggerFactory.getLogger(MongoStore.class); // the store's log, as before the split

    private final MongoStore store;
    private final MongoCollection<BsonDocument> buffer;
    private final ClaimBook book;
    private final CandidateCache cache = new CandidateCache(false, UpdateClaims::readLimit, nanos -> { });
    /** Tables: state documents guarded by window ids; its recovery runs on claims. */
    private final MongoTables tables;

    UpdateClaims(MongoStore store, MongoDatabase database, MongoCollection<BsonDocument> buffer, ClaimBook book) {
        this.store = store;
        this.buffer = buffer;
        this.book = book;
        this.tables = new MongoTables(store, database, buffer, book.windows().collectionOrNull());
    }

    /**
     * Candidates one guarded-update scan reads for a claim of {@code want}: twenty windows' worth,
     * at most 5,000 (at least one window). More is read than taken, never claimed: the rest waits
     * in the cache for the next claims.
     */
    static int readLimit(int want) {
        return (int) Math.max(want, Math.min(want * 20L, CandidateCache.SCAN_LIMIT));
    }

    @Override
    public MongoStoreOptions.ClaimMode mode() {
        return MongoStoreOptions.ClaimMode.UPDATE;
    }

    @Override
    public CandidateCache cache() {
        return cache;
    }

    @Override
    public void createIndexes() {
        // the buffer's indexes serve these claims
    }

    @Override
    public TableProtocol tables() {
        return tables;
    }

    @Override
    public Round take(String stream, Lease lease, List<BsonDocument> candidates, List<Bson> pending, int want,
                      Set<BsonValue> lockedByOthers) {
        List<BsonValue> ids = new ArrayList<>(candidates.size());
        for (BsonDocument c : candidates) {
            ids.add(c.get(ID));
        }
        Bson take = Updates.combine(Updates.set(PROCESSED, true), Updates.set(LEASE_TOKEN, lease.token()),
                Updates.set(LEASE_OWNER, lease.owner()), Updates.set(LEASE_UNTIL, date(lease.expiresAt())));
        // re-checks every precondition per document: a message goes to at most one token
        List<Bson> guard = new ArrayList<>(idRange(ids));
        guard.addAll(pending);
        guard.add(Filters.in(ID, ids));
        long got = buffer.updateMany(Filters.and(guard), take).getModifiedCount();
        cache.attempted(stream, ids);
        if (got < candidates.size()) {
            cache.changed(stream); // read ahead of a competitor: read afresh
        }
        List<BsonDocument> taken = new ArrayList<>();
        if (got == candidates.size()) {
            taken.addAll(candidates);
        } else if (got > 0) {
            // lost some to a competitor (never in steady state): which ones are ours?
            Set<BsonValue> mine = ownedAmong(ids, lease.token());
            for (BsonDocument c : candidates) {
                if (mine.contains(c.get(ID))) {
                    taken.add(c);
                }
            }
        }
        return new Round(taken, got < candidates.size());
    }

    /** Which of the ids the token holds now. */
    private Set<BsonValue> ownedAmong(List<BsonValue> ids, String token) {
        Set<BsonValue> mine = new HashSet<>();
        buffer.find(Filters.and(Filters.in(ID, ids), Filters.eq(LEASE_TOKEN, token), Filters.eq(PROCESSED, true)))
                .projection(Projections.include(ID)).forEach(d -> mine.add(d.get(ID)));
        return mine;
    }

    /**
     * {@code _id} between the smallest and largest of the ids (ObjectIds only), tested before the
     * {@code $in}: redundant for a server with indexes, but a server without them (the wire
     * emulator) then rejects almost every document with two comparisons instead of a list search.
     */
    private static List<Bson> idRange(List<BsonValue> ids) {
        BsonObjectId min = null;
        BsonObjectId max = null;
        for (BsonValue id : ids) {
            if (!id.isObjectId()) {
                return List.of();
            }
            BsonObjectId oid = id.asObjectId();
            min = min == null || oid.compareTo(min) < 0 ? oid : min;
            max = max == null || oid.compareTo(max) > 0 ? oid : max;
        }
        return min == null ? List.of() : List.of(Filters.gte(ID, min), Filters.lte(ID, max));
    }

    /** One command by {@code _id} and token. */
    @Override
    public long endHold(String stream, String token, List<BsonValue> ids, Bson update) {
        Bson held = heldBy(stream, token, ids);
        return update == null ? buffer.deleteMany(held).getDeletedCount() : buffer.updateMany(held, update).getMatchedCount();
    }

    @Override
    public boolean renew(String stream, String token, List<BsonValue> ids, Instant expiresAt) {
        return buffer.updateMany(heldBy(stream, token, ids), Updates.set(LEASE_UNTIL, date(expiresAt))).getMatchedCount() > 0;
    }

    /** Messages of the stream still held by the token (a lease counts only while processed: true). */
    private static Bson claimedBy(String stream, String token) {
        return Filters.and(Filters.eq(STREAM, stream), Filters.eq(LEASE_TOKEN, token), Filters.eq(PROCESSED, true));
    }

    /**
     * {@link #claimedBy}, narrowed to the ids the claim took when this store made it, so servers
     * with indexes find them by {@code _id}; the token guard alone decides what still counts.
     */
    private static Bson heldBy(String stream, String token, List<BsonValue> ids) {
        return ids == null ? claimedBy(stream, token)
                : Filters.and(Filters.eq(LEASE_TOKEN, token), Filters.eq(STREAM, stream), Filters.eq(PROCESSED, true),
                        Filters.in(ID, ids)); // the token first: servers without indexes test it first
    }

    /**
     * One token at a time, so the error names the owner that lost it. Each update re-checks that
     * the lease is still expired, so a renewal racing with it wins. The scan reads live leases
     * soonest-expiring first, so it also learns when the next one can lapse.
     */
    @Override
    public int recoverExpired(String stream, Lease lease, Duration leaseLength) {
        BsonDateTime now = date(lease.now());
        List<BsonDocument> leased = buffer.find(Filters.and(Filters.eq(STREAM, stream), Filters.eq(PROCESSED, true),
                        Filters.exists(LEASE_UNTIL)))
                .sort(Sorts.ascending(LEASE_UNTIL)).limit(RECOVERY_SCAN_LIMIT)
                .projection(Projections.include(LEASE_TOKEN, LEASE_OWNER, LEASE_UNTIL)).into(new ArrayList<>());
        Map<String, String> expired = new LinkedHashMap<>();
        Instant nextExpiry = leased.size() == RECOVERY_SCAN_LIMIT ? lease.now() : lease.now().plus(leaseLength);
        for (BsonDocument doc : leased) {
            Instant until = instant(doc.get(LEASE_UNTIL));
            if (until != null && until.isAfter(lease.now())) {
                nextExpiry = until.isBefore(nextExpiry) ? until : nextExpiry;
                break;
            }
            if (doc.isString(LEASE_TOKEN)) {
                expired.putIfAbsent(doc.getString(LEASE_TOKEN).getValue(),
                        "lease of " + (doc.isString(LEASE_OWNER) ? doc.getString(LEASE_OWNER).getValue() : "?")
                                + " expired at " + until);
            }
        }
        book.leaseRecovery().scanned(stream, lease.owner(), lease.now(), nextExpiry);
        int recovered = 0;
        for (Map.Entry<String, String> e : expired.entrySet()) {
            recovered += (int) buffer.updateMany(Filters.and(claimedBy(stream, e.getKey()), Filters.lte(LEASE_UNTIL, now)),
                    Updates.combine(Updates.set(PROCESSED, false), Updates.set(AVAILABLE_AT, now),
                            Updates.set(ERROR, e.getValue()), Updates.inc(ATTEMPTS, 1),
                            Updates.unset(LEASE_TOKEN), Updates.unset(LEASE_OWNER), Updates.unset(LEASE_UNTIL)))
                    .getModifiedCount();
            book.ended(e.getKey());
            book.windows().delete(e.getKey());
            LOG.debug("stream '{}': {}; messages are pending again", stream, e.getValue());
        }
        if (recovered > 0) {
            cache.changed(stream); // older than what the cache holds: read them first
        }
        return recovered;
    }

    @Override
    public void beforeClaim(String stream, Instant now) {
        if (tables.inUse(stream)) {
            tables.recover(stream, now); // half-done table and stage commits of dead consumers; ~1/s
        }
    }

    @Override
    public void recoverTables(String stream, Instant now) {
        tables.recover(stream, now);
    }

    /** One guarded {@code updateOne}: the filter is re-checked atomically here. */
    @Override
    public boolean compareAndSetLastRead(MongoCollection<BsonDocument> streams, String stream, Instant expected,
                                         Instant next, Instant now) {
        return streams.updateOne(
                Filters.and(Filters.eq(NAME, stream), Filters.eq(LAST_READ, expected == null ? null : date(expected))),
                Updates.set(LAST_READ, date(next))).getMatchedCount() == 1;
    }

    /** Stage outputs with the inputs' commit, exactly once by the same window-id protocol as tables ({@link MongoTables}). */
    @Override
    public int commitAndAppend(String stream, String token, boolean keep, int expected, Map<String, List<NewMessage>> appends,
                               Instant now) {
        return store.commitWithState(stream, token, keep, expected, CommitEffects.appendsOnly(appends, now));
    }
}
