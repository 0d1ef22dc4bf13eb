package dev.minibatch.mongo;

import static dev.minibatch.mongo.Documents.CANDIDATE_FIELDS;
import static dev.minibatch.mongo.Documents.ORDER;
import static dev.minibatch.mongo.Documents.addSelection;
import static dev.minibatch.mongo.Documents.instantOrEpoch;
import static dev.minibatch.mongo.Documents.ATTEMPTS;
import static dev.minibatch.mongo.Documents.AVAILABLE_AT;
import static dev.minibatch.mongo.Documents.CREATED;
import static dev.minibatch.mongo.Documents.DEFAULT_INTERVAL_SECONDS;
import static dev.minibatch.mongo.Documents.ERROR;
import static dev.minibatch.mongo.Documents.ID;
import static dev.minibatch.mongo.Documents.LEASE_OWNER;
import static dev.minibatch.mongo.Documents.LEASE_TOKEN;
import static dev.minibatch.mongo.Documents.LEASE_UNTIL;
import static dev.minibatch.mongo.Documents.PROCESSED;
import static dev.minibatch.mongo.Documents.STREAM;
import static dev.minibatch.mongo.Documents.date;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import dev.minibatch.model.Message;
import dev.minibatch.model.MessageState;
import dev.minibatch.spi.store.Claim;
import dev.minibatch.spi.store.Lease;
import dev.minibatch.spi.store.Selection;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.bson.BsonDateTime;
import org.bson.BsonDocument;
import org.bson.BsonValue;
import org.bson.conversions.Bson;

/**
 * The claim lifecycle both protocols share: a claim reads candidates (through the protocol's
 * {@link CandidateCache}), lets the {@link ClaimProtocol} take them in up to
 * {@value #MAX_CLAIM_ROUNDS} top-up rounds, gives an all-or-nothing claim back when it falls short,
 * writes the window document; commit, release, dead letter and renewal say what happens to the
 * messages and the protocol writes it. Expired leases are looked for off the hot path
 * ({@link LeaseRecovery}). Thread-safe; the caller turns driver failures into
 * {@code StoreException}s.
 */
final class Claims {

    /** Rounds a claim may top up after losing candidates to competitors, before settling. */
    private static final int MAX_CLAIM_ROUNDS = 8;

    private final MongoCollection<BsonDocument> buffer;
    private final ClaimProtocol protocol;
    private final ClaimBook book;
    private final StreamCatalog catalog;
    private final boolean recovery;

    Claims(MongoCollection<BsonDocument> buffer, ClaimProtocol protocol, ClaimBook book, StreamCatalog catalog,
           boolean recovery) {
        this.buffer = buffer;
        this.protocol = protocol;
        this.book = book;
        this.catalog = catalog;
        this.recovery = recovery;
    }

    /**
     * Steady state, one or two commands with guarded updates: the take, and a candidate
     * {@code find} (oldest first, only the fields a message needs) when the candidates read ahead
     * by an earlier one ran out. Expired leases are looked for at most once per lease/4 per
     * consumer, and at once when a claim comes up short while a lease may have expired.
     */
    Claim claim(String stream, Selection selection, Lease lease) {
        LeaseRecovery leaseRecovery = book.leaseRecovery();
        BsonDateTime now = date(lease.now());
        Duration leaseLength = Duration.between(lease.now(), lease.expiresAt());
        boolean recovered = false;
        if (recovery && leaseRecovery.periodicDue(stream, lease.owner(), lease.now(), leaseLength)) {
            protocol.recoverExpired(stream, lease, leaseLength);
            recovered = true;
        }
        if (recovery) {
            protocol.beforeClaim(stream, lease.now());
        }
        List<Bson> pending = new ArrayList<>();
        pending.add(Filters.eq(STREAM, stream));
        pending.add(Filters.eq(PROCESSED, false));
        // Python's documents lack available_at: missing means available now
        pending.add(Filters.not(Filters.gt(AVAILABLE_AT, now)));
        addSelection(pending, selection);
        Bson candidatesFilter = Filters.and(pending);
        int limit = selection.limit();
        List<BsonDocument> taken = new ArrayList<>();
        Set<BsonValue> lockedByOthers = new HashSet<>();
        for (int round = 0; round < MAX_CLAIM_ROUNDS; round++) {
            int want = limit == 0 ? 0 : limit - taken.size();
            if (!lockedByOthers.isEmpty()) {
                // locked but maybe not yet marked processed: do not read them again
                candidatesFilter = Filters.and(Filters.and(pending), Filters.nin(ID, lockedByOthers));
            }
            List<BsonDocument> candidates = candidates(stream, selection, candidatesFilter, want, lease.now());
            boolean shortOfWork = limit == 0 || candidates.size() < want;
            if (round == 0 && shortOfWork && recovery && !recovered
                    && leaseRecovery.mayHaveExpired(stream, lease.now())) {
                recovered = true;
                if (protocol.recoverExpired(stream, lease, leaseLength) > 0) {
                    // recovered messages may be among them
                    candidates = candidates(stream, selection, candidatesFilter, want, lease.now());
                }
            }
            if (round == 0 && candidates.size() < selection.minCount()) {
                return new Claim(lease, List.of()); // not enough, and nothing taken yet
            }
            if (candidates.isEmpty()) {
                break;
            }
            ClaimProtocol.Round got = protocol.take(stream, lease, candidates, pending, want, lockedByOthers);
            taken.addAll(got.taken());
            boolean exhausted = want > 0 && candidates.size() < want;
            if (limit == 0 || taken.size() >= limit || exhausted || !got.raced()) {
                break;
            }
        }
        if (taken.isEmpty()) {
            return new Claim(lease, List.of());
        }
        if (taken.size() < selection.minCount()) {
            giveBack(stream, lease.token()); // competitors took part of it: all or nothing
            return new Claim(lease, List.of());
        }
        taken.sort(Comparator.comparing((BsonDocument d) -> instantOrEpoch(d.get(CREATED)))
                .thenComparing(d -> d.get(ID), Documents::compareIds));
        List<Message> messages = new ArrayList<>(taken.size());
        List<BsonValue> takenIds = new ArrayList<>(taken.size());
        for (BsonDocument doc : taken) {
            messages.add(Documents.message(doc, stream, MessageState.CLAIMED));
            takenIds.add(doc.get(ID));
        }
        book.claimed(lease.token(), takenIds);
        leaseRecovery.claimed(stream, lease.expiresAt());
        book.windows().write(stream, selection, lease, taken, messages, e -> giveBackAndThrow(stream, lease.token(), e));
        return new Claim(lease, messages);
    }

