package dev.minibatch.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.minibatch.model.ConsumerHandle;
import dev.minibatch.Minibatch;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MinibatchMetricsTest {

    @TempDir
    Path dir;

    private Minibatch sqlite() {
        return Minibatch.builder().url("sqlite:" + dir.resolve("m.db")).shutdownHook(false).build();
    }

    @Test
    void countsAndTimesAKnownRunOnASqliteFile() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (Minibatch mb = sqlite();
             MinibatchMetrics metrics = MinibatchMetrics.builder(mb).statsMaxAge(Duration.ZERO).streams("orders").build()) {
            metrics.bindTo(registry);
            mb.stream("orders").appendAll(IntStream.range(0, 250).mapToObj(i -> Map.of("i", i)).toList());
            assertThat(registry.get(MinibatchMetrics.PENDING).tag("stream", "orders").gauge().value()).isEqualTo(250);

            ConsumerHandle h = mb.streaming("orders").size(10).start(w -> Thread.sleep(2));
            waitUntil(() -> h.stats().windows() == 25);
            h.stop();

            Counter windows = registry.get(MinibatchMetrics.WINDOWS).tags("stream", "orders", "emitter", "count").counter();
            Counter messages = registry.get(MinibatchMetrics.MESSAGES).tags("stream", "orders", "emitter", "count").counter();
            assertThat(windows.count()).isEqualTo(25);
            assertThat(messages.count()).isEqualTo(250);
            assertThat(registry.get(MinibatchMetrics.FAILURES).counter().count()).isZero();
            Timer duration = registry.get(MinibatchMetrics.WINDOW_DURATION).tag("stream", "orders").timer();
            assertThat(duration.count()).isEqualTo(25);
            // every window slept at least 2 ms in the function: the timer saw it
            assertThat(duration.totalTime(TimeUnit.MILLISECONDS)).isGreaterThanOrEqualTo(50);
            assertThat(duration.max(TimeUnit.MILLISECONDS)).isGreaterThanOrEqualTo(2);
            Timer latency = registry.get(MinibatchMetrics.MESSAGE_LATENCY).tag("stream", "orders").timer();
            assertThat(latency.count()).isEqualTo(250);
            ValueAtPercentile[] pct = duration.takeSnapshot().percentileValues();
            assertThat(pct).extracting(ValueAtPercentile::percentile).containsExactly(0.5, 0.95, 0.99);
            assertThat(registry.get(MinibatchMetrics.PENDING).tag("stream", "orders").gauge().value()).isZero();
            assertThat(registry.get(MinibatchMetrics.CLAIMED).tag("stream", "orders").gauge().value()).isZero();
        }
    }

    @Test
    void failuresAndDeadLettersAreCountedAndTheDeadGaugeShowsThemInPrometheusText() throws Exception {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        try (Minibatch mb = sqlite(); MinibatchMetrics metrics = MinibatchMetrics.builder(mb).statsMaxAge(Duration.ZERO)
                .histogram(true).build()) {
            metrics.bindTo(registry);
            mb.stream("bad").appendAll(IntStream.range(0, 20).boxed().toList());
            ConsumerHandle h = mb.streaming("bad").size(10).maxAttempts(3).backoff(Duration.ofMillis(1), Duration.ofMillis(5))
                    .start(w -> {
                        throw new IllegalStateException("broken");
                    });
            waitUntil(() -> h.stats().deadLettered() == 20);
            h.stop();
            String text = registry.scrape();
            Map<String, Double> samples = parse(text);
            assertThat(samples.get("minibatch_window_failures_total{emitter=\"count\",stream=\"bad\"}")).isEqualTo(6.0);
            assertThat(samples.get("minibatch_dead_letters_total{emitter=\"count\",stream=\"bad\"}")).isEqualTo(20.0);
            assertThat(samples.get("minibatch_windows_total{emitter=\"count\",stream=\"bad\"}")).isEqualTo(0.0);
            assertThat(samples.get("minibatch_stream_dead{stream=\"bad\"}")).isEqualTo(20.0);
            assertThat(samples.get("minibatch_stream_pending{stream=\"bad\"}")).isEqualTo(0.0);
            // a histogram was asked for: buckets are published
            assertThat(text).contains("minibatch_window_duration_seconds_bucket{");
        }
    }

    @Test
    void aKeyedConsumerCountsTheMessagesWhoseKeyCannotBeComputedAsDeadLetters() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (Minibatch mb = sqlite(); MinibatchMetrics metrics = MinibatchMetrics.monitor(mb, registry)) {
            for (int i = 0; i < 10; i++) {
                mb.stream("keyed").append(i < 2 ? Map.of("i", i) : Map.of("sensor", "s" + (i % 3), "i", i));
            }
            java.util.concurrent.atomic.AtomicInteger delivered = new java.util.concurrent.atomic.AtomicInteger();
            ConsumerHandle h = mb.streaming("keyed").keyBy("sensor").size(1).start(w -> delivered.addAndGet(w.size()));
            waitUntil(() -> delivered.get() == 8 && mb.stream("keyed.dead").stats().pending() == 2);
            h.stop();
            Counter dead = registry.get(MinibatchMetrics.DEAD_LETTERS).tag("stream", "keyed").counter();
            assertThat(dead.count()).as("messages without a key, dead-lettered by the keyed emitter").isEqualTo(2);
        }
    }

    @Test
    void aWindowWhoseClaimWasTakenAwayCountsALostLease() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (Minibatch mb = sqlite(); MinibatchMetrics metrics = MinibatchMetrics.monitor(mb, registry)) {
            mb.stream("lost").appendAll(IntStream.range(0, 10).boxed().toList());
            java.util.concurrent.atomic.AtomicBoolean first = new java.util.concurrent.atomic.AtomicBoolean(true);
            ConsumerHandle h = mb.streaming("lost").size(10).start(w -> {
                if (first.getAndSet(false)) {
                    // what a lapsed lease looks like to this consumer: the store no longer holds the claim for it
                    mb.store().release("lost", w.id(), java.time.Instant.now(), null);
                }
            });
            waitUntil(() -> h.stats().windows() == 2);
            h.stop();
            assertThat(registry.get(MinibatchMetrics.LEASES_LOST).tags("stream", "lost").counter().count()).isEqualTo(1);
            assertThat(registry.get(MinibatchMetrics.WINDOWS).tags("stream", "lost").counter().count()).isEqualTo(2);
            assertThat(mb.stream("lost").stats().pending()).isZero();
        }
    }

    @Test
    void aSecondCallOfBindToIsRefusedAndCloseRemovesTheMeters() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (Minibatch mb = Minibatch.builder().url("memory:").shutdownHook(false).build()) {
            MinibatchMetrics metrics = MinibatchMetrics.builder(mb).streams("a").build();
            metrics.bindTo(registry);
            assertThatThrownBy(() -> metrics.bindTo(new SimpleMeterRegistry()))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("already bound");
            assertThat(registry.find(MinibatchMetrics.PENDING).gauges()).hasSize(1);
            metrics.close();
            assertThat(registry.find(MinibatchMetrics.PENDING).gauges()).isEmpty();
            assertThatThrownBy(() -> MinibatchMetrics.builder(mb).percentiles(1.5))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1.5");
        }
    }

    /** Prometheus text format: {@code name{labels} value} lines, comments skipped. */
    static Map<String, Double> parse(String text) {
        Map<String, Double> out = new HashMap<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int space = line.lastIndexOf(' ');
            out.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
        }
        return out;
    }

    static void waitUntil(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within 60 s");
            }
            Thread.sleep(10);
        }
    }
}
