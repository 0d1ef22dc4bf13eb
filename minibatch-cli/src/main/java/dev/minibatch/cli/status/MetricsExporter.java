package dev.minibatch.cli.status;

import dev.minibatch.model.ConsumerStatus;
import dev.minibatch.Minibatch;
import dev.minibatch.model.StreamInfo;
import dev.minibatch.micrometer.MinibatchMetrics;
import dev.minibatch.spi.store.StreamActivity;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The {@code /metrics} document of {@code minibatch serve}: minibatch's Micrometer meters in
 * Prometheus text format. The served process runs no consumers, so what it shows are the store's
 * gauges ({@code minibatch_stream_pending}, {@code _claimed}, {@code _dead}) for every stream in
 * the store, found anew at each scrape, and, where the store keeps consumer heartbeats (memory,
 * SQLite, MongoDB), {@value #CONSUMERS}: the consumers whose heartbeat is fresh (newer than
 * {@link StatusSampler#STALE_AFTER}) and who have not stopped. Consumer counters and timers come from the processes that
 * run the consumers (bind {@link MinibatchMetrics} to their registry, or use the Spring Boot
 * starter). Thread-safe; {@link #close()} unregisters the meters.
 */
public final class MetricsExporter implements AutoCloseable {

    /** Prometheus' text exposition format. */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    /** Running consumers per stream, from their heartbeats. */
    public static final String CONSUMERS = "minibatch.stream.consumers";

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Minibatch minibatch;
    private final MinibatchMetrics metrics;
    private final StreamActivity activity;
    private final Set<String> consumerGauges = ConcurrentHashMap.newKeySet();

    public MetricsExporter(Minibatch minibatch, Duration statsMaxAge) {
        this.minibatch = minibatch;
        this.metrics = MinibatchMetrics.builder(minibatch).statsMaxAge(statsMaxAge).build();
        this.activity = minibatch.store() instanceof StreamActivity a ? a : null;
        metrics.bindTo(registry);
    }

    /** The current text; streams created since the last scrape get their gauges now. */
    public byte[] scrape() {
        try {
            metrics.watchAllStreams();
            if (activity != null) {
                for (StreamInfo info : minibatch.streams()) {
                    String name = info.name();
                    if (!name.endsWith(".dead") && consumerGauges.add(name)) {
                        Gauge.builder(CONSUMERS, () -> running(name)).tag("stream", name)
                                .description("consumers with a fresh heartbeat that have not stopped").register(registry);
                    }
                }
            }
        } catch (RuntimeException e) {
            // the store is unreachable: the gauges of known streams read NaN, which says so
        }
        return registry.scrape().getBytes(StandardCharsets.UTF_8);
    }

    private double running(String stream) {
        try {
            Instant fresh = minibatch.clock().instant().minus(StatusSampler.STALE_AFTER);
            int n = 0;
            for (ConsumerStatus c : activity.consumers(stream, fresh)) {
                if (!c.stopped() && !c.lastSeen().isBefore(fresh)) {
                    n++;
                }
            }
            return n;
        } catch (RuntimeException e) {
            return Double.NaN;
        }
    }

    @Override
    public void close() {
        metrics.close();
        registry.close();
    }
}
