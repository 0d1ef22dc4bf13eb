package dev.minibatch.mongo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.mongodb.client.MongoClient;
import dev.minibatch.model.ConsumerHandle;
import dev.minibatch.Minibatch;
import dev.minibatch.model.StoreException;
import dev.minibatch.spi.store.AppendWakeups;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Idle consumers woken by a change stream on the wire server with its oplog (as on a replica set),
 * and the polling fallback where the server has none (as standalone mongod and FerretDB 1.x).
 */
class MongoWakeupTest {

    /** The poll delay of the consumers here: without a wake-up, an append waits up to this long. */
    private static final Duration LONG_POLL = Duration.ofSeconds(60);

    private static TestMongo withOplog;
    private static TestMongo withoutOplog;

    @BeforeAll
    static void startServers() {
        withOplog = TestMongo.start(true);
        withoutOplog = TestMongo.start(false);
    }

    @AfterAll
    static void stopServers() {
        withOplog.close();
        withoutOplog.close();
    }

    /** A subscription to the stream's notices, once it is active or after 20 s; the caller closes it. */
    private static AppendWakeups.Subscription awaitActive(MongoStore store, String stream) throws InterruptedException {
        AppendWakeups.Subscription probe = store.subscribeAppends(stream, () -> { });
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!probe.active() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        return probe;
    }

    @Test
    void anIdleConsumerWithALongPollDelayIsWokenByAnAppend() throws Exception {
        CommandCounter counter = new CommandCounter();
        String database = TestMongo.freshDatabase("wake");
        withOplog.url(database);
        try (MongoClient client = counter.client(withOplog.url("admin"));
             Minibatch mb = Minibatch.builder().store(new MongoStore(client, database)).shutdownHook(false).build()) {
            Map<String, Long> arrived = new ConcurrentHashMap<>();
            CountDownLatch both = new CountDownLatch(2);
            ConsumerHandle a = mb.streaming("a").size(1).pollInterval(LONG_POLL)
                    .start(window -> { arrived.put("a", System.nanoTime()); both.countDown(); });
            ConsumerHandle b = mb.streaming("b").size(1).pollInterval(LONG_POLL)
                    .start(window -> { arrived.put("b", System.nanoTime()); both.countDown(); });
            MongoStore store = (MongoStore) mb.store();
            AppendWakeups.Subscription probe = awaitActive(store, "a");
            AppendWakeups.Subscription probeB = awaitActive(store, "b");
            if (!probe.active() || !probeB.active()) {
                // only a real server without change streams (standalone mongod, FerretDB) may end up here
                assertThat(withOplog.isReal()).as("the wire server with its oplog has change streams").isTrue();
                assertThatThrownBy(() -> new MongoStore(client, database,
                        MongoStoreOptions.defaults().withChangeStreams(MongoSource.ChangeStreams.ON)))
                        .isInstanceOf(StoreException.class).hasMessageContaining("change streams are required");
                return;
            }
            Thread.sleep(500); // both consumers have done their first polls and now wait out the long delay
            long idleFrom = counter.count(s -> s.name().equals("find") && !s.mentions(Documents.LEASE_UNTIL));
            Thread.sleep(2_000);
            long polls = counter.count(s -> s.name().equals("find") && !s.mentions(Documents.LEASE_UNTIL));
            assertThat(polls - idleFrom).as("idle with pushes: no polls for the whole poll delay").isLessThanOrEqualTo(1);
            long appended = System.nanoTime();
            mb.stream("a").append(Map.of("n", 1));
            mb.stream("b").append(Map.of("n", 2));
            assertThat(both.await(10, TimeUnit.SECONDS))
                    .as("woken by the change stream, long before the %s poll delay", LONG_POLL).isTrue();
            assertThat(arrived).containsKeys("a", "b");
            assertThat(TimeUnit.NANOSECONDS.toSeconds(arrived.get("a") - appended)).isLessThan(10);
            System.out.printf("append -> window after a wake-up: a %d ms, b %d ms%n",
                    TimeUnit.NANOSECONDS.toMillis(arrived.get("a") - appended),
                    TimeUnit.NANOSECONDS.toMillis(arrived.get("b") - appended));
            long pollsAfter = counter.count(s -> s.name().equals("find") && !s.mentions(Documents.LEASE_UNTIL));
            assertThat(pollsAfter - polls).as("one claim per wake-up, no polling in between").isLessThanOrEqualTo(8);
            probe.close();
            probeB.close();
            a.stop();
            b.stop();
        }
    }

