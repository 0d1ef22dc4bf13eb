package dev.minibatch.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.minibatch.model.Message;
import dev.minibatch.model.MessageState;
import dev.minibatch.internal.Json;
import dev.minibatch.spi.store.Claim;
import dev.minibatch.spi.store.DeferredClaims;
import dev.minibatch.spi.store.Lease;
import dev.minibatch.spi.store.NewMessage;
import dev.minibatch.spi.store.Selection;
import dev.minibatch.spi.store.StreamStore;
import dev.minibatch.spi.store.TransactionalAppend;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Contract of {@link DeferredClaims}: a deferred claim writes nothing until it is renewed or
 * ended, ends only on messages nobody else took, and never lets two claims of one store overlap.
 * "Another process" is a second store opened on the same data ({@link #otherStore}). Added to a
 * store test like {@link TransactionalAppendContract}.
 */
public interface DeferredClaimsContract {

    /** The start time of the cases, {@link StreamStoreContract}'s. */
    Instant T0 = StreamStoreContract.T0;

    /**
     * The store under test (provided by {@link StreamStoreContract}).
     *
     * @return the store
     */
    StreamStore contractStore();

    /**
     * A second, independent store on the same data (another process's view); closed by the test.
     *
     * @return the other store
     */
    StreamStore otherStore();

    private DeferredClaims deferred() {
        return assertInstanceOf(DeferredClaims.class, contractStore(), "the store implements DeferredClaims");
    }

    private static Lease lease(Instant now) {
        return new Lease(UUID.randomUUID().toString(), "t", now, now.plusSeconds(30));
    }

    private static NewMessage value(int n) {
        return NewMessage.ofTree(T0, Json.mapper().createObjectNode().put("n", n), 0, null);
    }

    private static List<Integer> numbers(List<Message> messages) {
        List<Integer> out = new ArrayList<>();
        messages.forEach(m -> out.add(m.data().get("n").asInt()));
        return out;
    }

    private void appendOneTwoThree() {
        contractStore().append("in", List.of(value(1), value(2), value(3)));
    }

    /**
     * Contract: a deferred claim writes nothing until its commit.
     *
     * @throws Exception if the store fails
     */
    @Test
    default void aDeferredClaimWritesNothingUntilItsCommit() throws Exception {
        appendOneTwoThree();
        Claim claim = deferred().claimDeferred("in", Selection.pending().limit(2), lease(T0));
        assertEquals(List.of(1, 2), numbers(claim.messages()));
        try (StreamStore other = otherStore()) {
            assertEquals(List.of(1, 2, 3), numbers(other.read("in", Selection.pending(), List.of(MessageState.PENDING))),
                    "a deferred claim leaves its messages pending in the store");
            int committed = ((TransactionalAppend) contractStore()).commitAndAppend("in", claim.token(), false, 2,
                    Map.of("out", List.of(value(10), value(20))), T0);
            assertEquals(2, committed);
            assertEquals(List.of(3), numbers(other.read("in", Selection.pending(), null)));
            assertEquals(List.of(10, 20), numbers(other.read("out", Selection.pending(), null)));
        }
    }

    /**
     * Contract: a deferred claim whose messages another claimed commits nothing.
     *
     * @throws Exception if the store fails
     */
    @Test
    default void aDeferredClaimWhoseMessagesAnotherClaimedCommitsNothing() throws Exception {
        appendOneTwoThree();
        Claim mine = deferred().claimDeferred("in", Selection.pending().limit(2), lease(T0));
        try (StreamStore other = otherStore()) {
            Claim theirs = other.claim("in", Selection.pending(), lease(T0));
            assertEquals(List.of(1, 2, 3), numbers(theirs.messages()), "unwritten, a deferred claim does not hold");
            assertEquals(0, ((TransactionalAppend) contractStore()).commitAndAppend("in", mine.token(), false, 2,
                    Map.of("out", List.of(value(10))), T0), "nothing is committed unless all its messages are still pending");
            assertEquals(List.of(), numbers(other.read("out", Selection.pending(), null)), "and nothing appended");
            assertEquals(3, other.commit("in", theirs.token(), false), "the other claim is untouched");
        }
        // after the conflict the store claims the ordinary way for a while: this one holds at once
        contractStore().append("in", List.of(value(4)));
        Claim next = deferred().claimDeferred("in", Selection.pending(), lease(T0.plusSeconds(1)));
        assertEquals(List.of(4), numbers(next.messages()));
        try (StreamStore other = otherStore()) {
            assertTrue(other.claim("in", Selection.pending(), lease(T0.plusSeconds(1))).isEmpty());
        }
    }

    /**
     * Contract: renewing writes the claim.
     *
     * @throws Exception if the store fails
     */
    @Test
    default void renewingWritesTheClaim() throws Exception {
        appendOneTwoThree();
        Claim mine = deferred().claimDeferred("in", Selection.pending().limit(2), lease(T0));
        assertTrue(contractStore().renew("in", mine.token(), T0.plusSeconds(60)));
        try (StreamStore other = otherStore()) {
            assertEquals(List.of(3), numbers(other.claim("in", Selection.pending(), lease(T0)).messages()),
                    "a renewed claim is written and held like an ordinary one");
        }
        assertEquals(2, contractStore().commit("in", mine.token(), false));
    }

    /**
     * Contract: a consumer reading ahead gets the next messages and a third claim is written.
     *
     * @throws Exception if the store fails
     */
    @Test
    default void aConsumerReadingAheadGetsTheNextMessagesAndAThirdClaimIsWritten() throws Exception {
        contractStore().append("in", List.of(value(1), value(2), value(3), value(4)));
        Claim inFlight = deferred().claimDeferred("in", Selection.pending().limit(1), lease(T0));
        Claim ahead = deferred().claimDeferred("in", Selection.pending().limit(1), lease(T0));
        Claim third = deferred().claimDeferred("in", Selection.pending().limit(1), lease(T0));
        assertEquals(List.of(1), numbers(inFlight.messages()));
        assertEquals(List.of(2), numbers(ahead.messages()), "the claim read ahead skips the one in flight");
        assertEquals(List.of(3), numbers(third.messages()));
        try (StreamStore other = otherStore()) {
            assertEquals(List.of(4), numbers(other.claim("in", Selection.pending(), lease(T0)).messages()),
                    "past two outstanding, claims are written, and the deferred ones with them");
        }
        assertEquals(1, contractStore().commit("in", inFlight.token(), false));
        assertEquals(1, contractStore().commit("in", ahead.token(), false));
        assertEquals(1, contractStore().commit("in", third.token(), false));
    }

    /** Contract: claims of one store never overlap. */
    @Test
    default void claimsOfOneStoreNeverOverlap() {
        appendOneTwoThree();
        Claim first = deferred().claimDeferred("in", Selection.pending().limit(2), lease(T0));
        Claim second = deferred().claimDeferred("in", Selection.pending().limit(2), lease(T0));
        Claim third = contractStore().claim("in", Selection.pending(), lease(T0));
        assertEquals(List.of(1, 2), numbers(first.messages()));
        assertEquals(List.of(3), numbers(second.messages()));
        assertTrue(third.isEmpty());
        assertEquals(2, contractStore().commit("in", first.token(), false));
        assertEquals(1, contractStore().commit("in", second.token(), false));
        assertEquals(List.of(), contractStore().read("in", Selection.pending(), null));
    }

    /** Contract: release and dead letter act on a deferred claim. */
    @Test
    default void releaseAndDeadLetterActOnADeferredClaim() {
        appendOneTwoThree();
        Claim failed = deferred().claimDeferred("in", Selection.pending().limit(1), lease(T0));
        assertEquals(1, contractStore().release("in", failed.token(), T0.plusSeconds(10), "boom"));
        Message retried = contractStore().read("in", Selection.pending(), null).get(0);
        assertEquals(1, retried.attempts());
        assertEquals("boom", retried.error());
        assertEquals(List.of(2, 3), numbers(deferred().claimDeferred("in", Selection.pending(), lease(T0.plusSeconds(1)))
                .messages()), "a released message waits for its backoff");
    }

    /** Contract: dead lettering a deferred claim moves its messages. */
    @Test
    default void deadLetteringADeferredClaimMovesItsMessages() {
        appendOneTwoThree();
        Claim poison = deferred().claimDeferred("in", Selection.pending().limit(1), lease(T0));
        assertEquals(1, contractStore().deadLetter("in", poison.token(), "in.dead", "gave up", T0));
        assertEquals(List.of(1), numbers(contractStore().read("in.dead", Selection.pending(), null)));
        assertEquals(List.of(2, 3), numbers(contractStore().read("in", Selection.pending(), null)));
    }

    /**
     * Contract: a crash with a deferred claim leaves its messages pending at once.
     *
     * @throws Exception if the store fails
     */
    @Test
    default void aCrashWithADeferredClaimLeavesItsMessagesPendingAtOnce() throws Exception {
        appendOneTwoThree();
        try (StreamStore crashed = otherStore()) {
            Claim lost = ((DeferredClaims) crashed).claimDeferred("in", Selection.pending(), lease(T0));
            assertEquals(3, lost.messages().size());
        } // closed without ending the claim, as a killed process would leave it
        Claim claim = contractStore().claim("in", Selection.pending(), lease(T0));
        assertEquals(List.of(1, 2, 3), numbers(claim.messages()), "no lease to wait out");
    }
}
