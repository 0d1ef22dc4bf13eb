package dev.minibatch.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.minibatch.model.Message;
import dev.minibatch.model.MessageState;
import dev.minibatch.model.StreamInfo;
import dev.minibatch.model.StreamStats;
import dev.minibatch.internal.Json;
import dev.minibatch.spi.store.Claim;
import dev.minibatch.spi.store.Lease;
import dev.minibatch.spi.store.NewMessage;
import dev.minibatch.spi.store.Selection;
import dev.minibatch.spi.store.StreamStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The contract every {@link StreamStore} keeps. A back end passes it by extending this class and
 * returning a fresh, empty store from {@link #createStore()}:
 *
 * <pre>{@code
 * class MyStoreContractTest extends StreamStoreContract {
 *     protected StreamStore createStore() { return new MyStore(...); }
 * }
 * }</pre>
 *
 * Covers append order, claim exclusivity under concurrent claimers, all-or-nothing claims, lease
 * expiry and renewal, lost leases, commit (delete or keep), release with and without an attempt,
 * dead letters, {@code lastRead} compare-and-set, stats, expiry and clearing. Persistent stores
 * also extend {@link PersistentStoreContract}.
 */
public abstract class StreamStoreContract {

    /** A fixed, round start time for readable failures. */
    protected static final Instant T0 = Instant.parse("2025-01-01T10:00:00Z");

    /** The store under test, new for each test. */
    protected StreamStore store;

    /**
     * A new, empty store; closed after each test.
     *
     * @return the store
     * @throws Exception if it cannot be created
     */
    protected abstract StreamStore createStore() throws Exception;

    @BeforeEach
    void openStore() throws Exception {
        store = createStore();
    }

    @AfterEach
    void closeStore() {
        if (store != null) {
            store.close();
        }
    }

    /**
     * The store under test (for the capability contracts: {@link KeyedStoreContract}, {@link TransactionalAppendContract}).
     *
     * @return the store
     */
    public StreamStore contractStore() {
        return store;
    }

    // ---- helpers ------------------------------------------------------------------------------

    /**
     * A message {@code {"n": n}} created at {@code created}.
     *
     * @param created the creation time
     * @param n the number
     * @return the message
     */
    protected static NewMessage message(Instant created, int n) {
        ObjectNode data = Json.mapper().createObjectNode().put("n", n);
        return NewMessage.ofTree(created, data, 0, null);
    }

    /**
     * Messages {@code {"n": i}} for i in [from, from + count), created at {@code created}.
     *
     * @param created the creation time
     * @param from the first number
     * @param count how many messages
     * @return the messages
     */
    protected static List<NewMessage> messages(Instant created, int from, int count) {
        List<NewMessage> out = new ArrayList<>();
        for (int i = from; i < from + count; i++) {
            out.add(message(created, i));
        }
        return out;
    }

    /**
     * The {@code n} fields of messages.
     *
     * @param messages the messages
     * @return their numbers, in order
     */
    protected static List<Integer> numbers(List<Message> messages) {
        List<Integer> out = new ArrayList<>();
        for (Message m : messages) {
            out.add(m.data().get("n").asInt());
        }
        return out;
    }

    /**
     * A new lease from {@code now} for {@code duration}.
     *
     * @param now the claim's time
     * @param duration how long the lease lasts
     * @return the lease
     */
    protected static Lease lease(Instant now, Duration duration) {
        return new Lease(UUID.randomUUID().toString(), "contract-test", now, now.plus(duration));
    }

    /**
     * A new 30-second lease from {@code now}.
     *
     * @param now the claim's time
     * @return the lease
     */
    protected static Lease lease(Instant now) {
        return lease(now, Duration.ofSeconds(30));
    }

    /**
     * The integers in [from, to).
     *
     * @param from the first
     * @param to the end, excluded
     * @return the integers, in order
     */
    protected static List<Integer> range(int from, int to) {
        List<Integer> out = new ArrayList<>();
        for (int i = from; i < to; i++) {
            out.add(i);
        }
        return out;
    }

    // ---- streams ------------------------------------------------------------------------------

    @Test
    void openStreamCreatesOnceAndReportsIt() {
        StreamInfo first = store.openStream("s1", Duration.ofSeconds(10), T0);
        StreamInfo again = store.openStream("s1", Duration.ofSeconds(99), T0.plusSeconds(5));
        assertEquals("s1", first.name());
        assertEquals("open", first.status());
        assertEquals(T0, first.created());
        assertEquals(T0, first.lastRead(), "a new stream starts reading at its creation");
        assertEquals(first.created(), again.created(), "a second open must not recreate the stream");
        assertTrue(store.findStream("s1").isPresent());
        assertTrue(store.findStream("missing").isEmpty());
        store.openStream("s0", Duration.ofSeconds(10), T0);
        assertEquals(List.of("s0", "s1"), store.listStreams().stream().map(StreamInfo::name).toList());
    }

    @Test
    void concurrentOpenOfOneStreamEndsWithOneStream() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<StreamInfo>> futures = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                futures.add(pool.submit(() -> {
                    start.await();
                    return store.openStream("race", Duration.ofSeconds(10), T0);
                }));
            }
            start.countDown();
            for (Future<StreamInfo> f : futures) {
                assertEquals("race", f.get(30, TimeUnit.SECONDS).name());
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(1, store.listStreams().stream().filter(s -> s.name().equals("race")).count());
    }

    @Test
    void appendCreatesTheStreamWhenMissing() {
        store.append("implicit", messages(T0, 0, 2));
        assertTrue(store.findStream("implicit").isPresent());
        assertEquals(List.of(0, 1), numbers(store.read("implicit", Selection.pending(), null)));
    }

    // ---- append and read ----------------------------------------------------------------------

    @Test
    void appendKeepsOrderAndData() {
        store.openStream("s", Duration.ofSeconds(10), T0);
        store.append("s", messages(T0, 0, 3));
        store.append("s", messages(T0.plusMillis(1), 3, 2));
        List<Message> read = store.read("s", Selection.pending(), null);
        assertEquals(range(0, 5), numbers(read));
        Message first = read.get(0);
        assertEquals("s", first.stream());
        assertEquals(T0, first.created());
        assertEquals(MessageState.PENDING, first.state());
        assertEquals(0, first.attempts());
        assertNull(first.error());
        assertEquals(5, new HashSet<>(read.stream().map(Message::id).toList()).size(), "ids must be unique");
    }

    @Test
    void readOrdersByCreatedThenAppendSequence() {
        store.append("s", List.of(message(T0.plusMillis(20), 0), message(T0.plusMillis(10), 1),
                message(T0.plusMillis(10), 2), message(T0, 3)));
        assertEquals(List.of(3, 1, 2, 0), numbers(store.read("s", Selection.pending(), null)));
        assertEquals(List.of(3, 1, 2, 0), numbers(store.claim("s", Selection.pending(), lease(T0.plusSeconds(1))).messages()));
    }

    @Test
    void structuredDataRoundTrips() {
        JsonNode value = Json.parseInput("{\"s\":\"h\\u00e9llo \\u2603 \\ud83d\\ude00\",\"i\":9007199254740993,"
                + "\"d\":2.5,\"b\":true,\"z\":null,\"a\":[1,\"x\",{\"k\":[]}],\"o\":{\"nested\":{\"deep\":1}}}", "test");
        store.append("s", List.of(NewMessage.ofTree(T0, value, 0, null)));
        store.append("s", List.of(NewMessage.ofJson(T0, "[1,2]", 0, null)));
        store.append("s", List.of(NewMessage.ofJson(T0, "\"text\"", 0, null)));
        List<Message> read = store.read("s", Selection.pending(), null);
        assertEquals(value, read.get(0).data());
        assertEquals(Json.parseInput("[1,2]", "t"), read.get(1).data());
        assertEquals("text", read.get(2).data().asText());
    }

    /** Reads honour limit, time range and states. A store whose back end cannot hold this overrides it, saying why. */
    @Test
    protected void readHonoursLimitRangeAndStates() {
        store.append("s", messages(T0, 0, 3));
        store.append("s", messages(T0.plusSeconds(10), 3, 3));
        assertEquals(List.of(0, 1), numbers(store.read("s", Selection.pending().limit(2), null)));
        assertEquals(List.of(3, 4, 5), numbers(store.read("s", Selection.pending().createdFrom(T0.plusSeconds(10)), null)));
        assertEquals(List.of(0, 1, 2), numbers(store.read("s", Selection.pending().createdBefore(T0.plusSeconds(10)), null)));
        Claim claim = store.claim("s", Selection.pending().limit(2), lease(T0.plusSeconds(20)));
        assertEquals(range(2, 6), numbers(store.read("s", Selection.pending(), null)), "claimed messages are not pending");
        List<Message> claimed = store.read("s", Selection.pending(), List.of(MessageState.CLAIMED));
        assertEquals(List.of(0, 1), numbers(claimed));
        assertTrue(claimed.stream().allMatch(m -> m.state() == MessageState.CLAIMED));
        store.commit("s", claim.token(), true);
        List<Message> done = store.read("s", Selection.pending(), List.of(MessageState.DONE));
        assertEquals(List.of(0, 1), numbers(done));
        assertTrue(done.stream().allMatch(m -> m.state() == MessageState.DONE));
        assertEquals(range(0, 6), numbers(store.read("s", Selection.pending(),
                List.of(MessageState.PENDING, MessageState.CLAIMED, MessageState.DONE))));
    }

    @Test
    void unknownStreamReadsEmpty() {
        assertEquals(List.of(), store.read("nothing", Selection.pending(), null));
        assertTrue(store.claim("nothing", Selection.pending(), lease(T0)).isEmpty());
        assertEquals(StreamStats.EMPTY, store.stats("nothing"));
    }

    // ---- claims -------------------------------------------------------------------------------

    @Test
    void claimTakesOldestFirstUpToTheLimit() {
        store.append("s", messages(T0, 0, 10));
        Claim first = store.claim("s", Selection.pending().limit(4), lease(T0.plusSeconds(1)));
        Claim second = store.claim("s", Selection.pending().limit(4), lease(T0.plusSeconds(1)));
        assertEquals(range(0, 4), numbers(first.messages()));
        assertEquals(range(4, 8), numbers(second.messages()));
        assertTrue(first.messages().stream().allMatch(m -> m.state() == MessageState.CLAIMED));
        assertEquals(new StreamStats(2, 8, 0, T0), store.stats("s"));
    }

    @Test
    void claimWithMinCountIsAllOrNothing() {
        store.append("s", messages(T0, 0, 3));
        Claim none = store.claim("s", Selection.pending().limit(5).minCount(5), lease(T0.plusSeconds(1)));
        assertTrue(none.isEmpty());
        assertEquals(3, store.stats("s").pending(), "a refused all-or-nothing claim leaves everything pending");
        assertEquals(0, store.stats("s").claimed());
        store.append("s", messages(T0, 3, 2));
        Claim all = store.claim("s", Selection.pending().limit(5).minCount(5), lease(T0.plusSeconds(1)));
        assertEquals(range(0, 5), numbers(all.messages()));
    }

    @Test
    void claimHonoursHalfOpenTimeRange() {
        store.append("s", List.of(message(T0, 0), message(T0.plusSeconds(1), 1), message(T0.plusSeconds(2), 2)));
        Claim claim = store.claim("s", Selection.pending().createdFrom(T0.plusSeconds(1)).createdBefore(T0.plusSeconds(2)),
                lease(T0.plusSeconds(5)));
        assertEquals(List.of(1), numbers(claim.messages()), "from is inclusive, before is exclusive");
    }

    @Test
    void claimByIdsTakesOnlyThoseStillPending() {
        store.append("s", messages(T0, 0, 5));
        List<Message> all = store.read("s", Selection.pending(), null);
        Claim taken = store.claim("s", Selection.ids(List.of(all.get(1).id())), lease(T0.plusSeconds(1)));
        assertEquals(List.of(1), numbers(taken.messages()));
        Claim claim = store.claim("s", Selection.ids(List.of(all.get(3).id(), all.get(1).id(), all.get(0).id())),
                lease(T0.plusSeconds(1)));
        assertEquals(List.of(0, 3), numbers(claim.messages()), "message 1 is already claimed; order is append order");
    }

    /**
     * How many messages {@link #concurrentClaimersNeverShareAMessage()} shares among its 8 claimers:
     * 2,000 by default; a store on a slow server may take fewer (the overlap check is the same).
     *
     * @return the number of messages
     */
    protected int concurrentClaimMessages() {
        return 2_000;
    }

    @Test
    void concurrentClaimersNeverShareAMessage() throws Exception {
        int total = concurrentClaimMessages();
        for (int i = 0; i < total; i += 500) {
            store.append("s", messages(T0, i, Math.min(500, total - i))); // a size hook need not be a multiple of 500
        }
        int threads = 8;
        Map<Integer, Integer> seen = new ConcurrentHashMap<>();
        AtomicInteger duplicates = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                futures.add(pool.submit(() -> {
                    start.await();
                    while (true) {
                        Claim c = store.claim("s", Selection.pending().limit(7), lease(T0.plusSeconds(1)));
                        if (c.isEmpty()) {
                            return null;
                        }
                        for (int n : numbers(c.messages())) {
                            if (seen.put(n, n) != null) {
                                duplicates.incrementAndGet();
                            }
                        }
                    }
                }));
            }
            start.countDown();
            for (Future<?> f : futures) {
                f.get(120, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(0, duplicates.get(), "no message may be claimed twice");
        assertEquals(total, seen.size(), "every message is claimed once");
    }

    /** A released claim comes back at its availability time, counting an attempt and keeping the error. A store whose back end cannot hold this overrides it, saying why. */
    @Test
    protected void releasedMessagesWaitForTheirAvailability() {
        store.append("s", messages(T0, 0, 2));
        Claim claim = store.claim("s", Selection.pending(), lease(T0.plusSeconds(1)));
        assertEquals(2, store.release("s", claim.token(), T0.plusSeconds(10), "boom"));
        assertTrue(store.claim("s", Selection.pending(), lease(T0.plusSeconds(9))).isEmpty(),
                "not claimable before availableAt");
        Claim again = store.claim("s", Selection.pending(), lease(T0.plusSeconds(10)));
        assertEquals(List.of(0, 1), numbers(again.messages()));
        assertEquals(1, again.messages().get(0).attempts());
        assertEquals("boom", again.messages().get(0).error());
    }

    @Test
    void cleanReleaseDoesNotCountAnAttempt() {
        store.append("s", messages(T0, 0, 1));
        Claim claim = store.claim("s", Selection.pending(), lease(T0));
        store.release("s", claim.token(), T0, null);
        Message m = store.read("s", Selection.pending(), null).get(0);
        assertEquals(0, m.attempts());
        assertEquals(MessageState.PENDING, m.state());
    }

    // ---- leases -------------------------------------------------------------------------------

    /** An expired lease makes its messages claimable again, counting an attempt. A store whose back end cannot hold this overrides it, saying why. */
    @Test
    protected void expiredLeaseMakesMessagesClaimableAgainAndCountsAnAttempt() {
        store.append("s", messages(T0, 0, 3));
        Claim dead = store.claim("s", Selection.pending(), lease(T0, Duration.ofSeconds(30)));
        assertEquals(3, dead.messages().size());
        assertTrue(store.claim("s", Selection.pending(), lease(T0.plusSeconds(29))).isEmpty(), "lease still live");
        Claim retaken = store.claim("s", Selection.pending(), lease(T0.plusSeconds(30)));
        assertEquals(range(0, 3), numbers(retaken.messages()), "expired lease: claimable again, in order");
        assertTrue(retaken.messages().stream().allMatch(m -> m.attempts() == 1));
        assertNotNull(retaken.messages().get(0).error());
        assertEquals(0, store.commit("s", dead.token(), false), "the lost lease commits nothing");
        assertEquals(3, store.commit("s", retaken.token(), false));
        assertEquals(StreamStats.EMPTY.pending(), store.stats("s").pending());
    }

    /** A refused all-or-nothing claim still recovers expired leases. A store whose back end cannot hold this overrides it, saying why. */
    @Test
    protected void aShortAllOrNothingClaimStillRecoversExpiredLeases() {
        store.append("s", messages(T0, 0, 3));
        Claim lapsed = store.claim("s", Selection.pending(), lease(T0, Duration.ofSeconds(10)));
        assertEquals(3, lapsed.messages().size());
        assertTrue(store.claim("s", Selection.pending().limit(5).minCount(5), lease(T0.plusSeconds(20))).isEmpty(),
                "3 messages are not enough for 5");
        assertEquals(new StreamStats(3, 0, 0, T0), store.stats("s"), "the expired lease was recovered all the same");
        assertTrue(store.read("s", Selection.pending(), null).stream().allMatch(m -> m.attempts() == 1));
    }

    /** Renewing keeps a lease; a lost lease cannot be renewed. A store whose back end cannot hold this overrides it, saying why. */
    @Test
    protected void renewKeepsALeaseAliveAndFailsOnceLost() {
        store.append("s", messages(T0, 0, 2));
        Claim claim = store.claim("s", Selection.pending(), lease(T0, Duration.ofSeconds(10)));
        assertTrue(store.renew("s", claim.token(), T0.plusSeconds(40)));
        assertTrue(store.claim("s", Selection.pending(), lease(T0.plusSeconds(39))).isEmpty(), "renewed lease holds");
        Claim other = store.claim("s", Selection.pending(), lease(T0.plusSeconds(41)));
        assertEquals(2, other.messages().size());
        assertFalse(store.renew("s", claim.token(), T0.plusSeconds(100)), "a lost lease cannot be renewed");
        assertFalse(store.renew("s", "no-such-token", T0.plusSeconds(100)));
    }

    // ---- commit, release, dead letters --------------------------------------------------------

    @Test
    void commitDeletesByDefault() {
        store.append("s", messages(T0, 0, 4));
        Claim claim = store.claim("s", Selection.pending().limit(3), lease(T0));
        assertEquals(3, store.commit("s", claim.token(), false));
        assertEquals(List.of(3), numbers(store.read("s", Selection.pending(),
                List.of(MessageState.PENDING, MessageState.CLAIMED, MessageState.DONE))));
        assertEquals(0, store.commit("s", claim.token(), false), "committing twice commits nothing");
    }

    /** A commit with {@code keep} marks messages DONE. A store whose back end cannot hold this overrides it, saying why. */
    @Test
    protected void commitWithKeepMarksDone() {
        store.append("s", messages(T0, 0, 2));
        Claim claim = store.claim("s", Selection.pending(), lease(T0));
        assertEquals(2, store.commit("s", claim.token(), true));
        assertEquals(new StreamStats(0, 0, 2, T0), store.stats("s"));
        assertTrue(store.claim("s", Selection.pending(), lease(T0.plusSeconds(3600))).isEmpty(),
                "kept messages are never claimed again");
    }

    @Test
    void deadLetterMovesMessagesWithErrorAndAttempts() {
        store.append("s", messages(T0, 0, 3));
        Claim claim = store.claim("s", Selection.pending().limit(2), lease(T0));
        assertEquals(2, store.deadLetter("s", claim.token(), "s.dead", "poison: bad value", T0));
        assertEquals(List.of(2), numbers(store.read("s", Selection.pending(), null)));
        List<Message> dead = store.read("s.dead", Selection.pending(), null);
        assertEquals(List.of(0, 1), numbers(dead));
        assertEquals("poison: bad value", dead.get(0).error());
        assertEquals(1, dead.get(0).attempts());
        assertEquals("s.dead", dead.get(0).stream());
        assertTrue(store.findStream("s.dead").isPresent(), "the dead-letter stream is a normal stream");
        assertEquals(0, store.deadLetter("s", claim.token(), "s.dead", "again", T0), "only live claims move");
    }

    // ---- lastRead -----------------------------------------------------------------------------

    @Test
    void lastReadMovesOnlyByCompareAndSet() {
        store.openStream("s", Duration.ofSeconds(10), T0);
        assertTrue(store.compareAndSetLastRead("s", T0, T0.plusSeconds(10), T0));
        assertFalse(store.compareAndSetLastRead("s", T0, T0.plusSeconds(20), T0), "stale expectation must fail");
        assertEquals(T0.plusSeconds(10), store.findStream("s").orElseThrow().lastRead());
    }

    @Test
    void concurrentCompareAndSetHasOneWinner() throws Exception {
        store.openStream("s", Duration.ofSeconds(10), T0);
        ExecutorService pool = Executors.newFixedThreadPool(6);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Boolean>> results = new ArrayList<>();
        try {
            for (int i = 0; i < 6; i++) {
                int n = i;
                results.add(pool.submit(() -> {
                    start.await();
                    return store.compareAndSetLastRead("s", T0, T0.plusSeconds(10 + n), T0);
                }));
            }
            start.countDown();
            int winners = 0;
            for (Future<Boolean> f : results) {
                winners += f.get(30, TimeUnit.SECONDS) ? 1 : 0;
            }
            assertEquals(1, winners);
        } finally {
            pool.shutdownNow();
        }
    }

    // ---- housekeeping -------------------------------------------------------------------------

    /** Expiry deletes old pending and done messages, never claimed ones. A store whose back end cannot hold this overrides it, saying why. */
    @Test
    protected void expireDeletesOldPendingAndDoneButNotClaimed() {
        store.append("s", messages(T0, 0, 3));
        store.append("s", messages(T0.plusSeconds(100), 3, 2));
        Claim keep = store.claim("s", Selection.pending().limit(1), lease(T0.plusSeconds(1)));
        store.commit("s", keep.token(), true);
        Claim live = store.claim("s", Selection.pending().limit(1), lease(T0.plusSeconds(1)));
        assertEquals(List.of(1), numbers(live.messages()));
        int removed = store.expire("s", T0.plusSeconds(50));
        assertEquals(2, removed, "message 0 (done) and 2 (pending) are old; 1 is in a live window");
        assertEquals(List.of(1, 3, 4), numbers(store.read("s", Selection.pending(),
                List.of(MessageState.PENDING, MessageState.CLAIMED, MessageState.DONE))));
    }

    @Test
    void clearDeletesPendingAndDone() {
        store.append("s", messages(T0, 0, 3));
        Claim claim = store.claim("s", Selection.pending().limit(1), lease(T0));
        store.commit("s", claim.token(), true);
        assertEquals(3, store.clear("s"));
        assertEquals(StreamStats.EMPTY.pending(), store.stats("s").pending());
        assertEquals(0, store.stats("s").done());
    }

    /** Stats count each state. A store whose back end cannot hold this overrides it, saying why. */
    @Test
    protected void statsCountEachState() {
        store.append("s", messages(T0, 0, 5));
        store.append("s", messages(T0.plusSeconds(7), 5, 1));
        Claim a = store.claim("s", Selection.pending().limit(2), lease(T0));
        Claim b = store.claim("s", Selection.pending().limit(1), lease(T0));
        store.commit("s", b.token(), true);
        assertEquals(new StreamStats(3, 2, 1, T0.plusSeconds(7)), store.stats("s"));
        store.commit("s", a.token(), false);
        assertEquals(new StreamStats(3, 0, 1, T0.plusSeconds(7)), store.stats("s"));
    }

    @Test
    void streamsAreIndependent() {
        store.append("a", messages(T0, 0, 2));
        store.append("b", messages(T0, 10, 2));
        assertEquals(List.of(0, 1), numbers(store.claim("a", Selection.pending(), lease(T0)).messages()));
        assertEquals(List.of(10, 11), numbers(store.read("b", Selection.pending(), null)));
    }

    @Test
    void closedStoreRefusesWork() {
        store.close();
        assertThrows(RuntimeException.class, () -> store.append("s", messages(T0, 0, 1)));
        store.close(); // idempotent
        store = null;
    }

    /**
     * Ids of a claim, for subclasses.
     *
     * @param claim the claim
     * @return its messages' ids
     */
    protected static Set<String> ids(Claim claim) {
        Set<String> out = new HashSet<>();
        claim.messages().forEach(m -> out.add(m.id()));
        return Collections.unmodifiableSet(out);
    }
}
