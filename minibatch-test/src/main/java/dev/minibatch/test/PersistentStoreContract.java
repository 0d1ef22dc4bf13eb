package dev.minibatch.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.minibatch.model.MessageState;
import dev.minibatch.spi.store.Claim;
import dev.minibatch.spi.store.Selection;
import dev.minibatch.spi.store.StreamStore;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Extra contract for stores that outlive their process: what was appended, claimed, kept or
 * dead-lettered survives closing and reopening the store (a restart).
 */
public abstract class PersistentStoreContract extends StreamStoreContract {

    /**
     * Opens the same storage again (same file, same database) as a new store instance.
     *
     * @return the reopened store
     * @throws Exception if it cannot be opened
     */
    protected abstract StreamStore reopenStore() throws Exception;

    @Test
    void everythingSurvivesARestart() throws Exception {
        store.openStream("s", Duration.ofSeconds(10), T0);
        store.append("s", messages(T0, 0, 6));
        Claim kept = store.claim("s", Selection.pending().limit(1), lease(T0));
        store.commit("s", kept.token(), true);
        Claim inFlight = store.claim("s", Selection.pending().limit(2), lease(T0, Duration.ofSeconds(30)));
        Claim dead = store.claim("s", Selection.pending().limit(1), lease(T0));
        store.deadLetter("s", dead.token(), "s.dead", "poison", T0);
        store.compareAndSetLastRead("s", T0, T0.plusSeconds(10), T0);
        store.close();

        store = reopenStore();
        assertEquals(T0.plusSeconds(10), store.findStream("s").orElseThrow().lastRead());
        assertEquals(List.of(4, 5), numbers(store.read("s", Selection.pending(), null)));
        assertEquals(List.of(0), numbers(store.read("s", Selection.pending(), List.of(MessageState.DONE))));
        assertEquals(List.of(3), numbers(store.read("s.dead", Selection.pending(), null)));
        assertTrue(store.renew("s", inFlight.token(), T0.plusSeconds(60)), "a live lease survives a restart");
        assertEquals(2, store.commit("s", inFlight.token(), false));
    }
}