    @Test
    void theEmulatorAnswersAtOnceSoItsNoticesAreNotPromptAndConsumersKeepTheirInterval() throws Exception {
        CommandCounter counter = new CommandCounter();
        String database = TestMongo.freshDatabase("wake");
        withOplog.url(database);
        try (MongoClient client = counter.client(withOplog.url("admin"));
             Minibatch mb = Minibatch.builder().store(new MongoStore(client, database)).shutdownHook(false).build()) {
            CountDownLatch got = new CountDownLatch(1);
            ConsumerHandle c = mb.streaming("d").size(1).start(window -> got.countDown()); // default 10 ms interval
            AppendWakeups.Subscription probe = awaitActive((MongoStore) mb.store(), "d");
            assertThat(probe.active()).as("the wire server with its oplog has change streams").isTrue();
            Thread.sleep(500); // the watcher has had empty answers by now
            assertThat(probe.prompt()).as("the emulator answers a getMore at once instead of awaiting data").isFalse();
            long idleFrom = counter.count(s -> s.name().equals("find") && !s.mentions(Documents.LEASE_UNTIL));
            Thread.sleep(1_000);
            long polls = counter.count(s -> s.name().equals("find") && !s.mentions(Documents.LEASE_UNTIL)) - idleFrom;
            assertThat(polls).as("idle polls in 1 s at the 10 ms interval").isGreaterThan(20);
            long asks = counter.count(s -> s.name().equals("getMore"));
            Thread.sleep(1_000);
            // quiet: at most one ask per 10 ms
            assertThat(counter.count(s -> s.name().equals("getMore")) - asks).as("getMores in 1 s idle").isLessThanOrEqualTo(110);
            mb.stream("d").append(Map.of("n", 1));
            assertThat(got.await(10, TimeUnit.SECONDS)).as("delivered").isTrue();
            probe.close();
            c.stop();
        }
    }

    @Test
    void aRetryIsNotHeldBackByTheLongPollDelay() throws Exception {
        String database = TestMongo.freshDatabase("retry");
        try (Minibatch mb = Minibatch.connect(withOplog.url(database))) {
            MongoStore store = (MongoStore) mb.store();
            AppendWakeups.Subscription probe = awaitActive(store, "r");
            AtomicInteger attempts = new AtomicInteger();
            CountDownLatch done = new CountDownLatch(1);
            ConsumerHandle handle = mb.streaming("r").size(1).pollInterval(LONG_POLL)
                    .backoff(Duration.ofMillis(300), Duration.ofMillis(300))
                    .start(window -> {
                        if (attempts.incrementAndGet() == 1) {
                            throw new IllegalStateException("first attempt fails");
                        }
                        done.countDown();
                    });
            mb.stream("r").append(Map.of("n", 1));
            assertThat(done.await(15, TimeUnit.SECONDS))
                    .as("the retry comes after its 300 ms backoff, not after the %s poll delay", LONG_POLL).isTrue();
            assertThat(attempts.get()).isEqualTo(2);
            probe.close();
            handle.stop();
        }
    }

    @Test
    void withoutChangeStreamsConsumersPollAndTheStoreSaysSoOnce() throws Exception {
        PrintStream original = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        String database = TestMongo.freshDatabase("nowake");
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        AtomicInteger seen = new AtomicInteger();
        try (Minibatch mb = Minibatch.connect(withoutOplog.url(database))) {
            MongoStore store = (MongoStore) mb.store();
            List<ConsumerHandle> handles = List.of(
                    mb.streaming("x").size(1).pollInterval(Duration.ofMillis(50)).start(w -> seen.incrementAndGet()),
                    mb.streaming("y").size(1).pollInterval(Duration.ofMillis(50)).start(w -> seen.incrementAndGet()));
            mb.stream("x").append(Map.of("n", 1));
            mb.stream("y").append(Map.of("n", 2));
            RoundTripsAwait.until("both delivered by polling", () -> seen.get() == 2);
            if (!withoutOplog.isReal()) {
                assertThat(store.subscribeAppends("x", () -> { }).active()).as("no change streams here").isFalse();
            }
            handles.forEach(ConsumerHandle::stop);
        } finally {
            System.setErr(original);
        }
        String log = captured.toString(StandardCharsets.UTF_8);
        if (!withoutOplog.isReal()) {
            assertThat(log.split("no change streams on this server", -1)).as("logged once:%n%s", log).hasSize(2);
        }
        assertThat(seen.get()).isEqualTo(2);
    }
}
