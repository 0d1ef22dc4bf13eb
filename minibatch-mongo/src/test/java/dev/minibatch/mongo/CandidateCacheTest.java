package dev.minibatch.mongo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.minibatch.spi.store.Selection;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import org.bson.BsonDocument;
import org.bson.BsonObjectId;
import org.bson.types.ObjectId;
import org.junit.jupiter.api.Test;

/** The read-ahead bookkeeping alone: what is served from a read, and how much is held. */
class CandidateCacheTest {

    private static final Instant NOW = Instant.parse("2025-01-01T10:00:00Z");

    private static List<BsonDocument> docs(int n) {
        List<BsonDocument> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new BsonDocument(Documents.ID, new BsonObjectId(new ObjectId())));
        }
        return out;
    }

    @Test
    void aReadServesTheFollowingClaimsAndAttemptedCandidatesAreNotHandedOutAgain() {
        CandidateCache cache = new CandidateCache(false, UpdateClaims::readLimit, nanos -> { });
        AtomicInteger reads = new AtomicInteger();
        Selection window = Selection.pending().limit(100).minCount(100);
        List<BsonDocument> pending = docs(1_000);
        List<BsonDocument> first = cache.forClaim("s", window, 100, NOW, limit -> {
            reads.incrementAndGet();
            return pending.subList(0, Math.min(limit, pending.size()));
        });
        assertThat(first).hasSize(100).containsExactlyElementsOf(pending.subList(0, 100));
        cache.attempted("s", first.stream().map(d -> d.get(Documents.ID)).toList());
        List<BsonDocument> second = cache.forClaim("s", window, 100, NOW, limit -> {
            reads.incrementAndGet();
            return List.of();
        });
        assertThat(second).containsExactlyElementsOf(pending.subList(100, 200));
        assertThat(reads).hasValue(1);
        cache.changed("s"); // e.g. this store appended: read afresh
        cache.forClaim("s", window, 100, NOW, limit -> {
            reads.incrementAndGet();
            return pending.subList(200, 300);
        });
        assertThat(reads).hasValue(2);
    }

    @Test
    void aReleaseWithARetryDelayMakesTheFirstClaimAfterTheDelayReadAgain() {
        CandidateCache cache = new CandidateCache(false, UpdateClaims::readLimit, nanos -> { });
        AtomicInteger reads = new AtomicInteger();
        Selection window = Selection.pending().limit(10).minCount(10);
        IntFunction<List<BsonDocument>> scan = limit -> {
            reads.incrementAndGet();
            return docs(limit);
        };
        cache.changed("s", NOW.plusMillis(500)); // released, available again in half a second
        cache.forClaim("s", window, 10, NOW, scan);
        cache.forClaim("s", window, 10, NOW.plusMillis(100), scan);
        assertThat(reads).as("before the retry is due: served from the read").hasValue(1);
        cache.forClaim("s", window, 10, NOW.plusMillis(500), scan);
        assertThat(reads).as("the retry is due: read again, so it comes in its place in the order").hasValue(2);
        cache.forClaim("s", window, 10, NOW.plusMillis(600), scan);
        assertThat(reads).hasValue(2);
    }

    @Test
    void aSweepOverManyKeysHoldsAtMostTheCap() {
        CandidateCache cache = new CandidateCache(false, UpdateClaims::readLimit, nanos -> { });
        for (int k = 0; k < 60; k++) {
            Selection window = Selection.pending().limit(100).minCount(100).key("key-" + k);
            List<BsonDocument> got = cache.forClaim("s", window, 100, NOW, limit -> docs(limit));
            assertThat(got).hasSize(100);
        }
        assertThat(cache.held()).isLessThanOrEqualTo(CandidateCache.MAX_CACHED).isGreaterThan(CandidateCache.MAX_CACHED / 2);
    }
}
