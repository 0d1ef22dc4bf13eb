package dev.minibatch.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.minibatch.model.Message;
import dev.minibatch.internal.Json;
import dev.minibatch.spi.store.Claim;
import dev.minibatch.spi.store.KeyedStore;
import dev.minibatch.spi.store.KeyedStore.KeyCount;
import dev.minibatch.spi.store.Lease;
import dev.minibatch.spi.store.NewMessage;
import dev.minibatch.spi.store.Selection;
import dev.minibatch.spi.store.StreamStore;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * The key cases of the store contract, for stores that implement {@link KeyedStore}: keys stored
 * and returned, reads and claims by key, counts per key. A store test adds them by implementing
 * this interface next to extending {@link StreamStoreContract}:
 *
 * <pre>{@code
 * class MyStoreContractTest extends StreamStoreContract implements KeyedStoreContract { … }
 * }</pre>
 */
public interface KeyedStoreContract {

    /** The start time of the cases, {@link StreamStoreContract}'s. */
    Instant T0 = StreamStoreContract.T0;

    /**
     * The store under test (provided by {@link StreamStoreContract}).
     *
     * @return the store
     */
    StreamStore contractStore();

    private KeyedStore keyed() {
        return assertInstanceOf(KeyedStore.class, contractStore(), "a store under the key contract implements KeyedStore");
    }

    private static NewMessage keyed(Instant created, String key, int n) {
        return NewMessage.ofTree(created, Json.mapper().createObjectNode().put("n", n).put("k", String.valueOf(key)), 0, null)
                .withKey(key);
    }

    private static Lease lease(Instant now) {
        return new Lease(UUID.randomUUID().toString(), "key-contract", now, now.plusSeconds(30));
    }

    private static List<Integer> numbers(List<Message> messages) {
        List<Integer> out = new ArrayList<>();
        for (Message m : messages) {
            out.add(m.data().get("n").asInt());
        }
        return out;
    }

    /** a, b, a, (none), b, a — at T0 + n ms. */
    private void appendMixed(String stream) {
        String[] keys = {"a", "b", "a", null, "b", "a"};
        List<NewMessage> batch = new ArrayList<>();
        for (int i = 0; i < keys.length; i++) {
            batch.add(keyed(T0.plusMillis(i), keys[i], i));
        }
        contractStore().append(stream, batch);
    }

    /** Contract: keys are stored and returned. */
    @Test
    default void keysAreStoredAndReturned() {
        keyed();
        appendMixed("s");
        List<Message> all = contractStore().read("s", Selection.pending(), null);
        assertEquals(List.of(0, 1, 2, 3, 4, 5), numbers(all));
        List<String> keys = new ArrayList<>();
        for (Message m : all) {
            keys.add(m.key());
        }
        assertEquals(java.util.Arrays.asList("a", "b", "a", null, "b", "a"), keys);
    }

    /** Contract: read by key returns only that key in order. */
    @Test
    default void readByKeyReturnsOnlyThatKeyInOrder() {
        keyed();
        appendMixed("s");
        assertEquals(List.of(0, 2, 5), numbers(contractStore().read("s", Selection.pending().key("a"), null)));
        assertEquals(List.of(3), numbers(contractStore().read("s", Selection.pending().key(null), null)));
        assertEquals(List.of(1), numbers(contractStore().read("s", Selection.pending().key("b").limit(1), null)));
        assertEquals(List.of(), contractStore().read("s", Selection.pending().key("zzz"), null));
    }

    /** Contract: claim by key takes only that key oldest first. */
    @Test
    default void claimByKeyTakesOnlyThatKeyOldestFirst() {
        keyed();
        appendMixed("s");
        Claim a = contractStore().claim("s", Selection.pending().key("a").limit(2), lease(T0.plusSeconds(1)));
        assertEquals(List.of(0, 2), numbers(a.messages()));
        assertTrue(a.messages().stream().allMatch(m -> "a".equals(m.key())), "claimed messages carry their key");
        Claim none = contractStore().claim("s", Selection.pending().key(null), lease(T0.plusSeconds(1)));
        assertEquals(List.of(3), numbers(none.messages()));
        assertNull(none.messages().get(0).key());
        assertEquals(List.of(1, 4, 5), numbers(contractStore().read("s", Selection.pending(), null)));
    }

    /** Contract: claim by key with min count is all or nothing per key. */
    @Test
    default void claimByKeyWithMinCountIsAllOrNothingPerKey() {
        keyed();
        appendMixed("s");
        assertTrue(contractStore().claim("s", Selection.pending().key("b").limit(3).minCount(3), lease(T0.plusSeconds(1)))
                .isEmpty(), "only two b's are pending");
        Claim three = contractStore().claim("s", Selection.pending().key("a").limit(3).minCount(3), lease(T0.plusSeconds(1)));
        assertEquals(List.of(0, 2, 5), numbers(three.messages()));
        assertEquals(List.of(1, 3, 4), numbers(contractStore().read("s", Selection.pending(), null)));
    }

    /** Contract: claim by key honours time bounds and ids. */
    @Test
    default void claimByKeyHonoursTimeBoundsAndIds() {
        keyed();
        appendMixed("s");
        Claim early = contractStore().claim("s", Selection.pending().key("a").createdBefore(T0.plusMillis(3)),
                lease(T0.plusSeconds(1)));
        assertEquals(List.of(0, 2), numbers(early.messages()));
        List<Message> rest = contractStore().read("s", Selection.pending(), null);
        Set<String> ids = new HashSet<>();
        rest.forEach(m -> ids.add(m.id()));
        Claim byIds = contractStore().claim("s", Selection.ids(ids).key("b"), lease(T0.plusSeconds(1)));
        assertEquals(List.of(1, 4), numbers(byIds.messages()));
    }

