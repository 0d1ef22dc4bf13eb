package dev.minibatch.spring;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.minibatch.Minibatch;
import dev.minibatch.kafka.KafkaBroker;
import dev.minibatch.micrometer.MinibatchMetrics;
import dev.minibatch.model.Window;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Bean;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * {@code minibatch.url=kafka://…} on a real broker (the Kafka module's {@link KafkaBroker}, share
 * groups on): the {@link Minibatch} bean is on the {@code kafka://} store, a listener gets windows
 * of every appended message once, and the Micrometer meters and health report it.
 */
@SpringBootTest(classes = KafkaStoreApplicationTest.App.class)
class KafkaStoreApplicationTest {

    static final String PREFIX = "spring" + UUID.randomUUID().toString().substring(0, 8) + ".";

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("minibatch.url", () -> {
            try {
                return "kafka://" + KafkaBroker.shared().bootstrapServers() + "/?prefix=" + PREFIX + "&partitions=3";
            } catch (Exception e) {
                throw new IllegalStateException("the test Kafka broker did not start", e);
            }
        });
    }

    public static class Listeners {
        final Map<Integer, Integer> seen = new ConcurrentHashMap<>();
        final List<Integer> sizes = new CopyOnWriteArrayList<>();
        final Map<Integer, Integer> more = new ConcurrentHashMap<>();

        @MinibatchListener(stream = "events", size = "10")
        public void events(Window w) {
            sizes.add(w.size());
            for (JsonNode n : w.data()) {
                seen.merge(n.asInt(), 1, Integer::sum);
            }
        }

        @MinibatchListener(stream = "more", size = "10")
        public void more(Window w) {
            for (JsonNode n : w.data()) {
                more.merge(n.asInt(), 1, Integer::sum);
            }
        }
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class App {
        @Bean
        Listeners listeners() {
            return new Listeners();
        }
    }

    @Autowired
    Minibatch minibatch;

    @Autowired
    Listeners listeners;

    @Autowired
    MeterRegistry registry;

    @Autowired
    MinibatchHealthIndicator health;

    @Test
    void aListenerOnTheKafkaStoreGetsEveryMessageOnceAndTheMetersCountIt() {
        assertThat(minibatch.url()).startsWith("kafka://127.0.0.1:").contains("prefix=" + PREFIX);
        assertThat(minibatch.store().getClass().getName()).isEqualTo("dev.minibatch.kafka.store.KafkaStore");

        minibatch.stream("events").appendAll(IntStream.range(0, 200).boxed().toList());

        Waits.until("200 events", () -> listeners.seen.size() == 200, () -> listeners.seen.size());
        // (pending back at 0: everyMessageConsumedLeavesNothingPending)
        Waits.until("everything committed", () -> minibatch.stream("events").stats().claimed() == 0,
                () -> minibatch.stream("events").stats());
        assertThat(listeners.seen.values()).containsOnly(1);
        assertThat(listeners.sizes).containsOnly(10).hasSize(20);

        Waits.until("20 windows counted", () -> counter(MinibatchMetrics.WINDOWS) == 20, () -> counter(MinibatchMetrics.WINDOWS));
        assertThat(counter(MinibatchMetrics.MESSAGES)).isEqualTo(200);
        assertThat(registry.get(MinibatchMetrics.WINDOW_DURATION).tags("stream", "events").timer().count()).isEqualTo(20);
        assertThat(registry.get(MinibatchMetrics.MESSAGE_LATENCY).tags("stream", "events").timer().count()).isEqualTo(200);
        assertThat(registry.get(MinibatchMetrics.PENDING).tags("stream", "events").gauge().value()).isNotNaN();
        assertThat(registry.get(MinibatchMetrics.CLAIMED).tags("stream", "events").gauge().value()).isZero();
        assertThat(registry.get(MinibatchMetrics.DEAD).tags("stream", "events").gauge().value()).isZero();

        var h = health.health(true);
        assertThat(h.getStatus()).isEqualTo(Status.UP);
        assertThat(h.getDetails().get("url").toString()).startsWith("kafka://127.0.0.1:");
    }

    @Test
    void everyMessageConsumedLeavesNothingPending() {
        minibatch.stream("more").appendAll(IntStream.range(0, 200).boxed().toList());
        Waits.until("200 values", () -> listeners.more.size() == 200, () -> listeners.more.size());
        Waits.until("nothing pending", () -> minibatch.stream("more").stats().pending() == 0,
                () -> minibatch.stream("more").stats());
        Waits.until("the pending gauge at 0", () -> registry.get(MinibatchMetrics.PENDING).tags("stream", "more")
                .gauge().value() == 0);
    }

    private double counter(String name) {
        var c = registry.find(name).tags("stream", "events").counter();
        return c == null ? -1 : c.count();
    }
}
