package dev.minibatch.store.sqlite;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.minibatch.Minibatch;
import dev.minibatch.model.ConsumerHandle;
import dev.minibatch.plugin.Providers;
import dev.minibatch.spi.store.StreamStore;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cross-process append notices of the SQLite store ({@link SqliteAppendWatch}), with a real second
 * JVM ({@link AppenderMain}, started on this test's class path) appending to the same real file: an
 * idle consumer is woken by its appends without polling for them; with notices lost (the watch
 * muted, broken, or switched off on the URL) the message still arrives, by the once-a-second safety
 * poll or by polling at the consumer's interval. Looks at the store (claims, reads, per-key counts)
 * are counted through a proxy, as {@code minibatch-test}'s {@code LookCountingStore} does (not
 * reachable from here), so "woken, not polled" is shown by counts; time bounds are generous waits
 * on conditions, never measurements.
 */
class CrossProcessWakeupsTest {

    /** Far beyond every wait below: a window that arrives in time was woken, not polled for. */
    private static final Duration NEVER_POLLS = Duration.ofSeconds(60);
    private static final Duration PATIENCE = Duration.ofSeconds(20);
    private static final Set<String> LOOKS = Set.of("claim", "claimDeferred", "claimEach", "read", "pendingByKey");

    @TempDir
    Path dir;

