package dev.minibatch.cli.status;

import dev.minibatch.Minibatch;
import dev.minibatch.micrometer.MinibatchMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The {@code /metrics} document of {@code minibatch serve}: minibatch's Micrometer meters in
 * Prometheus text format. The served process runs no consumers, so what it shows are the store's
 * gauges ({@code minibatch_stream_pending}, {@code _claimed}, {@code _dead}) for every stream in
 * the store, found anew at each scrape; consumer counters and timers come from the processes that
 * run the consumers (bind {@link MinibatchMetrics} to their registry, or use the Spring Boot
 * starter). Thread-safe; {@link #close()} unregisters the meters.
 */
public final class MetricsExporter implements AutoCloseable {

    /** Prometheus' text exposition format. */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final MinibatchMetrics metrics;

    public MetricsExporter(Minibatch minibatch, Duration statsMaxAge) {
        this.metrics = MinibatchMetrics.builder(minibatch).statsMaxAge(statsMaxAge).build();
        metrics.bindTo(registry);
    }

    /** The current text; streams created since the last scrape get their gauges now. */
    public byte[] scrape() {
        try {
            metrics.watchAllStreams();
        } catch (RuntimeException e) {
            // the store is unreachable: the gauges of known streams read NaN, which says so
        }
        return registry.scrape().getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        metrics.close();
        registry.close();
    }
}
