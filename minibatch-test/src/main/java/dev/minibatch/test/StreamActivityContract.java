package dev.minibatch.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.minibatch.model.ConsumerStats;
import dev.minibatch.model.ConsumerStatus;
import dev.minibatch.spi.store.NewMessage;
import dev.minibatch.spi.store.StreamActivity;
import dev.minibatch.spi.store.StreamStore;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Contract of the optional {@link StreamActivity} capability: heartbeats replace each other per
 * consumer, silent consumers drop out of a {@code since} query, and appended totals count every
 * append.
 */
public abstract class StreamActivityContract {

    private static final Instant T0 = Instant.parse("2025-01-01T10:00:00Z");

    private StreamStore store;
    private StreamActivity activity;

    /**
     * A new, empty store that implements {@link StreamActivity}.
     *
     * @return the store
     * @throws Exception if it cannot be created
     */
    protected abstract StreamStore createStore() throws Exception;

    /**
     * Whether the store counts appends; a store that does not must say so with -1.
     *
     * @return true if it counts appends
     */
    protected boolean countsAppends() {
        return true;
    }

    @BeforeEach
    void open() throws Exception {
        store = createStore();
        activity = (StreamActivity) store;
    }

    @AfterEach
    void close() {
        store.close();
    }

    private static ConsumerStatus status(String id, Instant seen, long windows, boolean stopped) {
        return new ConsumerStatus("s", id, "CountWindow(10)", T0, seen, new ConsumerStats(windows, windows * 10, 0, 0, 0, 1),
                stopped);
    }

    @Test
    void heartbeatsReplaceEachOtherPerConsumer() {
        store.openStream("s", Duration.ofSeconds(10), T0);
        activity.heartbeat(status("a", T0.plusSeconds(1), 1, false));
        activity.heartbeat(status("a", T0.plusSeconds(2), 5, false));
        activity.heartbeat(status("b", T0.plusSeconds(3), 2, true));
        List<ConsumerStatus> all = activity.consumers("s", T0);
        assertEquals(List.of("b", "a"), all.stream().map(ConsumerStatus::consumerId).toList(), "newest first");
        assertEquals(5, all.get(1).stats().windows());
        assertEquals(50, all.get(1).stats().messages());
        assertEquals("CountWindow(10)", all.get(1).emitter());
        assertTrue(all.get(0).stopped());
        assertEquals(List.of("b"), activity.consumers("s", T0.plusMillis(2500)).stream().map(ConsumerStatus::consumerId).toList());
        assertEquals(List.of(), activity.consumers("other", T0));
    }

    @Test
    void appendedTotalCountsEveryAppendOrSaysItDoesNot() {
        List<NewMessage> batch = StreamStoreContract.messages(T0, 0, 7);
        if (!countsAppends()) {
            store.append("s", batch);
            assertEquals(-1, activity.appendedTotal("s"), "a store that does not count appends returns -1");
            return;
        }
        assertEquals(0, activity.appendedTotal("s"));
        store.append("s", batch);
        store.append("s", batch.subList(0, 3));
        assertEquals(10, activity.appendedTotal("s"));
    }
}
