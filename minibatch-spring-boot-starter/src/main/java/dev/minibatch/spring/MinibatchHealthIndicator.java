package dev.minibatch.spring;

import dev.minibatch.model.ConsumerStats;
import dev.minibatch.Minibatch;
import dev.minibatch.model.StreamStats;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

/**
 * Health of minibatch in the application: DOWN when the store cannot be reached (listing its
 * streams fails) or when a listener's consumer ended although the application is running (its
 * failure is shown); UP otherwise. Details: the store URL (password removed) and, per listener,
 * its stream, whether it runs, its counts and how many messages wait in its dead-letter stream
 * (dead letters are reported, they do not make the application DOWN: the consumer goes on).
 */
public class MinibatchHealthIndicator extends AbstractHealthIndicator {

    private final Minibatch minibatch;
    private final MinibatchListenerContainer container;

    public MinibatchHealthIndicator(Minibatch minibatch, MinibatchListenerContainer container) {
        super("minibatch health check failed");
        this.minibatch = minibatch;
        this.container = container;
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        builder.withDetail("url", minibatch.url());
        try {
            builder.withDetail("streams", minibatch.streams().size());
        } catch (RuntimeException e) {
            builder.down().withDetail("store", "unreachable: " + e.getMessage());
            return;
        }
        boolean allRunning = true;
        Map<String, Object> consumers = new LinkedHashMap<>();
        List<MinibatchListenerContainer.Consumer> all = container == null ? List.of() : container.consumers();
        for (MinibatchListenerContainer.Consumer c : all) {
            Map<String, Object> d = new LinkedHashMap<>();
            boolean running = c.handle().isRunning();
            d.put("stream", c.stream());
            d.put("running", running);
            ConsumerStats s = c.handle().stats();
            d.put("windows", s.windows());
            d.put("messages", s.messages());
            d.put("failures", s.failures());
            d.put("deadLettered", s.deadLettered());
            d.put("inFlight", s.inFlight());
            StreamStats dead = minibatch.store().stats(c.stream() + ".dead");
            d.put("dead", dead.pending());
            if (c.handle().failure() != null) {
                d.put("failure", c.handle().failure().toString());
            }
            if (!running && container.isRunning()) {
                allRunning = false;
            }
            consumers.put(c.id(), d);
        }
        builder.withDetail("consumers", consumers);
        if (allRunning) {
            builder.up();
        } else {
            builder.down();
        }
    }
}