    /** A claim's candidates: usually none, one {@code find} in many claims (see {@link CandidateCache}). */
    private List<BsonDocument> candidates(String stream, Selection selection, Bson filter, int want, Instant now) {
        return protocol.cache().forClaim(stream, selection, want, now,
                limit -> buffer.find(filter).sort(ORDER).limit(limit).projection(CANDIDATE_FIELDS).into(new ArrayList<>()));
    }

    private void giveBackAndThrow(String stream, String token, RuntimeException e) {
        try {
            giveBack(stream, token);
        } catch (RuntimeException suppressed) {
            e.addSuppressed(suppressed);
        }
        throw e;
    }

    /** Clean give-back of a claim: PENDING again, no attempt counted. */
    private void giveBack(String stream, String token) {
        protocol.cache().changed(stream);
        protocol.endHold(stream, token, book.ended(token), Updates.combine(Updates.set(PROCESSED, false),
                Updates.unset(LEASE_TOKEN), Updates.unset(LEASE_OWNER), Updates.unset(LEASE_UNTIL)));
    }

    /** The ids the token's claim took, forgotten here: a commit with table state ends the claim. */
    List<BsonValue> ended(String token) {
        return book.ended(token);
    }

    boolean renew(String stream, String token, Instant expiresAt) {
        return protocol.renew(stream, token, book.ids(token), expiresAt);
    }

    /** Deleted, or with {@code keep} left {@code processed: true} without lease fields (Python's end state). */
    int commit(String stream, String token, boolean keep) {
        List<BsonValue> ids = book.ended(token);
        long n;
        if (keep) {
            n = protocol.endHold(stream, token, ids, Updates.combine(Updates.unset(LEASE_TOKEN),
                    Updates.unset(LEASE_OWNER), Updates.unset(LEASE_UNTIL), Updates.unset(AVAILABLE_AT)));
            book.windows().keep(token);
        } else {
            n = protocol.endHold(stream, token, ids, null);
            book.windows().delete(token);
        }
        return (int) n;
    }

    int release(String stream, String token, Instant availableAt, String error) {
        List<Bson> updates = new ArrayList<>(List.of(Updates.set(PROCESSED, false),
                Updates.set(AVAILABLE_AT, date(availableAt)),
                Updates.unset(LEASE_TOKEN), Updates.unset(LEASE_OWNER), Updates.unset(LEASE_UNTIL)));
        if (error != null) {
            updates.add(Updates.inc(ATTEMPTS, 1));
            updates.add(Updates.set(ERROR, error));
        }
        protocol.cache().changed(stream, availableAt); // and read again when the retry is due
        long n = protocol.endHold(stream, token, book.ended(token), Updates.combine(updates));
        book.windows().delete(token);
        return (int) n;
    }

    int deadLetter(String stream, String token, String deadStream, String error, Instant now) {
        catalog.ensure(deadStream, Duration.ofSeconds(DEFAULT_INTERVAL_SECONDS), now, false);
        protocol.cache().changed(deadStream);
        // one update per document moves it, error and attempt included: never in both streams
        long n = protocol.endHold(stream, token, book.ended(token), Updates.combine(
                Updates.set(STREAM, deadStream), Updates.set(PROCESSED, false),
                Updates.set(ERROR, error == null ? "dead-lettered" : error), Updates.inc(ATTEMPTS, 1),
                Updates.unset(AVAILABLE_AT), Updates.unset(LEASE_TOKEN), Updates.unset(LEASE_OWNER),
                Updates.unset(LEASE_UNTIL)));
        book.windows().delete(token);
        return (int) n;
    }
}
