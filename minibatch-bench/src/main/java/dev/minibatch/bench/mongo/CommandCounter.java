package dev.minibatch.bench.mongo;

import com.mongodb.event.CommandListener;
import com.mongodb.event.CommandStartedEvent;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts the commands a client sends (started events; the driver's server monitoring is not
 * reported to command listeners, as in pymongo). Thread-safe: the driver calls it from any thread.
 */
final class CommandCounter implements CommandListener {

    private final AtomicLong total = new AtomicLong();
    private final Map<String, LongAdder> byName = new ConcurrentHashMap<>();

    @Override
    public void commandStarted(CommandStartedEvent event) {
        total.incrementAndGet();
        byName.computeIfAbsent(event.getCommandName(), k -> new LongAdder()).increment();
    }

    long total() {
        return total.get();
    }

    void reset() {
        total.set(0);
        byName.clear();
    }

    Map<String, Long> byName() {
        Map<String, Long> out = new TreeMap<>();
        byName.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }
}
