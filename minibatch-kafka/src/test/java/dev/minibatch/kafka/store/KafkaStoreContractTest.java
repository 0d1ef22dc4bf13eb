package dev.minibatch.kafka.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.minibatch.kafka.KafkaBroker;
import dev.minibatch.model.Message;
import dev.minibatch.model.MessageState;
import dev.minibatch.model.StreamStats;
import dev.minibatch.spi.store.Claim;
import dev.minibatch.spi.store.Selection;
import dev.minibatch.spi.store.StreamStore;
import dev.minibatch.test.StreamStoreContract;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The store compatibility suite on {@code kafka://}, against a real broker (a JVM of its own); each
 * case gets topics and a share group of its own (a fresh prefix). Topics have one partition: the
 * suite checks append order, which Kafka keeps within a partition only (across partitions, messages
 * created in the same millisecond are ordered by partition). The cases below cannot hold on a
 * log as written; each is overridden with what Kafka does instead (the module README lists them):
 * <ul>
 *   <li>Leases and release backoffs run in real time: they are the brokers' acquisition locks, which
 *       a test clock cannot move ({@code expiredLease…}, {@code aShortAllOrNothing…}, {@code renew…},
 *       {@code releasedMessagesWait…}). A failed window's error text is not kept: a release carries
 *       no text on Kafka.</li>
 *   <li>There is no DONE state: a commit acknowledges, and Kafka forgets acknowledged records
 *       ({@code commitWithKeep…}, {@code statsCountEachState}, the DONE reads of
 *       {@code readHonours…}).</li>
 *   <li>Expiry deletes a prefix of each partition (Kafka's {@code deleteRecords}): a record claimed in
 *       that prefix is deleted too ({@code expireDeletes…}).</li>
 * </ul>
 */
class KafkaStoreContractTest extends StreamStoreContract {

    private static final AtomicInteger CASES = new AtomicInteger();

    @Override
    protected StreamStore createStore() throws Exception {
        String prefix = "contract" + ProcessHandle.current().pid() + "-" + CASES.incrementAndGet() + ".";
        // the cases append up to 2,000 records and claim right after; the harness waits until this
        // process holds them all, which one lane's batch must be able to (a lane's batch is otherwise
        // sized by the windows claims ask for, and no claim has asked yet)
        KafkaStore store = (KafkaStore) new KafkaStoreProvider().open("kafka://" + KafkaBroker.shared().bootstrapServers()
                + "/?prefix=" + prefix + "&partitions=1&replication=1&kafka.max.poll.records=5000");
        return new VisibleAppendsStore(store);
    }

    /** Claims with real-time leases until {@code count} messages come, or fails. */
    private Claim awaitClaim(Selection selection, int count) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(45).toNanos();
        while (System.nanoTime() < deadline) {
            Claim c = store.claim("s", selection, lease(Instant.now()));
            if (c.messages().size() >= count) {
                return c;
            }
            if (!c.isEmpty()) {
                store.release("s", c.token(), Instant.now(), null);
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no claim of " + count + " messages within 45 s");
    }

    @Test
    @Override
    protected void expiredLeaseMakesMessagesClaimableAgainAndCountsAnAttempt() {
        Instant now = Instant.now();
        store.append("s", messages(now, 0, 3));
        Claim dead = store.claim("s", Selection.pending(), lease(now, Duration.ofMillis(300)));
        assertEquals(3, dead.messages().size());
        // the lease lapses in real time; the store releases its records to the group, which delivers them again
        Claim retaken = assertDoesNotThrowInterrupted(() -> awaitClaim(Selection.pending(), 3));
        assertEquals(range(0, 3), numbers(retaken.messages()), "expired lease: claimable again, in order");
        assertTrue(retaken.messages().stream().allMatch(m -> m.attempts() == 1), "a lapsed delivery counts an attempt");
        assertEquals(0, store.commit("s", dead.token(), false), "the lost lease commits nothing");
        assertEquals(3, store.commit("s", retaken.token(), false));
    }

    @Test
    @Override
    protected void aShortAllOrNothingClaimStillRecoversExpiredLeases() {
        Instant now = Instant.now();
        store.append("s", messages(now, 0, 3));
        Claim lapsed = store.claim("s", Selection.pending(), lease(now, Duration.ofMillis(300)));
        assertEquals(3, lapsed.messages().size());
        assertTrue(store.claim("s", Selection.pending().limit(5).minCount(5), lease(Instant.now())).isEmpty(),
                "3 messages are not enough for 5");
        Claim back = assertDoesNotThrowInterrupted(() -> awaitClaim(Selection.pending().limit(3).minCount(3), 3));
        assertTrue(back.messages().stream().allMatch(m -> m.attempts() == 1));
    }

    @Test
    @Override
    protected void renewKeepsALeaseAliveAndFailsOnceLost() {
        Instant now = Instant.now();
        store.append("s", messages(now, 0, 2));
        Claim claim = store.claim("s", Selection.pending(), lease(now, Duration.ofMillis(300)));
        assertTrue(store.renew("s", claim.token(), Instant.now().plusSeconds(2)));
        sleep(700);
        assertTrue(store.claim("s", Selection.pending(), lease(Instant.now())).isEmpty(), "renewed lease holds");
        Claim other = assertDoesNotThrowInterrupted(() -> awaitClaim(Selection.pending(), 2));
        assertEquals(2, other.messages().size());
        assertFalse(store.renew("s", claim.token(), Instant.now().plusSeconds(100)), "a lost lease cannot be renewed");
        assertFalse(store.renew("s", "no-such-token", Instant.now().plusSeconds(100)));
    }

    @Test
    @Override
    protected void releasedMessagesWaitForTheirAvailability() {
        Instant now = Instant.now();
        store.append("s", messages(now, 0, 2));
        Claim claim = store.claim("s", Selection.pending(), lease(now));
        assertEquals(2, store.release("s", claim.token(), now.plusMillis(800), "boom"));
        assertTrue(store.claim("s", Selection.pending(), lease(Instant.now())).isEmpty(), "not claimable before availableAt");
        Claim again = assertDoesNotThrowInterrupted(() -> awaitClaim(Selection.pending(), 2));
        assertEquals(List.of(0, 1), numbers(again.messages()));
        assertEquals(1, again.messages().get(0).attempts());
        assertNull(again.messages().get(0).error(), "a Kafka release carries no error text");
    }

    @Test
    @Override
    protected void commitWithKeepMarksDone() {
        store.append("s", messages(T0, 0, 2));
        Claim claim = store.claim("s", Selection.pending(), lease(T0));
        assertEquals(2, store.commit("s", claim.token(), true));
        assertEquals(new StreamStats(0, 0, 0, T0), store.stats("s"), "no DONE state: committed records are acknowledged");
        assertTrue(store.read("s", Selection.pending(), List.of(MessageState.DONE)).isEmpty());
        assertTrue(store.claim("s", Selection.pending(), lease(T0.plusSeconds(3600))).isEmpty(),
                "committed messages are never claimed again");
    }

    @Test
    @Override
    protected void statsCountEachState() {
        store.append("s", messages(T0, 0, 5));
        store.append("s", messages(T0.plusSeconds(7), 5, 1));
        Claim a = store.claim("s", Selection.pending().limit(2), lease(T0));
        Claim b = store.claim("s", Selection.pending().limit(1), lease(T0));
        store.commit("s", b.token(), true);
        assertEquals(new StreamStats(3, 2, 0, T0.plusSeconds(7)), store.stats("s"));
        store.commit("s", a.token(), false);
        assertEquals(new StreamStats(3, 0, 0, T0.plusSeconds(7)), store.stats("s"));
    }

    @Test
    @Override
    protected void expireDeletesOldPendingAndDoneButNotClaimed() {
        List<dev.minibatch.spi.store.NewMessage> all = new java.util.ArrayList<>(messages(T0, 0, 3));
        all.addAll(messages(T0.plusSeconds(100), 3, 2)); // one append: no record is moved while the case waits for it
        store.append("s", all);
        Claim done = store.claim("s", Selection.pending().limit(1), lease(T0.plusSeconds(1)));
        store.commit("s", done.token(), true);
        int removed = store.expire("s", T0.plusSeconds(50));
        assertEquals(3, removed, "every record created before the cutoff goes, 0 (committed) included");
        assertEquals(List.of(3, 4), numbers(store.read("s", Selection.pending(),
                List.of(MessageState.PENDING, MessageState.CLAIMED))));
        assertEquals(List.of(3, 4), numbers(store.claim("s", Selection.pending(), lease(T0.plusSeconds(2))).messages()),
                "the deleted records are not claimed either");
    }

    @Test
    @Override
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
        assertTrue(store.read("s", Selection.pending(), List.of(MessageState.DONE)).isEmpty(), "no DONE state on a log");
        assertEquals(range(2, 6), numbers(store.read("s", Selection.pending(),
                List.of(MessageState.PENDING, MessageState.CLAIMED, MessageState.DONE))));
    }

    private interface InterruptibleSupplier<T> {
        T get() throws InterruptedException;
    }

    private static <T> T assertDoesNotThrowInterrupted(InterruptibleSupplier<T> s) {
        try {
            return s.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
