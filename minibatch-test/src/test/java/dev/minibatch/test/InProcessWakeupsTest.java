package dev.minibatch.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.minibatch.Minibatch;
import dev.minibatch.model.ConsumerHandle;
import dev.minibatch.plugin.Providers;
import dev.minibatch.spi.store.StreamStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Append notices of the built-in stores seen from consumers in the same JVM: an append wakes an
 * idle consumer at once however long its poll interval, through every stage of a pipeline; an idle
 * memory consumer looks only about once a second; SQLite consumers are woken by appends through
 * another store object on the file too (its log is watched; {@code minibatch-core}'s
 * {@code CrossProcessWakeupsTest} does it with a second JVM), and keep their interval where that
 * watch is switched off. Looks at the store (claims, reads, per-key counts) are
 * counted through a wrapper, so "woken, not polled" is shown by counts; the bounds on time are
 * generous waits, never measurements.
 */
class InProcessWakeupsTest {

    /** Far beyond every wait below: a window that arrives in time was woken, not polled for. */
    private static final Duration NEVER_POLLS = Duration.ofSeconds(60);
    private static final Duration PATIENCE = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    private final List<AutoCloseable> opened = new ArrayList<>();
    /** How often consumers looked for messages in the store. */
    private final AtomicLong looks = new AtomicLong();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = opened.size() - 1; i >= 0; i--) {
            opened.get(i).close();
        }
    }

    /** The store behind a proxy with all its capabilities, counting each look for messages. */
    private StreamStore counting(StreamStore inner) {
        return LookCountingStore.wrap(inner, looks);
    }

    private StreamStore open(String store) {
        StreamStore raw = Providers.defaults().openStore(store.equals("sqlite") ? "sqlite:" + dir.resolve("wakeups.db") : "memory:");
        opened.add(raw);
        return raw;
    }

    private Minibatch client(StreamStore store) {
        Minibatch mb = Minibatch.builder().store(counting(store)).shutdownHook(false).build();
        opened.add(mb);
        return mb;
    }

    /** Waits until the looks stop changing for a moment: the consumers started and went idle. */
    private void awaitIdle() throws InterruptedException {
        ConsumerRuntimeTest.await("a first look", PATIENCE, () -> looks.get() > 0);
        long last;
        do {
            last = looks.get();
            Thread.sleep(200);
        } while (looks.get() != last);
    }

    @ParameterizedTest
    @ValueSource(strings = {"memory", "sqlite"})
    void anAppendInThisJvmWakesAnIdleConsumerWhateverItsPollInterval(String store) throws Exception {
        Minibatch mb = client(open(store));
        List<Integer> got = new CopyOnWriteArrayList<>();
        ConsumerHandle consumer = mb.streaming("orders").size(1).pollInterval(NEVER_POLLS)
                .start(window -> got.add(window.data().get(0).get("n").asInt()));
        awaitIdle();
        for (int n = 1; n <= 3; n++) {
            long before = looks.get();
            mb.stream("orders").append(Map.of("n", n));
            int expected = n;
            ConsumerRuntimeTest.await("window " + n + " without a poll", PATIENCE, () -> got.size() == expected);
            long spent = looks.get() - before;
            assertTrue(spent <= 4, "looks for one woken window: " + spent);
        }
        assertEquals(List.of(1, 2, 3), got);
        consumer.stop();
    }

    @ParameterizedTest
    @ValueSource(strings = {"memory", "sqlite"})
    void aStageOutputWakesTheNextStagesConsumersThroughAThreeStagePipeline(String store) throws Exception {
        Minibatch mb = client(open(store));
        List<ConsumerHandle> handles = new ArrayList<>();
        handles.add(mb.stage("in").map(v -> Map.of("n", v.get("n").asInt() + 1)).to("one").pollInterval(NEVER_POLLS).start());
        handles.add(mb.stage("one").map(v -> Map.of("n", v.get("n").asInt() * 10)).to("two").pollInterval(NEVER_POLLS).start());
        handles.add(mb.stage("two").filter(v -> v.get("n").asInt() > 0).to("out").pollInterval(NEVER_POLLS).start());
        List<Integer> out = new CopyOnWriteArrayList<>();
        handles.add(mb.streaming("out").size(1).pollInterval(NEVER_POLLS)
                .start(window -> out.add(window.data().get(0).get("n").asInt())));
        awaitIdle();
        long before = looks.get();
        int messages = 10;
        for (int n = 0; n < messages; n++) {
            mb.stream("in").append(Map.of("n", n));
            int arrived = n + 1;
            ConsumerRuntimeTest.await("message " + n + " through three stages", PATIENCE, () -> out.size() == arrived);
        }
        long perMessage = (looks.get() - before) / messages;
        assertTrue(perMessage <= 4 * 4, "looks per message across four consumers: " + perMessage);
        List<Integer> expected = new ArrayList<>();
        for (int n = 0; n < messages; n++) {
            expected.add((n + 1) * 10);
        }
        assertEquals(expected, out);
        handles.forEach(ConsumerHandle::stop);
    }

    @Test
    void idleMemoryConsumersLookAboutOnceASecondNotAtTheirPollInterval() throws Exception {
        Minibatch mb = client(open("memory"));
        List<ConsumerHandle> consumers = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            consumers.add(mb.streaming("idle" + i).size(1).start(window -> { })); // the default 10 ms interval
        }
        awaitIdle();
        long before = looks.get();
        Thread.sleep(3_000);
        long spent = looks.get() - before;
        // at 10 ms that would be ~3,000; at once a second ~30; the bound leaves room for a loaded machine
        assertTrue(spent <= 10 * 6, "looks of 10 idle consumers in 3 s: " + spent);
        consumers.forEach(ConsumerHandle::stop);
    }

    @Test
    void anAppendThroughAnotherStoreObjectOnTheFileWakesAnIdleSqliteConsumer() throws Exception {
        Minibatch mb = client(open("sqlite"));
        List<Integer> got = new CopyOnWriteArrayList<>();
        ConsumerHandle consumer = mb.streaming("shared").size(1).pollInterval(NEVER_POLLS)
                .start(window -> got.add(window.data().get(0).get("n").asInt()));
        awaitIdle();
        // another store object on the file tells this one nothing directly, as another process would
        // not: the watch of the file's log (issue #26, part 2) does
        StreamStore other = Providers.defaults().openStore("sqlite:" + dir.resolve("wakeups.db"));
        opened.add(other);
        long before = looks.get();
        try (Minibatch producer = Minibatch.builder().store(other).shutdownHook(false).build()) {
            producer.stream("shared").append(Map.of("n", 7));
        }
        ConsumerRuntimeTest.await("the message from the other store object, without a poll", PATIENCE, () -> got.equals(List.of(7)));
        assertTrue(looks.get() - before <= 4, "looks for one woken window: " + (looks.get() - before));
        consumer.stop();
    }

    @Test
    void idleSqliteConsumersKeepTheirIntervalWithCrossProcessWakeupsOff() throws Exception {
        StreamStore shared = Providers.defaults().openStore("sqlite:" + dir.resolve("wakeups.db") + "?crossProcessWakeups=false");
        opened.add(shared);
        Minibatch mb = client(shared);
        List<Integer> got = new CopyOnWriteArrayList<>();
        ConsumerHandle consumer = mb.streaming("shared").size(1).pollInterval(Duration.ofMillis(50))
                .start(window -> got.add(window.data().get(0).get("n").asInt()));
        ConsumerRuntimeTest.await("a first look", PATIENCE, () -> looks.get() > 0);
        long before = looks.get();
        Thread.sleep(1_000);
        // at 50 ms about 20; fewer than 5 would mean the notices let it skip polls
        assertTrue(looks.get() - before >= 5, "looks of an idle SQLite consumer in 1 s: " + (looks.get() - before));
        StreamStore other = Providers.defaults().openStore("sqlite:" + dir.resolve("wakeups.db"));
        opened.add(other);
        try (Minibatch producer = Minibatch.builder().store(other).shutdownHook(false).build()) {
            producer.stream("shared").append(Map.of("n", 7));
        }
        ConsumerRuntimeTest.await("the unannounced message, by polling", PATIENCE, () -> got.equals(List.of(7)));
        consumer.stop();
    }
}
