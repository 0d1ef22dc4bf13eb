package dev.minibatch.spring;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.minibatch.Minibatch;
import dev.minibatch.model.Window;
import dev.minibatch.micrometer.MinibatchMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
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
 * A Spring Boot application on a real SQLite file: annotated methods of each accepted signature
 * receive every appended message exactly once; typed payloads are converted with the
 * application's mapper; health is UP and the application's MeterRegistry counted the run.
 */
@SpringBootTest(classes = ListenerApplicationTest.App.class, properties = {
        "app.orders-stream=orders",
        "app.order-window=25",
        "minibatch.metrics.stats-max-age=0s",
        "minibatch.consumer.backoff=10ms",
        // only the application's own (Jackson 3) mapper knows this: proves it is the one converting
        "spring.jackson.property-naming-strategy=SNAKE_CASE"})
class ListenerApplicationTest {

    static final Path DIR = tempDir();

    static Path tempDir() {
        try {
            return Files.createTempDirectory("minibatch-spring");
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @DynamicPropertySource
    static void store(DynamicPropertyRegistry registry) {
        registry.add("minibatch.url", () -> "sqlite:" + DIR.resolve("app.db"));
    }

    @AfterAll
    static void cleanUp() throws Exception {
        try (var files = Files.walk(DIR)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    /** A typed payload, bound by the application's mapper (snake_case names: unit_price). */
    public record Order(String id, int quantity, double unitPrice) {
    }

    public static class Listeners {
        final Map<Integer, Integer> events = new ConcurrentHashMap<>();
        final List<Order> orders = new CopyOnWriteArrayList<>();
        final Set<Integer> windowSizes = ConcurrentHashMap.newKeySet();
        final Map<Integer, Integer> raw = new ConcurrentHashMap<>();

        @MinibatchListener(stream = "events", size = "10")
        public void events(Window window) {
            windowSizes.add(window.size());
            for (JsonNode n : window.data()) {
                events.merge(n.get("i").asInt(), 1, Integer::sum);
            }
        }

        @MinibatchListener(stream = "${app.orders-stream}", size = "${app.order-window}")
        public void orders(List<Order> batch) {
            orders.addAll(batch);
        }

        final List<Integer> flakyAttempts = new CopyOnWriteArrayList<>();
        final Map<Integer, Integer> flaky = new ConcurrentHashMap<>();

        /** Fails every window's first attempt: the retry delivers it. */
        @MinibatchListener(stream = "flaky", size = "5")
        public void flaky(Window window) {
            flakyAttempts.add(window.attempt());
            if (window.attempt() == 1) {
                throw new IllegalStateException("first attempt fails");
            }
            for (JsonNode n : window.data()) {
                flaky.merge(n.asInt(), 1, Integer::sum);
            }
        }

        final Map<Integer, Integer> kept = new ConcurrentHashMap<>();
        final Set<Integer> keptSizes = ConcurrentHashMap.newKeySet();

        @MinibatchListener(stream = "kept", emitter = "count", emitterOptions = "size=${app.kept-size:4}",
                workers = "2", keep = "true")
        public void kept(List<JsonNode> values) {
            keptSizes.add(values.size());
            for (JsonNode n : values) {
                kept.merge(n.asInt(), 1, Integer::sum);
            }
        }

        @MinibatchListener(value = "raw", interval = "50ms", relaxed = "false")
        void raw(List<JsonNode> values) {
            for (JsonNode n : values) {
                raw.merge(n.asInt(), 1, Integer::sum);
            }
        }
    }

    public static class KeyedListeners {
        final Map<String, List<Integer>> bySensor = new ConcurrentHashMap<>();
        final Map<String, Integer> windowsByStoredKey = new ConcurrentHashMap<>();
        final List<String> mixedWindows = new CopyOnWriteArrayList<>();

        /** Windows per value of a data field: every window holds 5 readings of one sensor. */
        @MinibatchListener(stream = "readings", size = "5", key = "sensor")
        public void readings(Window window) {
            for (JsonNode n : window.data()) {
                if (!n.get("sensor").asText().equals(window.key())) {
                    mixedWindows.add(window.key() + " got " + n);
                }
                bySensor.computeIfAbsent(n.get("sensor").asText(), k -> new CopyOnWriteArrayList<>()).add(n.get("n").asInt());
            }
            if (window.size() != 5) {
                mixedWindows.add(window.key() + " had " + window.size());
            }
        }

        /** Windows per stored key (Stream.append(key, value)). */
        @MinibatchListener(stream = "tenants", size = "4", key = "@key")
        public void tenants(Window window) {
            windowsByStoredKey.merge(window.key() + ":" + window.size(), 1, Integer::sum);
        }
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class App {
        @Bean
        Listeners listeners() {
            return new Listeners();
        }

        @Bean
        KeyedListeners keyedListeners() {
            return new KeyedListeners();
        }
    }

    @Autowired
    Minibatch minibatch;

    @Autowired
    Listeners listeners;

    @Autowired
    KeyedListeners keyed;

    @Autowired
    MeterRegistry registry;

    @Autowired
    MinibatchHealthIndicator health;

    @Test
    void everyAppendedMessageArrivesOnceTypedAndCounted() {
        assertThat(minibatch.url()).contains(DIR.resolve("app.db").toString());
        minibatch.stream("events").appendAll(IntStream.range(0, 500).mapToObj(i -> Map.of("i", i)).toList());
        minibatch.stream("orders").appendAll(IntStream.range(0, 100)
                .mapToObj(i -> Map.of("id", "o" + i, "quantity", i, "unit_price", i * 1.5)).toList());
        for (int i = 0; i < 30; i++) {
            minibatch.stream("raw").append(i);
        }
        minibatch.stream("kept").appendAll(IntStream.range(0, 40).boxed().toList());
        minibatch.stream("flaky").appendAll(IntStream.range(0, 10).boxed().toList());

        Waits.until("500 events", () -> listeners.events.size() == 500, () -> listeners.events.size());
        Waits.until("100 orders", () -> listeners.orders.size() == 100, () -> listeners.orders.size());
        Waits.until("30 raw values", () -> listeners.raw.size() == 30, () -> listeners.raw.size());
        Waits.until("everything committed", () -> minibatch.stream("events").stats().pending() == 0
                && minibatch.stream("events").stats().claimed() == 0);

        Waits.until("40 kept values", () -> minibatch.stream("kept").stats().done() == 40,
                () -> minibatch.stream("kept").stats());
        assertThat(listeners.kept).hasSize(40);
        assertThat(listeners.kept.values()).containsOnly(1);
        assertThat(listeners.keptSizes).containsExactly(4);
        Waits.until("10 flaky values after retries", () -> listeners.flaky.size() == 10, () -> listeners.flaky);
        assertThat(listeners.flaky.values()).containsOnly(1);
        assertThat(listeners.flakyAttempts).containsExactlyInAnyOrder(1, 1, 2, 2);
        Waits.until("2 flaky failures counted", () -> counter(MinibatchMetrics.FAILURES, "flaky") == 2);
        assertThat(minibatch.stream("flaky").deadLetters().stats().pending()).isZero();
        assertThat(listeners.events.values()).containsOnly(1);
        assertThat(listeners.windowSizes).containsExactly(10);
        assertThat(listeners.raw.values()).containsOnly(1);
        assertThat(listeners.orders).contains(new Order("o7", 7, 10.5), new Order("o99", 99, 148.5));
        assertThat(listeners.orders).extracting(Order::id).doesNotHaveDuplicates();

        Waits.until("metrics of 50 event windows", () -> counter(MinibatchMetrics.WINDOWS, "events") == 50);
        assertThat(counter(MinibatchMetrics.MESSAGES, "events")).isEqualTo(500);
        assertThat(counter(MinibatchMetrics.WINDOWS, "orders")).isEqualTo(4);
        assertThat(registry.get(MinibatchMetrics.WINDOW_DURATION).tags("stream", "events").timer().count()).isEqualTo(50);
        assertThat(registry.get(MinibatchMetrics.MESSAGE_LATENCY).tags("stream", "orders").timer().count()).isEqualTo(100);
        assertThat(registry.get(MinibatchMetrics.MESSAGE_LATENCY).tags("stream", "orders").timer()
                .max(TimeUnit.NANOSECONDS)).isGreaterThanOrEqualTo(0);
        assertThat(registry.get(MinibatchMetrics.PENDING).tags("stream", "events").gauge().value()).isZero();
        assertThat(registry.get(MinibatchMetrics.DEAD).tags("stream", "orders").gauge().value()).isZero();

        var h = health.health(true);
        assertThat(h.getStatus()).isEqualTo(Status.UP);
        @SuppressWarnings("unchecked")
        Map<String, Map<String, Object>> consumers = (Map<String, Map<String, Object>>) h.getDetails().get("consumers");
        assertThat(consumers).containsKeys("listeners.events", "listeners.orders", "listeners.raw", "listeners.kept");
        assertThat(consumers.get("listeners.events")).containsEntry("running", true).containsEntry("messages", 500L)
                .containsEntry("dead", 0L);
    }

    @Test
    void aKeyAttributeGivesWindowsPerKey() {
        // three sensors interleaved, 10 readings each: windows of 5 readings of one sensor
        minibatch.stream("readings").appendAll(IntStream.range(0, 30)
                .mapToObj(i -> Map.of("sensor", "s" + (i % 3), "n", i)).toList());
        var tenants = minibatch.stream("tenants");
        for (int i = 0; i < 8; i++) {
            tenants.append(i % 2 == 0 ? "a" : "b", i);
        }
        Waits.until("30 readings", () -> keyed.bySensor.values().stream().mapToInt(List::size).sum() == 30,
                () -> keyed.bySensor);
        assertThat(keyed.mixedWindows).isEmpty();
        assertThat(keyed.bySensor).containsOnlyKeys("s0", "s1", "s2");
        assertThat(keyed.bySensor.get("s1")).containsExactlyInAnyOrder(1, 4, 7, 10, 13, 16, 19, 22, 25, 28);
        Waits.until("a window of 4 per tenant", () -> keyed.windowsByStoredKey.size() == 2, () -> keyed.windowsByStoredKey);
        assertThat(keyed.windowsByStoredKey).containsOnly(Map.entry("a:4", 1), Map.entry("b:4", 1));
    }

    private double counter(String name, String stream) {
        var c = registry.find(name).tags("stream", stream).counter();
        return c == null ? -1 : c.count();
    }
}
