package dev.minibatch.kafka.store;

import dev.minibatch.spi.store.AppendWakeups.Subscription;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who to tell when records arrive for a group's consumers in this process (a fetcher got some): the
 * store's {@code AppendWakeups}, per group id (share or ordered). Thread-safe; a listener that throws
 * is logged and skipped.
 */
final class ArrivalNotices {

    private static final Logger LOG = LoggerFactory.getLogger(ArrivalNotices.class);

    private final Map<String, List<Runnable>> listeners = new ConcurrentHashMap<>();

    /** Tells {@code onAppend} of records arriving for group {@code id} while {@code live} holds; tells it once at once. */
    Subscription listen(String id, Runnable onAppend, BooleanSupplier live) {
        listeners.computeIfAbsent(id, s -> new CopyOnWriteArrayList<>()).add(onAppend);
        onAppend.run(); // records may have arrived before this subscription
        return new Subscription() {
            private volatile boolean open = true;

            @Override
            public boolean active() {
                return open && live.getAsBoolean();
            }

            @Override
            public void close() {
                open = false;
                List<Runnable> l = listeners.get(id);
                if (l != null) {
                    l.remove(onAppend);
                }
            }
        };
    }

    /** Records arrived for group {@code id}. */
    void arrived(String id) {
        List<Runnable> l = listeners.get(id);
        if (l != null) {
            for (Runnable r : l) {
                try {
                    r.run();
                } catch (RuntimeException e) {
                    LOG.debug("append listener of group '{}' failed: {}", id, e.toString());
                }
            }
        }
    }
}
