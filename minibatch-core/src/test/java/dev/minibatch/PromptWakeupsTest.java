package dev.minibatch;

import dev.minibatch.model.ConsumerHandle;
import static org.assertj.core.api.Assertions.assertThat;

import dev.minibatch.spi.store.AppendWakeups;
import dev.minibatch.spi.store.StreamStore;
import dev.minibatch.store.memory.MemoryStore;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * How an idle consumer polls a store that pushes append notices: at most once a second while the
 * notices are prompt (a replica set's change stream), at its own interval where the store has to
 * ask the server again and again (the wire emulator). The store is the memory store behind a
 * proxy that adds {@link AppendWakeups}: notices fire on every append, as a change stream's would.
 */
class PromptWakeupsTest {

    /** The memory store, pushing a notice to every subscriber after each append; claims counted. */
    private record Pushing(StreamStore store, AtomicInteger claims) {
        static Pushing of(boolean prompt) {
            MemoryStore inner = new MemoryStore();
            List<Runnable> subscribers = new CopyOnWriteArrayList<>();
            AtomicInteger claims = new AtomicInteger();
            StreamStore store = (StreamStore) Proxy.newProxyInstance(PromptWakeupsTest.class.getClassLoader(),
                    new Class<?>[] {StreamStore.class, AppendWakeups.class}, (proxy, method, args) -> {
                        if (method.getName().equals("subscribeAppends")) {
                            subscribers.add((Runnable) args[1]);
                            return new AppendWakeups.Subscription() {
                                @Override
                                public boolean active() {
                                    return true;
                                }

                                @Override
                                public boolean prompt() {
                                    return prompt;
                                }

                                @Override
                                public void close() {
                                    subscribers.remove((Runnable) args[1]);
                                }
                            };
                        }
                        if (method.getName().equals("claim")) {
                            claims.incrementAndGet();
                        }
                        try {
                            Object result = method.invoke(inner, args);
                            if (method.getName().equals("append")) {
                                subscribers.forEach(Runnable::run);
                            }
                            return result;
                        } catch (InvocationTargetException e) {
                            throw e.getCause();
                        }
                    });
            return new Pushing(store, claims);
        }
    }

    @Test
    void promptNoticesLetAnIdleConsumerPollOnceASecondAndAnAppendStillWakesIt() throws Exception {
        Pushing pushing = Pushing.of(true);
        try (Minibatch mb = Minibatch.builder().store(pushing.store()).shutdownHook(false).build()) {
            CountDownLatch got = new CountDownLatch(1);
            ConsumerHandle c = mb.streaming("s").size(1).start(window -> got.countDown()); // default 10 ms interval
            Thread.sleep(300);
            int from = pushing.claims().get();
            Thread.sleep(3_000);
            int polls = pushing.claims().get() - from;
            assertThat(polls).as("idle polls in 3 s (a 10 ms interval would be ~300)").isBetween(1, 5);
            mb.stream("s").append(Map.of("n", 1));
            assertThat(got.await(5, TimeUnit.SECONDS)).as("the appended message is delivered").isTrue();
            c.stop();
        }
    }

    @Test
    void noticesThatAreNotPromptLeaveThePollIntervalAlone() throws Exception {
        Pushing pushing = Pushing.of(false);
        try (Minibatch mb = Minibatch.builder().store(pushing.store()).shutdownHook(false).build()) {
            ConsumerHandle c = mb.streaming("s").size(1).start(window -> { });
            Thread.sleep(300);
            int from = pushing.claims().get();
            Thread.sleep(1_000);
            assertThat(pushing.claims().get() - from).as("idle polls in 1 s at a 10 ms interval").isGreaterThan(20);
            c.stop();
        }
    }
}
