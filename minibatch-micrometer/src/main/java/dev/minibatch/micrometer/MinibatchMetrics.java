package dev.minibatch.micrometer;

import dev.minibatch.model.Message;
import dev.minibatch.Minibatch;
import dev.minibatch.model.StreamInfo;
import dev.minibatch.model.StreamStats;
import dev.minibatch.observe.ConsumerListener;
import dev.minibatch.observe.WindowEvent;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Binds a {@link Minibatch} to a Micrometer {@link MeterRegistry}: every consumer the client runs
 * is counted and timed, and the streams they read (plus any {@link #watch watched} ones) get
 * gauges polled from the store's own counts.
 *
 * <pre>{@code
 * MinibatchMetrics metrics = MinibatchMetrics.builder(mb).percentiles(0.5, 0.95, 0.99).build();
 * metrics.bindTo(registry);      // or let Spring Boot bind it: it is a MeterBinder
 * }</pre>
 *
 * <p>Meters (names as Micrometer writes them; Prometheus turns dots into underscores and adds
 * {@code _total} to counters and {@code _seconds} to timers):
 * <table>
 * <caption>meters</caption>
 * <tr><th>name</th><th>type</th><th>tags</th><th>what</th></tr>
 * <tr><td>{@value #WINDOWS}</td><td>counter</td><td>stream, emitter</td><td>windows committed</td></tr>
 * <tr><td>{@value #MESSAGES}</td><td>counter</td><td>stream, emitter</td><td>messages in committed windows</td></tr>
 * <tr><td>{@value #FAILURES}</td><td>counter</td><td>stream, emitter</td><td>window attempts whose function or sink threw</td></tr>
 * <tr><td>{@value #DEAD_LETTERS}</td><td>counter</td><td>stream, emitter</td><td>messages moved to the dead-letter stream</td></tr>
 * <tr><td>{@value #LEASES_LOST}</td><td>counter</td><td>stream, emitter</td><td>windows whose lease lapsed before commit</td></tr>
 * <tr><td>{@value #WINDOW_DURATION}</td><td>timer</td><td>stream, emitter</td><td>window function + sink time of committed windows</td></tr>
 * <tr><td>{@value #MESSAGE_LATENCY}</td><td>timer</td><td>stream, emitter</td><td>append→window time, one sample per committed message</td></tr>
 * <tr><td>{@value #PENDING}</td><td>gauge</td><td>stream</td><td>messages waiting for a window</td></tr>
 * <tr><td>{@value #CLAIMED}</td><td>gauge</td><td>stream</td><td>messages in live windows</td></tr>
 * <tr><td>{@value #DEAD}</td><td>gauge</td><td>stream</td><td>messages waiting in {@code <stream>.dead}</td></tr>
 * </table>
 *
 * <p>Gauges read {@code StreamStore.stats} when scraped, at most once per {@code statsMaxAge}
 * (default 1 s) per stream; an unreachable store reads as NaN. Timers publish the configured
 * percentiles (default 0.5, 0.95, 0.99) and, if asked, a percentile histogram for server-side
 * aggregation.
 *
 * <p>Thread-safe. Lifecycle: {@link #bindTo} once; {@link #close()} stops listening and removes
 * the meters from the registry. The client stays yours to close.
 */
public final class MinibatchMetrics implements ConsumerListener, MeterBinder, AutoCloseable {

    public static final String WINDOWS = "minibatch.windows";
    public static final String MESSAGES = "minibatch.messages";
    public static final String FAILURES = "minibatch.window.failures";
    public static final String DEAD_LETTERS = "minibatch.dead.letters";
    public static final String LEASES_LOST = "minibatch.leases.lost";
    public static final String WINDOW_DURATION = "minibatch.window.duration";
    public static final String MESSAGE_LATENCY = "minibatch.message.latency";
    public static final String PENDING = "minibatch.stream.pending";
    public static final String CLAIMED = "minibatch.stream.claimed";
    public static final String DEAD = "minibatch.stream.dead";

    private static final Logger LOG = LoggerFactory.getLogger(MinibatchMetrics.class);
    private static final String DEAD_SUFFIX = ".dead";

    private final Minibatch minibatch;
    private final double[] percentiles;
    private final boolean histogram;
    private final Tags commonTags;
    private final long statsMaxAgeNanos;
    /** Streams to watch once bound. */
    private final List<String> toWatch = new CopyOnWriteArrayList<>();
    private final Map<String, ConsumerMeters> byConsumer = new ConcurrentHashMap<>();
    private final Map<String, StreamGauges> byStream = new ConcurrentHashMap<>();
    private final List<Meter> registered = new CopyOnWriteArrayList<>();
    private volatile MeterRegistry registry;

    private MinibatchMetrics(Builder b) {
        this.minibatch = b.minibatch;
        this.percentiles = b.percentiles.clone();
        this.histogram = b.histogram;
        this.commonTags = b.tags;
        this.statsMaxAgeNanos = b.statsMaxAge.toNanos();
        this.toWatch.addAll(b.streams);
    }

    /** Starts configuring metrics for {@code minibatch}. */
    public static Builder builder(Minibatch minibatch) {
        return new Builder(minibatch);
    }

    /** Metrics with the defaults, bound to {@code registry} at once. */
    public static MinibatchMetrics monitor(Minibatch minibatch, MeterRegistry registry) {
        MinibatchMetrics metrics = builder(minibatch).build();
        metrics.bindTo(registry);
        return metrics;
    }

    /**
     * Registers the gauges of the configured streams and starts listening to the client's
     * consumers. Once per instance.
     *
     * @throws IllegalStateException if already bound
     */
    @Override
    public synchronized void bindTo(MeterRegistry target) {
        Objects.requireNonNull(target, "registry");
        if (registry != null) {
            throw new IllegalStateException("MinibatchMetrics is already bound to a registry; build another for "
                    + target.getClass().getSimpleName());
        }
        registry = target;
        for (String stream : toWatch) {
            watch(stream);
        }
        toWatch.clear();
        minibatch.addListener(this);
    }

    /**
     * Adds pending/claimed/dead gauges for {@code stream} (idempotent). Consumed streams are
     * watched automatically on their first window; dead-letter streams ({@code *.dead}) are
     * reported through their stream's {@value #DEAD} gauge instead. Before {@link #bindTo} the
     * stream is remembered and its gauges registered when bound.
     */
    public void watch(String stream) {
        Objects.requireNonNull(stream, "stream");
        if (stream.endsWith(DEAD_SUFFIX)) {
            return;
        }
        MeterRegistry target;
        synchronized (this) {
            target = registry;
            if (target == null) {
                toWatch.add(stream);
                return;
            }
        }
        byStream.computeIfAbsent(stream, s -> {
            StreamGauges g = new StreamGauges(s);
            Tags tags = commonTags.and("stream", s);
            registered.add(Gauge.builder(PENDING, g, x -> x.read(0)).tags(tags)
                    .description("messages waiting for a window").strongReference(true).register(target));
            registered.add(Gauge.builder(CLAIMED, g, x -> x.read(1)).tags(tags)
                    .description("messages in live windows").strongReference(true).register(target));
            registered.add(Gauge.builder(DEAD, g, x -> x.read(2)).tags(tags)
                    .description("messages in the dead-letter stream").strongReference(true).register(target));
            return g;
        });
    }

    /** Watches every stream the store lists now (except dead-letter streams); returns how many are watched. */
    public int watchAllStreams() {
        requireBound();
        for (StreamInfo info : minibatch.streams()) {
            watch(info.name());
        }
        return byStream.size();
    }

    private MeterRegistry requireBound() {
        MeterRegistry target = registry;
        if (target == null) {
            throw new IllegalStateException("MinibatchMetrics is not bound to a registry yet: call bindTo(registry)");
        }
        return target;
    }

    // ---- ConsumerListener -----------------------------------------------------------------------

    @Override
    public void windowCommitted(WindowEvent event) {
        ConsumerMeters m = meters(event.stream(), event.emitter());
        if (m == null) {
            return;
        }
        m.windows.increment();
        m.messages.increment(event.messageCount());
        m.duration.record(event.processing().toNanos(), TimeUnit.NANOSECONDS);
        for (Message message : event.window().messages()) {
            m.latency.record(event.latencyOf(message).toNanos(), TimeUnit.NANOSECONDS);
        }
    }

    @Override
    public void windowFailed(WindowEvent event, Throwable error) {
        ConsumerMeters m = meters(event.stream(), event.emitter());
        if (m != null) {
            m.failures.increment();
        }
    }

    @Override
    public void deadLettered(String stream, String emitter, int messages, String reason) {
        ConsumerMeters m = meters(stream, emitter);
        if (m != null) {
            m.deadLetters.increment(messages);
        }
    }

    @Override
    public void leaseLost(String stream, String emitter, String windowId) {
        ConsumerMeters m = meters(stream, emitter);
        if (m != null) {
            m.leasesLost.increment();
        }
    }

    private ConsumerMeters meters(String stream, String emitter) {
        MeterRegistry target = registry;
        if (target == null) {
            return null;
        }
        ConsumerMeters m = byConsumer.get(stream + '\u0000' + emitter);
        if (m != null) {
            return m;
        }
        watch(stream);
        return byConsumer.computeIfAbsent(stream + '\u0000' + emitter, k -> new ConsumerMeters(target,
                commonTags.and(Tag.of("stream", stream), Tag.of("emitter", emitter))));
    }

    @Override
    public synchronized void close() {
        minibatch.removeListener(this);
        MeterRegistry target = registry;
        if (target != null) {
            for (Meter meter : registered) {
                target.remove(meter);
            }
        }
        registered.clear();
        byConsumer.clear();
        byStream.clear();
    }

    // ---- meters ---------------------------------------------------------------------------------

    /** Whether {@link #bindTo} was called. */
    public boolean isBound() {
        return registry != null;
    }

    private final class ConsumerMeters {
        final Counter windows;
        final Counter messages;
        final Counter failures;
        final Counter deadLetters;
        final Counter leasesLost;
        final Timer duration;
        final Timer latency;

        ConsumerMeters(MeterRegistry target, Tags tags) {
            windows = keep(Counter.builder(WINDOWS).tags(tags).description("windows committed").register(target));
            messages = keep(Counter.builder(MESSAGES).tags(tags).description("messages in committed windows")
                    .register(target));
            failures = keep(Counter.builder(FAILURES).tags(tags)
                    .description("window attempts whose function or sink threw").register(target));
            deadLetters = keep(Counter.builder(DEAD_LETTERS).tags(tags)
                    .description("messages moved to the dead-letter stream").register(target));
            leasesLost = keep(Counter.builder(LEASES_LOST).tags(tags)
                    .description("windows whose lease lapsed before commit").register(target));
            duration = keep(timer(WINDOW_DURATION, "window function and sink time", tags).register(target));
            latency = keep(timer(MESSAGE_LATENCY, "time from append to the message's window", tags).register(target));
        }

        private Timer.Builder timer(String name, String description, Tags tags) {
            Timer.Builder b = Timer.builder(name).tags(tags).description(description).publishPercentileHistogram(histogram);
            if (percentiles.length > 0) {
                b.publishPercentiles(percentiles);
            }
            return b;
        }

        private <M extends Meter> M keep(M meter) {
            registered.add(meter);
            return meter;
        }
    }

    /** The store's counts for one stream, fetched at most once per {@code statsMaxAge}. */
    private final class StreamGauges {
        private final String stream;
        private long fetchedAt;
        private double[] values;

        StreamGauges(String stream) {
            this.stream = stream;
        }

        synchronized double read(int which) {
            long now = System.nanoTime();
            if (values == null || now - fetchedAt >= statsMaxAgeNanos) {
                try {
                    StreamStats stats = minibatch.store().stats(stream);
                    StreamStats dead = minibatch.store().stats(stream + DEAD_SUFFIX);
                    values = new double[] {stats.pending(), stats.claimed(), dead.pending()};
                } catch (RuntimeException e) {
                    LOG.debug("stats of stream '{}' unavailable: {}", stream, e.getMessage());
                    values = new double[] {Double.NaN, Double.NaN, Double.NaN};
                }
                fetchedAt = now;
            }
            return values[which];
        }
    }

    /** Configures {@link MinibatchMetrics}. */
    public static final class Builder {
        private final Minibatch minibatch;
        private double[] percentiles = {0.5, 0.95, 0.99};
        private boolean histogram;
        private Tags tags = Tags.empty();
        private Duration statsMaxAge = Duration.ofSeconds(1);
        private final List<String> streams = new ArrayList<>();

        private Builder(Minibatch minibatch) {
            this.minibatch = Objects.requireNonNull(minibatch, "minibatch");
        }

        /** Client-side percentiles of the timers, each in [0, 1]; none to publish none. */
        public Builder percentiles(double... values) {
            for (double p : values) {
                if (!(p >= 0 && p <= 1)) {
                    throw new IllegalArgumentException("percentiles must be within [0, 1], was " + p);
                }
            }
            this.percentiles = values.clone();
            return this;
        }

        /** Whether timers also publish a percentile histogram (Prometheus buckets); default false. */
        public Builder histogram(boolean publish) {
            this.histogram = publish;
            return this;
        }

        /** Tags added to every meter, e.g. {@code application}. */
        public Builder tags(Iterable<Tag> extra) {
            this.tags = this.tags.and(extra);
            return this;
        }

        /** How long gauges reuse the store's counts (default 1 s; zero asks the store at every read). */
        public Builder statsMaxAge(Duration age) {
            if (age == null || age.isNegative()) {
                throw new IllegalArgumentException("statsMaxAge must be >= 0, was " + age);
            }
            this.statsMaxAge = age;
            return this;
        }

        /** Streams to give gauges from the start, before any consumer reads them. */
        public Builder streams(String... names) {
            for (String n : names) {
                streams.add(Objects.requireNonNull(n, "stream name"));
            }
            return this;
        }

        public MinibatchMetrics build() {
            return new MinibatchMetrics(this);
        }
    }
}