    private final List<AutoCloseable> opened = new ArrayList<>();
    private final AtomicLong looks = new AtomicLong();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = opened.size() - 1; i >= 0; i--) {
            opened.get(i).close();
        }
    }

    // ---- the parts ------------------------------------------------------------------------------

    private String url(String options) {
        return "sqlite:" + dir.resolve("shared.db") + options;
    }

    private SqliteStore store(String options) {
        SqliteStore store = (SqliteStore) Providers.defaults().openStore(url(options));
        opened.add(store);
        return store;
    }

    /** A client on {@code store} seen through a proxy that counts every look for messages. */
    private Minibatch client(StreamStore store) {
        Set<Class<?>> interfaces = new LinkedHashSet<>(List.of(store.getClass().getInterfaces()));
        StreamStore counting = (StreamStore) Proxy.newProxyInstance(getClass().getClassLoader(),
                interfaces.toArray(Class<?>[]::new), (proxy, method, args) -> {
                    if (LOOKS.contains(method.getName())) {
                        looks.incrementAndGet();
                    }
                    try {
                        return method.invoke(store, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        Minibatch mb = Minibatch.builder().store(counting).shutdownHook(false).build();
        opened.add(mb);
        return mb;
    }

    /** The other JVM, appending to {@code url}'s stream {@code stream} a number per line it is sent. */
    private final class Appender implements AutoCloseable {
        private final Process process;
        private final Path log;
        private final OutputStream in;

        Appender(String url, String stream) throws Exception {
            log = dir.resolve("appender.log");
            List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                    "-cp", System.getProperty("java.class.path"), AppenderMain.class.getName(), url, stream);
            process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
            in = process.getOutputStream();
            opened.add(this);
            await("the other JVM ready", () -> output().contains("ready"));
        }

        void append(int n) throws IOException, InterruptedException {
            in.write((n + "\n").getBytes(StandardCharsets.UTF_8));
            in.flush();
            await("the other JVM's append " + n, () -> output().contains("appended " + n));
        }

        String output() {
            try {
                return Files.exists(log) ? Files.readString(log) : "";
            } catch (IOException e) {
                return "";
            }
        }

        /** Ends its input, so it exits; kills it if it has not within 10 s. */
        @Override
        public void close() throws IOException {
            in.close();
            try {
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Waits for {@code condition}, up to {@link #PATIENCE}; also used by {@link SqliteCheckpointsTest}. */
    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + PATIENCE + " waiting for " + what);
            }
            Thread.sleep(5);
        }
    }

    /** Waits until the looks stop changing for a moment: the consumers started and went idle. */
    private void awaitIdle() throws InterruptedException {
        await("a first look", () -> looks.get() > 0);
        long last;
        do {
            last = looks.get();
            Thread.sleep(300);
        } while (looks.get() != last);
    }

    // ---- the tests ------------------------------------------------------------------------------

    @Test
    void anAppendFromAnotherJvmWakesAnIdleConsumerWithoutItPolling() throws Exception {
        SqliteStore store = store("");
        Minibatch mb = client(store);
        List<Integer> got = new CopyOnWriteArrayList<>();
        ConsumerHandle consumer = mb.streaming("orders").size(1).pollInterval(NEVER_POLLS)
                .start(window -> got.add(window.data().get(0).get("n").asInt()));
        awaitIdle();
        assertTrue(store.appendWatch().prompt(), "the watch of the file's log runs");
        Appender other = new Appender(url(""), "orders");
        for (int n = 1; n <= 3; n++) {
            long before = looks.get();
            other.append(n);
            int expected = n;
            await("window " + n + " from the other JVM, without a poll", () -> got.size() == expected);
            long spent = looks.get() - before;
            assertTrue(spent <= 4, "looks for one woken window: " + spent);
        }
        assertTrue(got.equals(List.of(1, 2, 3)), "windows: " + got);
        consumer.stop();
    }

    @Test
    void idleConsumersOfAWatchedFileLookAboutOnceASecondAndTheirHeartbeatsWakeNoOne() throws Exception {
        Minibatch mb = client(store(""));
        List<ConsumerHandle> consumers = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            consumers.add(mb.streaming("idle" + i).size(1).start(window -> { })); // the default 10 ms interval
        }
        awaitIdle();
        long before = looks.get();
        Thread.sleep(3_000);
        long spent = looks.get() - before;
        // at 10 ms ~3,000; at once a second ~30; heartbeats (10 a second, each a write to the log)
        // waking everyone would add ~300
        assertTrue(spent <= 10 * 6, "looks of 10 idle consumers in 3 s: " + spent);
        consumers.forEach(ConsumerHandle::stop);
    }

    @Test
    void aLostNoticeIsMadeUpByTheOnceASecondSafetyPoll() throws Exception {
        SqliteStore store = store("");
        Minibatch mb = client(store);
        List<Integer> got = new CopyOnWriteArrayList<>();
        ConsumerHandle consumer = mb.streaming("orders").size(1) // default 10 ms interval, 1 s while prompt
                .start(window -> got.add(window.data().get(0).get("n").asInt()));
        awaitIdle();
        store.appendWatch().mute(true); // prompt, yet every notice is lost
        assertTrue(store.appendWatch().prompt());
        Appender other = new Appender(url(""), "orders");
        long before = looks.get();
        other.append(1);
        await("the unannounced window, by the safety poll", () -> got.equals(List.of(1)));
        long spent = looks.get() - before;
        // polled for, at once a second: a few looks (polling at 10 ms would be dozens)
        assertTrue(spent >= 1 && spent <= 5, "looks until the unannounced window arrived: " + spent);
        consumer.stop();
    }

    @Test
    void aBrokenWatchFallsBackToPollingAtTheConsumersInterval() throws Exception {
        SqliteStore store = store("");
        Minibatch mb = client(store);
        List<Integer> got = new CopyOnWriteArrayList<>();
        ConsumerHandle consumer = mb.streaming("orders").size(1).pollInterval(Duration.ofMillis(50))
                .start(window -> got.add(window.data().get(0).get("n").asInt()));
        awaitIdle();
        SqliteAppendWatch watch = store.appendWatch();
        watch.breakWatch();
        await("the broken watch no longer prompt", () -> !watch.prompt());
        long from = looks.get();
        await("polling at the 50 ms interval again", () -> looks.get() - from >= 5);
        Appender other = new Appender(url(""), "orders");
        other.append(1);
        await("the window, by polling", () -> got.equals(List.of(1)));
        consumer.stop();
    }

    @Test
    void withCrossProcessWakeupsOffConsumersPollAtTheirInterval() throws Exception {
        SqliteStore store = store("?crossProcessWakeups=false");
        Minibatch mb = client(store);
        List<Integer> got = new CopyOnWriteArrayList<>();
        ConsumerHandle consumer = mb.streaming("orders").size(1).pollInterval(Duration.ofMillis(50))
                .start(window -> got.add(window.data().get(0).get("n").asInt()));
        await("a first look", () -> looks.get() > 0);
        assertFalse(store.appendWatch().prompt(), "no watch when switched off");
        long from = looks.get();
        await("polling at the 50 ms interval", () -> looks.get() - from >= 5);
        Appender other = new Appender(url(""), "orders");
        other.append(1);
        await("the window, by polling", () -> got.equals(List.of(1)));
        consumer.stop();
    }
}
