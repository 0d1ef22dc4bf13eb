package dev.minibatch.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.minibatch.model.Message;
import dev.minibatch.model.MessageState;
import dev.minibatch.internal.Json;
import dev.minibatch.spi.store.Claim;
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
 * Contract of {@link TransactionalAppend}: a claim's commit and the appended outputs happen
 * together or not at all. Added to a store test like {@link KeyedStoreContract}.
 */
public interface TransactionalAppendContract {

    /** The start time of the cases, {@link StreamStoreContract}'s. */
    Instant T0 = StreamStoreContract.T0;

    /**
     * The store under test (provided by {@link StreamStoreContract}).
     *
     * @return the store
     */
    StreamStore contractStore();

    private TransactionalAppend tx() {
        return assertInstanceOf(TransactionalAppend.class, contractStore(), "the store implements TransactionalAppend");
    }

    private static NewMessage value(int n, String key) {
        return NewMessage.ofTree(T0, Json.mapper().createObjectNode().put("n", n), 0, null).withKey(key);
    }

    private static List<Integer> numbers(List<Message> messages) {
        List<Integer> out = new ArrayList<>();
        messages.forEach(m -> out.add(m.data().get("n").asInt()));
        return out;
    }

    /** Contract: {@code commitAndAppend} does both at once. */
    @Test
    default void commitAndAppendDoesBothAtOnce() {
        TransactionalAppend tx = tx();
        contractStore().append("in", List.of(value(1, null), value(2, null), value(3, null)));
        Claim claim = contractStore().claim("in", Selection.pending().limit(2), new Lease(UUID.randomUUID().toString(), "t", T0, T0.plusSeconds(30)));
        int committed = tx.commitAndAppend("in", claim.token(), false, 2,
                Map.of("out", List.of(value(10, "x"), value(20, "y")), "in.dead", List.of(value(99, null))), T0);
        assertEquals(2, committed);
        assertEquals(List.of(3), numbers(contractStore().read("in", Selection.pending(), null)));
        List<Message> out = contractStore().read("out", Selection.pending(), null);
        assertEquals(List.of(10, 20), numbers(out));
        assertEquals("y", out.get(1).key());
        assertEquals(List.of(99), numbers(contractStore().read("in.dead", Selection.pending(), null)));
    }

    /** Contract: {@code commitAndAppend} with keep marks inputs done. */
    @Test
    default void commitAndAppendWithKeepMarksInputsDone() {
        TransactionalAppend tx = tx();
        contractStore().append("in", List.of(value(1, null)));
        Claim claim = contractStore().claim("in", Selection.pending(), new Lease(UUID.randomUUID().toString(), "t", T0, T0.plusSeconds(30)));
        assertEquals(1, tx.commitAndAppend("in", claim.token(), true, 1, Map.of("out", List.of(value(5, null))), T0));
        assertEquals(List.of(1), numbers(contractStore().read("in", Selection.pending(), List.of(MessageState.DONE))));
    }

    /** Contract: a lost lease appends nothing. */
    @Test
    default void aLostLeaseAppendsNothing() {
        TransactionalAppend tx = tx();
        contractStore().append("in", List.of(value(1, null), value(2, null)));
        Claim claim = contractStore().claim("in", Selection.pending(), new Lease(UUID.randomUUID().toString(), "t", T0, T0.plusSeconds(1)));
        // the lease lapses and another consumer claims the messages
        Claim other = contractStore().claim("in", Selection.pending(), new Lease(UUID.randomUUID().toString(), "u",
                T0.plusSeconds(5), T0.plusSeconds(35)));
        assertEquals(2, other.messages().size());
        assertEquals(0, tx.commitAndAppend("in", claim.token(), false, 2, Map.of("out", List.of(value(10, null))), T0));
        assertTrue(contractStore().read("out", Selection.pending(), null).isEmpty(), "no output without the input's commit");
        assertEquals(2, tx.commitAndAppend("in", other.token(), false, 2, Map.of("out", List.of(value(10, null))), T0));
        assertEquals(List.of(10), numbers(contractStore().read("out", Selection.pending(), null)));
    }
}
