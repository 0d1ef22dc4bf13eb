package dev.minibatch.store.memory;

import dev.minibatch.model.ConsumerStatus;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The memory store's activity for status pages ({@link dev.minibatch.spi.store.StreamActivity}):
 * the latest heartbeat of each consumer, and each stream's count of appended messages.
 *
 * <p><b>Threading.</b> Thread-safe: heartbeats sit in a concurrent map; the append count is read
 * under its stream's lock.
 */
final class MemoryActivity {

    private final MemoryStreams streams;
    /** Latest status by stream and consumer id. */
    private final ConcurrentHashMap<String, ConsumerStatus> consumers = new ConcurrentHashMap<>();

    MemoryActivity(MemoryStreams streams) {
        this.streams = streams;
    }

    void heartbeat(ConsumerStatus status) {
        streams.checkOpen();
        consumers.put(status.stream() + "\u0000" + status.consumerId(), status);
    }

    List<ConsumerStatus> consumers(String stream, Instant since) {
        streams.checkOpen();
        return consumers.values().stream()
                .filter(c -> c.stream().equals(stream) && !c.lastSeen().isBefore(since))
                .sorted(Comparator.comparing(ConsumerStatus::lastSeen).reversed())
                .toList();
    }

    long appendedTotal(String stream) {
        MemoryStream state = streams.existing(stream);
        if (state == null) {
            return 0;
        }
        synchronized (state) {
            return state.appendedTotal;
        }
    }
}
