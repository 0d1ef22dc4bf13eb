package dev.minibatch.test;

import dev.minibatch.spi.store.StreamStore;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A store seen through a proxy that counts every time a consumer looks for messages in it (claims
 * of any kind, reads, per-key counts), keeping all the store's capabilities except those asked to
 * hide. For tests and benchmarks that show how often consumers poll — counted, not timed.
 */
public final class LookCountingStore {

    /** The store methods that count as a look for messages. */
    public static final Set<String> LOOKS = Set.of("claim", "claimDeferred", "claimEach", "read", "pendingByKey");

    private LookCountingStore() {
    }

    /**
     * Wraps {@code inner}; the proxy implements every interface of the store's class and its
     * superclasses but {@code hidden} (for example {@code AppendWakeups}, to measure a store as if it
     * had no notices).
     *
     * @param inner  the store; closing the proxy closes it
     * @param looks  incremented on every look
     * @param hidden capability interfaces the proxy must not offer
     * @return the counting proxy
     */
    public static StreamStore wrap(StreamStore inner, AtomicLong looks, Class<?>... hidden) {
        Set<Class<?>> interfaces = new LinkedHashSet<>();
        for (Class<?> c = inner.getClass(); c != null; c = c.getSuperclass()) {
            interfaces.addAll(List.of(c.getInterfaces()));
        }
        interfaces.removeAll(List.of(hidden));
        return (StreamStore) Proxy.newProxyInstance(LookCountingStore.class.getClassLoader(),
                interfaces.toArray(Class<?>[]::new), (proxy, method, args) -> {
                    if (LOOKS.contains(method.getName())) {
                        looks.incrementAndGet();
                    }
                    try {
                        return method.invoke(inner, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }
}