    /** Contract: pending counts per key in order of their oldest message. */
    @Test
    default void pendingCountsPerKeyInOrderOfTheirOldestMessage() {
        KeyedStore keyed = keyed();
        appendMixed("s");
        List<KeyCount> counts = keyed.pendingByKey("s", Selection.pending(), T0.plusSeconds(1));
        assertEquals(List.of(new KeyCount("a", 3, T0), new KeyCount("b", 2, T0.plusMillis(1)),
                new KeyCount(null, 1, T0.plusMillis(3))), counts);
        Claim a = contractStore().claim("s", Selection.pending().key("a").limit(1), lease(T0.plusSeconds(1)));
        counts = keyed.pendingByKey("s", Selection.pending().createdBefore(T0.plusMillis(5)), T0.plusSeconds(1));
        assertEquals(List.of(new KeyCount("b", 2, T0.plusMillis(1)), new KeyCount("a", 1, T0.plusMillis(2)),
                new KeyCount(null, 1, T0.plusMillis(3))), counts, "claimed messages and messages after the bound are not counted");
        contractStore().release("s", a.token(), T0.plusSeconds(60), "failed");
        counts = keyed.pendingByKey("s", Selection.pending(), T0.plusSeconds(1));
        assertEquals(new KeyCount("a", 2, T0.plusMillis(2)), counts.stream().filter(c -> "a".equals(c.key())).findFirst()
                .orElseThrow(), "a message waiting out its backoff is not available yet");
        assertEquals(List.of(), keyed.pendingByKey("nothing", Selection.pending(), T0));
    }

    /** Contract: keys survive release and dead letter. */
    @Test
    default void keysSurviveReleaseAndDeadLetter() {
        keyed();
        appendMixed("s");
        Claim claim = contractStore().claim("s", Selection.pending().key("b"), lease(T0.plusSeconds(1)));
        contractStore().release("s", claim.token(), T0, "boom");
        Claim again = contractStore().claim("s", Selection.pending().key("b"), lease(T0.plusSeconds(1)));
        assertEquals(List.of(1, 4), numbers(again.messages()));
        contractStore().deadLetter("s", again.token(), "s.dead", "poison", T0);
        List<Message> dead = contractStore().read("s.dead", Selection.pending().key("b"), null);
        assertEquals(List.of(1, 4), numbers(dead));
        assertEquals("b", dead.get(0).key());
    }

    /**
     * Contract: concurrent keyed claimers never share a message.
     *
     * @throws Exception if the store fails or the claimers are interrupted
     */
    @Test
    default void concurrentKeyedClaimersNeverShareAMessage() throws Exception {
        keyed();
        List<NewMessage> batch = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            batch.add(keyed(T0.plusMillis(i), "k" + (i % 4), i));
        }
        contractStore().append("s", batch);
        ConcurrentHashMap<String, String> owners = new ConcurrentHashMap<>();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Integer>> futures = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                futures.add(pool.submit(() -> {
                    int taken = 0;
                    for (int round = 0; round < 200; round++) {
                        String key = "k" + (round % 4);
                        Claim c = contractStore().claim("s", Selection.pending().key(key).limit(5), lease(T0.plusSeconds(1)));
                        for (Message m : c.messages()) {
                            assertEquals(key, m.key());
                            assertNull(owners.put(m.id(), c.token()), "message " + m.id() + " claimed twice");
                            taken++;
                        }
                    }
                    return taken;
                }));
            }
            int total = 0;
            for (Future<Integer> f : futures) {
                total += f.get();
            }
            assertEquals(400, total, "every message claimed exactly once");
        } finally {
            pool.shutdownNow();
        }
    }

    /** Contract: keyed and unkeyed claims share one buffer. */
    @Test
    default void keyedAndUnkeyedClaimsShareOneBuffer() {
        keyed();
        appendMixed("s");
        Claim a = contractStore().claim("s", Selection.pending().key("a"), lease(T0.plusSeconds(1)));
        assertEquals(3, a.messages().size());
        assertEquals(3, contractStore().stats("s").pending(), "keyed claims leave the others pending");
        assertEquals(3, contractStore().stats("s").claimed());
        assertEquals(List.of(1, 3, 4), numbers(contractStore().read("s", Selection.pending(), null)));
        assertEquals(0, contractStore().expire("s", T0.plusSeconds(60)) - 3, "expiry deletes the three pending, not the claimed");
        contractStore().release("s", a.token(), T0, null);
        assertEquals(List.of(0, 2, 5), numbers(contractStore().read("s", Selection.pending(), null)), "released keyed messages are pending again");
        a = contractStore().claim("s", Selection.pending().key("a"), lease(T0.plusSeconds(1)));
        contractStore().append("s", List.of(keyed(T0.plusMillis(1), "b", 1), keyed(T0.plusMillis(3), null, 3),
                keyed(T0.plusMillis(4), "b", 4)));
        Claim rest = contractStore().claim("s", Selection.pending(), lease(T0.plusSeconds(1)));
        assertEquals(List.of(1, 3, 4), numbers(rest.messages()), "an unkeyed claim takes what keyed claims left");
        assertEquals(List.of(), contractStore().read("s", Selection.pending().key("a"), null));
        assertEquals(3, contractStore().commit("s", a.token(), false));
    }
}
