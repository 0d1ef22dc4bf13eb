package dev.minibatch.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.minibatch.spi.store.AppendWakeups;
import dev.minibatch.spi.store.NewMessage;
import dev.minibatch.spi.store.StreamStore;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Contract of the optional {@link AppendWakeups} capability, for every store that has it: an
 * active subscription is told of appends to its stream (every subscriber of the stream), once
 * more when its pushes start, and nothing after it is closed; closing the store ends its
 * subscriptions. Waits are conditions with a generous bound, never timings.
 *
 * <p>Run it where the store can push (a server with change streams, for MongoDB); where it cannot,
 * {@link AppendWakeups.Subscription#active()} stays false and consumers poll, which the store's own
 * tests cover.
 */
public abstract class AppendWakeupsContract {

    private static final Instant T0 = Instant.parse("2025-01-01T10:00:00Z");

    private StreamStore store;
    private AppendWakeups wakeups;

    /**
     * A new, empty store that implements {@link AppendWakeups} and can push notices here.
     *
     * @return the store
     * @throws Exception if it cannot be created
     */
    protected abstract StreamStore createStore() throws Exception;

    /**
     * The longest a subscription may take to become active, or a notice to arrive (default 20 s).
     *
     * @return the patience
     */
    protected Duration patience() {
        return Duration.ofSeconds(20);
    }

    @BeforeEach
    void open() throws Exception {
        store = createStore();
        wakeups = (AppendWakeups) store;
    }

    @AfterEach
    void close() {
        store.close();
    }

    private void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + patience().toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + " within " + patience());
            }
            Thread.sleep(5);
        }
    }

    private AppendWakeups.Subscription active(String stream, AtomicInteger calls) throws InterruptedException {
        store.openStream(stream, Duration.ofSeconds(10), T0);
        AppendWakeups.Subscription s = wakeups.subscribeAppends(stream, calls::incrementAndGet);
        await("the subscription to '" + stream + "' active", s::active);
        return s;
    }

    private void append(String stream, int n) {
        List<NewMessage> messages = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) {
            messages.add(NewMessage.ofJson(T0.plusMillis(i), "{\"i\":" + i + "}", 0, null));
        }
        store.append(stream, messages);
    }

    @Test
    void aSubscriptionThatBecomesActiveIsToldOnceForWhatItMayHaveMissed() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        try (AppendWakeups.Subscription s = active("started", calls)) {
            await("a notice when pushes start", () -> calls.get() >= 1);
        }
    }

    @Test
    void anAppendToTheStreamWakesEverySubscriberOfIt() throws Exception {
        AtomicInteger first = new AtomicInteger();
        AtomicInteger second = new AtomicInteger();
        try (AppendWakeups.Subscription a = active("orders", first);
             AppendWakeups.Subscription b = active("orders", second)) {
            await("the start notices", () -> first.get() >= 1 && second.get() >= 1);
            int before1 = first.get();
            int before2 = second.get();
            append("orders", 3);
            await("both subscribers told of the append", () -> first.get() > before1 && second.get() > before2);
            assertTrue(a.active() && b.active(), "still active after notices");
        }
    }

    @Test
    void aClosedSubscriptionIsToldNothingMore() throws Exception {
        AtomicInteger closed = new AtomicInteger();
        AtomicInteger open = new AtomicInteger();
        AppendWakeups.Subscription gone = active("quiet", closed);
        try (AppendWakeups.Subscription witness = active("quiet", open)) {
            await("the start notices", () -> closed.get() >= 1 && open.get() >= 1);
            gone.close();
            gone.close(); // idempotent
            int afterClose = closed.get();
            int before = open.get();
            append("quiet", 2);
            // the witness on the same stream hearing of the append means the closed one would have by now
            await("the open subscriber told of the append", () -> open.get() > before);
            assertEquals(afterClose, closed.get(), "notices after close");
            assertFalse(gone.active(), "a closed subscription is not active");
        }
    }

    @Test
    void closingTheStoreEndsItsSubscriptions() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        AppendWakeups.Subscription s = active("ending", calls);
        store.close();
        await("the subscription inactive once its store closed", () -> !s.active());
        s.close(); // still safe to close
    }
}
