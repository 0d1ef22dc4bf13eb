package dev.minibatch.runtime;

import dev.minibatch.model.ConsumerStats;
import dev.minibatch.model.ConsumerStatus;
import dev.minibatch.spi.store.StreamActivity;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reports a consumer's counts to a store that keeps heartbeats ({@link StreamActivity}), about once
 * a second and once more when it stops; does nothing on other stores. Loop thread only.
 */
final class Heartbeats {

    private static final Logger LOG = LoggerFactory.getLogger(Heartbeats.class);
    static final Duration EVERY = Duration.ofSeconds(1);

    private final StreamActivity activity;
    private final ConsumerSettings settings;
    private final String consumerId;
    private final Instant started;
    private final Supplier<ConsumerStats> stats;
    private Instant last;

    Heartbeats(StreamActivity activity, ConsumerSettings settings, String consumerId, Supplier<ConsumerStats> stats) {
        this.activity = activity;
        this.settings = settings;
        this.consumerId = consumerId;
        this.started = settings.now();
        this.stats = stats;
    }

    void beat(boolean stopped) {
        if (activity == null) {
            return;
        }
        Instant now = settings.now();
        if (!stopped && last != null && now.isBefore(last.plus(EVERY))) {
            return;
        }
        last = now;
        try {
            activity.heartbeat(new ConsumerStatus(settings.stream(), consumerId, settings.emitter().toString(), started,
                    now, stats.get(), stopped));
        } catch (RuntimeException e) {
            LOG.debug("consumer of stream '{}': heartbeat failed: {}", settings.stream(), e.getMessage());
        }
    }
}
