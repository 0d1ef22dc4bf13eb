package dev.minibatch.mongo;

import com.mongodb.client.MongoCollection;
import dev.minibatch.spi.store.Lease;
import dev.minibatch.spi.store.NewMessage;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bson.BsonDocument;
import org.bson.BsonValue;
import org.bson.conversions.Bson;

/**
 * How a {@link MongoStore} makes claims atomic without transactions — the operations in which its
 * two protocols differ. Chosen once when the store opens ({@link MongoStoreOptions.ClaimMode}):
 * <ul>
 *   <li>{@link UpdateClaims}: one guarded {@code updateMany} re-checks every precondition per
 *       document (MongoDB, the wire emulator);</li>
 *   <li>{@link LockClaims}: unique-key inserts of lock documents decide, for servers whose filtered
 *       updates are not atomic under concurrency (FerretDB 1.x).</li>
 * </ul>
 * The claim lifecycle common to both (candidates, top-up rounds, window documents, the ids of live
 * claims) is {@link Claims}. Implementations are thread-safe; they throw the driver's exceptions,
 * which the store names.
 */
interface ClaimProtocol {

    /** Expired leases handled per recovery scan; more are found by the next one. */
    int RECOVERY_SCAN_LIMIT = 1_000;

    /** {@code UPDATE} or {@code LOCKS}, never {@code AUTO}. */
    MongoStoreOptions.ClaimMode mode();

    /** The candidates read ahead for claims, this protocol's size and cost model. */
    CandidateCache cache();

    /** This protocol's own indexes (where the server uses secondary indexes at all). */
    void createIndexes();

    /** How this store keeps tables with these claims. */
    TableProtocol tables();

    /**
     * What one claim round took.
     *
     * @param taken the candidates now held by the lease's token
     * @param raced whether competitors took some of what the round wanted (then a claim may top up)
     */
    record Round(List<BsonDocument> taken, boolean raced) {
    }

    /**
     * Takes candidates for the lease.
     *
     * @param pending        the filter of a claimable message of this claim (stream, state, selection)
     * @param want           how many the claim still wants, 0 for all
     * @param lockedByOthers receives ids a competing claim holds, so the next read skips them
     */
    Round take(String stream, Lease lease, List<BsonDocument> candidates, List<Bson> pending, int want,
               Set<BsonValue> lockedByOthers);

    /**
     * Applies {@code update} (null: delete) to the messages the token still holds.
     *
     * @param ids the claim's ids when this store made it, else null (found by the token)
     * @return how many messages the token held
     */
    long endHold(String stream, String token, List<BsonValue> ids, Bson update);

    /** Moves the token's lease; false when it holds nothing any more. */
    boolean renew(String stream, String token, List<BsonValue> ids, Instant expiresAt);

    /**
     * Makes messages whose lease lapsed PENDING again ({@code attempts + 1}, window document
     * deleted), or commits them where a dead consumer's commit had already applied.
     *
     * @return how many messages were made pending again
     */
    int recoverExpired(String stream, Lease lease, Duration leaseLength);

    /** On each claim with recovery on: settle half-done table and stage commits of dead consumers, if this protocol needs it. */
    void beforeClaim(String stream, Instant now);

    /** {@link dev.minibatch.spi.store.TableStore#recoverTables}. */
    void recoverTables(String stream, Instant now);

    /** The stream's {@code last_read} moves from {@code expected} to {@code next} for one caller only. */
    boolean compareAndSetLastRead(MongoCollection<BsonDocument> streams, String stream, Instant expected, Instant next,
                                  Instant now);

    /** {@link dev.minibatch.spi.store.TransactionalAppend#commitAndAppend}, through the store's public operations. */
    int commitAndAppend(String stream, String token, boolean keep, int expected, Map<String, List<NewMessage>> appends,
                        Instant now);
}
