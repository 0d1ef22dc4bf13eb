package dev.minibatch.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.minibatch.Minibatch;
import dev.minibatch.model.ConsumerHandle;
import dev.minibatch.plugin.Providers;
import dev.minibatch.spi.store.BatchTableCommits;
import dev.minibatch.spi.store.CommitNotReadyException;
import dev.minibatch.spi.store.StreamStore;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A batch of held commits the store cannot take yet ({@link CommitNotReadyException}, as
 * {@code kafka://} says when more records were done ahead of an earlier window than an offset's
 * metadata can name) is held again and committed on a later try, with the windows that finished
 * since, while the consumer goes on. Here a SQLite store behind a proxy refuses every batch once.
 * Before, the runtime gave such a batch up like any failed commit, and its messages waited out their
 * lease (a minute here, far past the wait below).
 */
class CommitNotReadyTest {

    @TempDir
    Path dir;

    @Test
    void aBatchTheStoreCannotTakeYetIsHeldAndCommittedLater() throws Exception {
        StreamStore sqlite = Providers.defaults().openStore("sqlite:" + dir.resolve("not-ready.db"));
        Set<String> refusedOnce = ConcurrentHashMap.newKeySet();
        AtomicInteger refusals = new AtomicInteger();
        AtomicInteger batches = new AtomicInteger();
        StreamStore refusing = refuseEachBatchOnce(sqlite, refusedOnce, refusals, batches);
        try (Minibatch mb = Minibatch.builder().store(refusing).shutdownHook(false).build()) {
            for (int i = 0; i < 300; i++) {
                mb.stream("words").append("w" + (i % 12), 1);
            }
            ConsumerHandle count = mb.streaming("words").keyBy().size(1).lease(Duration.ofSeconds(60))
                    .reduce("counts", Long.class, Long::sum).start();
            try {
                ConsumerRuntimeTest.await("all 300 words counted, long before their lease of a minute", Duration.ofSeconds(20),
                        () -> sum(mb) == 300);
            } finally {
                count.stop();
            }
            assertTrue(refusals.get() > 0, "the store refused batches");
            assertTrue(batches.get() >= refusals.get(), "and took each later: " + batches + " batches, " + refusals + " refusals");
            assertEquals(300, count.stats().messages(), "each word in one committed window: " + count.stats());
            assertEquals(0, count.stats().leasesLost(), count.stats().toString());
            assertEquals(0, mb.stream("words").stats().pending() + mb.stream("words").stats().claimed());
        } finally {
            sqlite.close();
        }
    }

    private static long sum(Minibatch mb) {
        long sum = 0;
        for (int k = 0; k < 12; k++) {
            sum += mb.table("counts").get("w" + k, Long.class).orElse(0L);
        }
        return sum;
    }

    /**
     * The store, refusing each batch of table commits the first time its first window is in one (a
     * batch put back comes again with that window first).
     */
    private static StreamStore refuseEachBatchOnce(StreamStore inner, Set<String> refusedOnce, AtomicInteger refusals,
                                                   AtomicInteger batches) {
        Set<Class<?>> interfaces = new LinkedHashSet<>();
        for (Class<?> c = inner.getClass(); c != null; c = c.getSuperclass()) {
            interfaces.addAll(List.of(c.getInterfaces()));
        }
        assertTrue(interfaces.contains(BatchTableCommits.class), "SQLite commits table windows in batches");
        return (StreamStore) Proxy.newProxyInstance(CommitNotReadyTest.class.getClassLoader(),
                interfaces.toArray(Class<?>[]::new), (proxy, method, args) -> {
                    if (method.getName().equals("commitEachWithState")) {
                        List<?> commits = (List<?>) args[1];
                        String first = ((BatchTableCommits.StatefulCommit) commits.get(0)).token();
                        if (refusedOnce.add(first)) {
                            refusals.incrementAndGet();
                            throw new CommitNotReadyException("refused once for the test");
                        }
                        batches.incrementAndGet();
                    }
                    try {
                        return method.invoke(inner, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }
}
