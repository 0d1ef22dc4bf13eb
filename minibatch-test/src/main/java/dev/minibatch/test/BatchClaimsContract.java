package dev.minibatch.test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.minibatch.model.Message;
import dev.minibatch.model.MessageState;
import dev.minibatch.internal.Json;
import dev.minibatch.spi.store.BatchClaims;
import dev.minibatch.spi.store.Claim;
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
import org.junit.jupiter.api.Test;

/**
 * Contract of {@link BatchClaims}: several claims (and later their commits) in one step, each one
 * exactly what a claim of its own would be. Added to a store test like {@link KeyedStoreContract};
 * the store must be a {@link dev.minibatch.spi.store.KeyedStore} too (the cases claim by key).
 */
public interface BatchClaimsContract {

    /** The start time of the cases, {@link StreamStoreContract}'s. */
    Instant T0 = StreamStoreContract.T0;

    /**
     * The store under test (provided by {@link StreamStoreContract}).
     *
     * @return the store
     */
    StreamStore contractStore();

    private BatchClaims batch() {
        return assertInstanceOf(BatchClaims.class, contractStore(), "the store implements BatchClaims");
    }

    private static NewMessage value(int n, String key) {
        return NewMessage.ofTree(T0.plusMillis(n), Json.mapper().createObjectNode().put("n", n), 0, null).withKey(key);
    }

    private static Lease lease(Instant now, long seconds) {
        return new Lease(UUID.randomUUID().toString(), "batch", now, now.plusSeconds(seconds));
    }

    private static List<Integer> numbers(List<Message> messages) {
        List<Integer> out = new ArrayList<>();
        messages.forEach(m -> out.add(m.data().get("n").asInt()));
        return out;
    }

    /** 3 keys a, b, c interleaved, 4 messages each (n = 0..11; key = "abc"[n % 3]). */
    private void appendInterleaved() {
        List<NewMessage> batch = new ArrayList<>();
        for (int n = 0; n < 12; n++) {
            batch.add(value(n, String.valueOf("abc".charAt(n % 3))));
        }
        contractStore().append("s", batch);
    }

    /** Contract: {@code claimEach} takes every selection under its own lease all or nothing. */
    @Test
    default void claimEachTakesEverySelectionUnderItsOwnLeaseAllOrNothing() {
        appendInterleaved();
        Selection three = Selection.pending().limit(3).minCount(3);
        Selection five = Selection.pending().limit(5).minCount(5);
        List<Lease> leases = List.of(lease(T0, 30), lease(T0, 30), lease(T0, 30), lease(T0, 30));
        List<Claim> claims = batch().claimEach("s", List.of(three.key("a"), five.key("b"), three.key("c"),
                Selection.pending().limit(2).key("missing")), leases);
        assertEquals(4, claims.size());
        assertEquals(List.of(0, 3, 6), numbers(claims.get(0).messages()), "a's three oldest, in order");
        assertTrue(claims.get(1).isEmpty(), "b has 4 of the 5 asked for: all or nothing");
        assertEquals(List.of(2, 5, 8), numbers(claims.get(2).messages()));
        assertTrue(claims.get(3).isEmpty());
        for (int i = 0; i < 4; i++) {
            assertEquals(leases.get(i).token(), claims.get(i).token(), "claim " + i + " is under its own lease");
        }
        for (Message m : claims.get(0).messages()) {
            assertEquals("a", m.key());
            assertEquals(MessageState.CLAIMED, m.state());
        }
        assertEquals(6, contractStore().stats("s").claimed());
        // each claim ends on its own: releasing one leaves the other claimed
        assertEquals(3, contractStore().release("s", claims.get(0).token(), T0, null));
        assertEquals(3, contractStore().stats("s").claimed());
        assertEquals(List.of(0, 3, 6, 9), numbers(contractStore().read("s", Selection.pending().key("a"), null)));
    }

    /** Contract: later selections never take what earlier ones took. */
    @Test
    default void laterSelectionsNeverTakeWhatEarlierOnesTook() {
        appendInterleaved();
        List<Claim> claims = batch().claimEach("s", List.of(Selection.pending().limit(5), Selection.pending().limit(5),
                Selection.pending()), List.of(lease(T0, 30), lease(T0, 30), lease(T0, 30)));
        Set<Integer> seen = new HashSet<>();
        List<Integer> all = new ArrayList<>();
        for (Claim c : claims) {
            for (int n : numbers(c.messages())) {
                assertTrue(seen.add(n), "message " + n + " in two claims");
                all.add(n);
            }
        }
        assertEquals(List.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11), all, "in append order across the claims");
    }

    /** Contract: {@code claimEach} recovers expired leases first and checks its arguments. */
    @Test
    default void claimEachRecoversExpiredLeasesFirstAndChecksItsArguments() {
        appendInterleaved();
        Claim old = contractStore().claim("s", Selection.pending().key("a"), lease(T0, 1));
        assertEquals(4, old.messages().size());
        Instant later = T0.plusSeconds(5);
        List<Claim> claims = batch().claimEach("s", List.of(Selection.pending().key("a")), List.of(lease(later, 30)));
        assertEquals(List.of(0, 3, 6, 9), numbers(claims.get(0).messages()), "a's lapsed claim came back");
        for (Message m : claims.get(0).messages()) {
            assertEquals(1, m.attempts(), "a lapsed lease counts as an attempt");
        }
        assertThrows(IllegalArgumentException.class,
                () -> batch().claimEach("s", List.of(Selection.pending()), List.of()));
        assertEquals(List.of(), batch().claimEach("s", List.of(), List.of()));
        assertEquals(List.of(), batch().claimEach("no-such-stream", List.of(), List.of()));
    }

    /** Contract: {@code commitEach} commits every live claim and skips lost ones. */
    @Test
    default void commitEachCommitsEveryLiveClaimAndSkipsLostOnes() {
        appendInterleaved();
        List<Claim> claims = batch().claimEach("s", List.of(Selection.pending().key("a"), Selection.pending().key("b"),
                Selection.pending().key("c")), List.of(lease(T0, 30), lease(T0, 30), lease(T0, 30)));
        // b's claim ends before the batched commit (as after a lost lease): it is not committed again
        assertEquals(4, contractStore().release("s", claims.get(1).token(), T0, null));
        int[] committed = batch().commitEach("s", List.of(claims.get(0).token(), claims.get(1).token(),
                claims.get(2).token()), false);
        assertArrayEquals(new int[] {4, 0, 4}, committed);
        assertEquals(List.of(1, 4, 7, 10), numbers(contractStore().read("s", Selection.pending(), null)));
        assertEquals(0, contractStore().stats("s").claimed());
        // with keep, committed messages stay as DONE
        Claim b = contractStore().claim("s", Selection.pending().key("b"), lease(T0, 30));
        assertArrayEquals(new int[] {4}, batch().commitEach("s", List.of(b.token()), true));
        assertEquals(List.of(1, 4, 7, 10), numbers(contractStore().read("s", Selection.pending(), List.of(MessageState.DONE))));
    }
}
