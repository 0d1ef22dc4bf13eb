package dev.minibatch.spring;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * {@code minibatch.*} settings of the Spring Boot starter. The URL (with its query options) says
 * where the streams live; the rest are what a URL cannot carry.
 */
@ConfigurationProperties("minibatch")
public class MinibatchProperties {

    /**
     * Store URL: sqlite:/path/file.db, memory:, mongodb://host/db, or any plugin's scheme. Unset: the
     * MINIBATCH_URL / MINIBATCH_MONGO_URL / MONGO_URL environment, else the embedded SQLite default
     * (~/.minibatch/minibatch.db).
     */
    private String url;

    /** Largest encoded message accepted by append, in bytes (default 1 MiB). */
    private Integer maxMessageBytes;

    /** Defaults for every @MinibatchListener consumer. */
    private final Consumer consumer = new Consumer();

    /** Micrometer meters for the consumers and their streams. */
    private final Metrics metrics = new Metrics();

    /**
     * Sources attached to streams while the application runs, by stream name, e.g.
     * minibatch.sources.orders.type=kafka and minibatch.sources.orders.options.topic=orders.
     */
    private final Map<String, Source> sources = new LinkedHashMap<>();

    public String getUrl() {
        return url;
    }

    public void setUrl(String url) {
        this.url = url;
    }

    public Integer getMaxMessageBytes() {
        return maxMessageBytes;
    }

    public void setMaxMessageBytes(Integer maxMessageBytes) {
        this.maxMessageBytes = maxMessageBytes;
    }

    public Consumer getConsumer() {
        return consumer;
    }

    public Metrics getMetrics() {
        return metrics;
    }

    public Map<String, Source> getSources() {
        return sources;
    }

    /** Consumer defaults. */
    public static class Consumer {
        /** Whether @MinibatchListener consumers start with the application context. */
        private boolean autoStartup = true;
        /** How long shutdown waits for windows in flight before releasing them for the next run. */
        private Duration stopTimeout = Duration.ofSeconds(30);
        /** Tries per message before it goes to the dead-letter stream. */
        private int maxAttempts = 5;
        /** How long a claim is held without renewal; renewed every third of it. */
        private Duration lease = Duration.ofSeconds(30);
        /** First retry backoff of a failed window; doubles up to max-backoff. */
        private Duration backoff = Duration.ofSeconds(1);
        /** Longest retry backoff. */
        private Duration maxBackoff = Duration.ofMinutes(1);
        /** How often an idle count consumer polls the store. */
        private Duration pollInterval = Duration.ofMillis(10);

        public boolean isAutoStartup() {
            return autoStartup;
        }

        public void setAutoStartup(boolean autoStartup) {
            this.autoStartup = autoStartup;
        }

        public Duration getStopTimeout() {
            return stopTimeout;
        }

        public void setStopTimeout(Duration stopTimeout) {
            this.stopTimeout = stopTimeout;
        }

        public int getMaxAttempts() {
            return maxAttempts;
        }

        public void setMaxAttempts(int maxAttempts) {
            this.maxAttempts = maxAttempts;
        }

        public Duration getLease() {
            return lease;
        }

        public void setLease(Duration lease) {
            this.lease = lease;
        }

        public Duration getBackoff() {
            return backoff;
        }

        public void setBackoff(Duration backoff) {
            this.backoff = backoff;
        }

        public Duration getMaxBackoff() {
            return maxBackoff;
        }

        public void setMaxBackoff(Duration maxBackoff) {
            this.maxBackoff = maxBackoff;
        }

        public Duration getPollInterval() {
            return pollInterval;
        }

        public void setPollInterval(Duration pollInterval) {
            this.pollInterval = pollInterval;
        }
    }

    /** Metrics settings. */
    public static class Metrics {
        /** Whether minibatch meters are registered with the application's MeterRegistry. */
        private boolean enabled = true;
        /** Client-side percentiles published by the timers. */
        private List<Double> percentiles = new ArrayList<>(List.of(0.5, 0.95, 0.99));
        /** Whether timers also publish a percentile histogram (Prometheus buckets). */
        private boolean histogram;
        /** How long the pending/claimed/dead gauges reuse the store's counts. */
        private Duration statsMaxAge = Duration.ofSeconds(1);

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        public List<Double> getPercentiles() {
            return percentiles;
        }

        public void setPercentiles(List<Double> percentiles) {
            this.percentiles = percentiles;
        }

        public boolean isHistogram() {
            return histogram;
        }

        public void setHistogram(boolean histogram) {
            this.histogram = histogram;
        }

        public Duration getStatsMaxAge() {
            return statsMaxAge;
        }

        public void setStatsMaxAge(Duration statsMaxAge) {
            this.statsMaxAge = statsMaxAge;
        }
    }

    /** A source attached to one stream. */
    public static class Source {
        /** The source provider's name, e.g. kafka, mqtt, mongodb. */
        private String type;
        /** The provider's options, e.g. topic and bootstrap.servers for kafka. */
        private Map<String, String> options = new LinkedHashMap<>();

        public String getType() {
            return type;
        }

        public void setType(String type) {
            this.type = type;
        }

        public Map<String, String> getOptions() {
            return options;
        }

        public void setOptions(Map<String, String> options) {
            this.options = options;
        }
    }
}
