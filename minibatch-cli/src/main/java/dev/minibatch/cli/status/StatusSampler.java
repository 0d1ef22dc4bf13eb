package dev.minibatch.cli.status;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.minibatch.Minibatch;
import dev.minibatch.StreamInfo;
import dev.minibatch.StreamStats;
import dev.minibatch.cli.JsonOutput;
import dev.minibatch.cli.status.Heartbeats.Heartbeat;
import dev.minibatch.spi.StreamStore;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Samples a store for the status web app: every {@code every}, each stream's counts (pending,
 * claimed, done, dead) and the consumers' heartbeats, from which it derives rates and keeps a
 * short history for the charts. The results are published as ready-made JSON documents, so HTTP
 * requests cost nothing and never touch the store.
 *
 * <p>What the rates mean (the store keeps no append or commit counters, see {@link Heartbeats}):
 * <ul>
 *   <li>{@code windowRate}, {@code messageRate}: from the counters consumers publish in heartbeats,
 *       over the last {@link #RATE_WINDOW};</li>
 *   <li>{@code appendRate}: growth of the stored messages (pending + claimed + done + dead) plus
 *       the messages heartbeat-publishing consumers committed and deleted; exact when every
 *       consumer of the stream publishes heartbeats or keeps its messages, else a lower bound;</li>
 *   <li>{@code depthRate}: change of the pending count per second.</li>
 * </ul>
 *
 * <p>Threading: sampling runs on one daemon thread; {@link #statusJson()} and
 * {@link #historyJson()} may be called from any thread. {@link #close()} stops sampling.
 */
public final class StatusSampler implements AutoCloseable {

    /** Rates are averaged over this span. */
    public static final Duration RATE_WINDOW = Duration.ofSeconds(5);
    /** A running consumer whose newest heartbeat is older than this is shown as stale. */
    public static final Duration STALE_AFTER = Heartbeats.INTERVAL.multipliedBy(4);

    private static final Logger LOG = LoggerFactory.getLogger(StatusSampler.class);
    private static final ObjectMapper MAPPER = JsonOutput.mapper();

    private final Minibatch mb;
    private final StreamStore store;
    private final Duration every;
    private final int historySize;
    private final Clock clock;
    private final ScheduledExecutorService timer;
    private final Map<String, Deque<Sample>> samples = new HashMap<>();
    private final Map<String, Deque<Point>> history = new TreeMap<>();
    private final Map<String, Deque<Heartbeat>> heartbeats = new LinkedHashMap<>();
    /** The newest append seen per stream: the store reports none once every message is consumed. */
    private final Map<String, Instant> lastAppendSeen = new HashMap<>();
    private Instant lastHeartbeatRead;
    private Instant lastExpiry = Instant.EPOCH;
    private volatile byte[] statusJson;
    private volatile byte[] historyJson;

    private record Sample(Instant at, long pending, long stored) {
    }

    private record Point(long t, long pending, double appendRate, double windowRate) {
    }

    /**
     * @param every       how often to sample
     * @param historySize points kept per stream for the charts
     */
    public StatusSampler(Minibatch mb, Duration every, int historySize, Clock clock) {
        this.mb = mb;
        this.store = mb.store();
        this.every = every;
        this.historySize = historySize;
        this.clock = clock;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "minibatch-status-sampler");
            t.setDaemon(true);
            return t;
        });
        this.statusJson = ("{\"store\":" + quote(mb.url()) + ",\"streams\":[],\"consumers\":[],\"sampling\":true}")
                .getBytes(StandardCharsets.UTF_8);
        this.historyJson = "{\"streams\":{}}".getBytes(StandardCharsets.UTF_8);
    }

    /** Starts sampling now and then every {@code every}. */
    public StatusSampler start() {
        timer.scheduleWithFixedDelay(this::sampleSafely, 0, every.toMillis(), TimeUnit.MILLISECONDS);
        return this;
    }

    /** The newest {@code /status} document (UTF-8 JSON). */
    public byte[] statusJson() {
        return statusJson;
    }

    /** The newest {@code /history} document (UTF-8 JSON). */
    public byte[] historyJson() {
        return historyJson;
    }

    private void sampleSafely() {
        try {
            sample();
        } catch (RuntimeException e) {
            LOG.warn("sampling {} failed: {}", mb.url(), e.getMessage());
            try {
                ObjectNode status = (ObjectNode) MAPPER.readTree(statusJson);
                status.put("error", "sampling the store failed: " + e.getMessage());
                status.put("time", clock.instant().toString());
                statusJson = MAPPER.writeValueAsBytes(status);
            } catch (Exception ignored) {
                // keep the previous document
            }
        }
    }

    /** Takes one sample and republishes the documents. Called by the timer thread only (and tests). */
    synchronized void sample() {
        Instant now = clock.instant();
        List<StreamInfo> streams = store.listStreams();
        Set<String> names = new HashSet<>();
        streams.forEach(s -> names.add(s.name()));
        readHeartbeats(now, names);

        ObjectNode status = MAPPER.createObjectNode();
        status.put("store", mb.url());
        if (store instanceof dev.minibatch.store.sqlite.SqliteStore sqlite) {
            status.put("storeFile", sqlite.file().toString());
        }
        status.put("time", now.toString());
        status.put("sampleSeconds", every.toMillis() / 1000.0);
        status.put("rateWindowSeconds", RATE_WINDOW.toSeconds());
        ArrayNode streamArray = status.putArray("streams");
        ArrayNode consumerArray = status.putArray("consumers");

        Map<String, double[]> consumerRates = new HashMap<>(); // stream -> {windows/s, deleted msgs/s, consumers}
        for (Deque<Heartbeat> beats : heartbeats.values()) {
            Heartbeat last = beats.peekLast();
            double age = seconds(Duration.between(last.at() == null ? now : last.at(), now));
            boolean stale = "running".equals(last.state()) && age > seconds(STALE_AFTER);
            String state = stale ? "stale" : last.state();
            double[] rate = rate(beats, now);
            if (!"running".equals(state)) {
                rate = new double[] {0, 0};
            }
            ObjectNode c = consumerArray.addObject();
            c.put("id", last.consumer());
            c.put("stream", last.stream());
            c.put("host", last.host());
            c.put("pid", last.pid());
            c.put("command", last.command());
            c.put("emitter", last.emitter());
            c.put("keep", last.keep());
            c.put("state", state);
            c.put("started", last.started() == null ? null : last.started().toString());
            c.put("lastHeartbeat", last.at() == null ? null : last.at().toString());
            c.put("heartbeatAgeSeconds", round(age));
            c.put("windows", last.windows());
            c.put("messages", last.messages());
            c.put("failures", last.failures());
            c.put("deadLettered", last.deadLettered());
            c.put("inFlight", last.inFlight());
            c.put("windowRate", round(rate[0]));
            c.put("messageRate", round(rate[1]));
            double[] sum = consumerRates.computeIfAbsent(last.stream(), k -> new double[3]);
            sum[0] += rate[0];
            if (!last.keep()) {
                sum[1] += rate[1];
            }
            if ("running".equals(state)) {
                sum[2]++;
            }
        }

        long totalPending = 0;
        long totalClaimed = 0;
        long totalDead = 0;
        double totalAppend = 0;
        double totalWindows = 0;
        Set<String> seen = new HashSet<>();
        for (StreamInfo info : streams) {
            String name = info.name();
            if (name.startsWith("_minibatch.") || (name.endsWith(".dead")
                    && names.contains(name.substring(0, name.length() - ".dead".length())))) {
                continue;
            }
            seen.add(name);
            StreamStats stats = store.stats(name);
            long dead = names.contains(name + ".dead") ? store.stats(name + ".dead").pending() : 0;
            long stored = stats.pending() + stats.claimed() + stats.done() + dead;
            Deque<Sample> series = samples.computeIfAbsent(name, k -> new ArrayDeque<>());
            series.addLast(new Sample(now, stats.pending(), stored));
            while (series.size() > 2 && Duration.between(series.peekFirst().at(), now).compareTo(RATE_WINDOW) > 0) {
                series.removeFirst();
            }
            double[] consumers = consumerRates.getOrDefault(name, new double[3]);
            Sample first = series.peekFirst();
            double span = seconds(Duration.between(first.at(), now));
            double growth = span > 0 ? (stored - first.stored()) / span : 0;
            double depthRate = span > 0 ? (stats.pending() - first.pending()) / span : 0;
            double appendRate = span > 0 ? Math.max(0, growth + consumers[1]) : 0;

            ObjectNode s = streamArray.addObject();
            s.put("name", name);
            s.put("pending", stats.pending());
            s.put("claimed", stats.claimed());
            s.put("done", stats.done());
            s.put("dead", dead);
            Instant lastAppend = stats.lastAppend();
            Instant seenBefore = lastAppendSeen.get(name);
            if (lastAppend == null || (seenBefore != null && seenBefore.isAfter(lastAppend))) {
                lastAppend = seenBefore;
            }
            if (lastAppend != null) {
                lastAppendSeen.put(name, lastAppend);
            }
            s.put("lastAppend", lastAppend == null ? null : lastAppend.toString());
            s.put("created", info.created() == null ? null : info.created().toString());
            s.put("appendRate", round(appendRate));
            s.put("windowRate", round(consumers[0]));
            s.put("depthRate", round(depthRate));
            s.put("consumers", (int) consumers[2]);
            totalPending += stats.pending();
            totalClaimed += stats.claimed();
            totalDead += dead;
            totalAppend += appendRate;
            totalWindows += consumers[0];

            Deque<Point> points = history.computeIfAbsent(name, k -> new ArrayDeque<>());
            points.addLast(new Point(now.toEpochMilli(), stats.pending(), round(appendRate), round(consumers[0])));
            while (points.size() > historySize) {
                points.removeFirst();
            }
        }
        samples.keySet().retainAll(seen);
        lastAppendSeen.keySet().retainAll(seen);
        history.keySet().retainAll(seen);

        ObjectNode totals = status.putObject("totals");
        totals.put("streams", seen.size());
        totals.put("pending", totalPending);
        totals.put("claimed", totalClaimed);
        totals.put("dead", totalDead);
        totals.put("appendRate", round(totalAppend));
        totals.put("windowRate", round(totalWindows));
        totals.put("consumersRunning", consumerArray.findValuesAsText("state").stream().filter("running"::equals).count());
        ObjectNode notes = status.putObject("notes");
        notes.put("appendRate", "growth of stored messages plus messages committed and deleted by consumers that "
                + "publish heartbeats, over the last " + RATE_WINDOW.toSeconds() + " s; a lower bound while a consumer "
                + "without heartbeats deletes messages");
        notes.put("windowRate", "windows per second reported in heartbeats by consumers started with 'minibatch consume' "
                + "or 'minibatch demo'");

        ObjectNode hist = MAPPER.createObjectNode();
        hist.put("time", now.toEpochMilli());
        ObjectNode byStream = hist.putObject("streams");
        history.forEach((name, points) -> {
            ArrayNode arr = byStream.putArray(name);
            for (Point p : points) {
                ArrayNode tuple = arr.addArray();
                tuple.add(p.t()).add(p.pending()).add(p.appendRate()).add(p.windowRate());
            }
        });
        try {
            statusJson = MAPPER.writeValueAsBytes(status);
            historyJson = MAPPER.writeValueAsBytes(hist);
        } catch (Exception e) {
            throw new IllegalStateException("cannot encode the status document", e);
        }
    }

    /** Reads the heartbeats since the last read (all retained ones the first time) and forgets old ones. */
    private void readHeartbeats(Instant now, Set<String> streamNames) {
        if (!streamNames.contains(Heartbeats.STREAM)) {
            return;
        }
        Instant since = lastHeartbeatRead == null ? now.minus(Heartbeats.RETENTION)
                : lastHeartbeatRead.minus(Heartbeats.INTERVAL.multipliedBy(3)); // late writers
        for (Heartbeat beat : Heartbeats.read(store, since)) {
            if (beat.at() == null) {
                continue;
            }
            Deque<Heartbeat> beats = heartbeats.computeIfAbsent(beat.consumer(), k -> new ArrayDeque<>());
            if (beats.isEmpty() || beat.at().isAfter(beats.peekLast().at())) {
                beats.addLast(beat);
            }
        }
        lastHeartbeatRead = now;
        heartbeats.values().forEach(beats -> {
            while (beats.size() > 2 && Duration.between(beats.peekFirst().at(), now).compareTo(RATE_WINDOW) > 0) {
                beats.removeFirst();
            }
        });
        heartbeats.values().removeIf(beats -> Duration.between(beats.peekLast().at(), now).compareTo(Heartbeats.RETENTION) > 0);
        if (Duration.between(lastExpiry, now).compareTo(Duration.ofSeconds(30)) > 0) {
            // publishers expire old heartbeats too; this covers a store whose publishers are all gone
            store.expire(Heartbeats.STREAM, now.minus(Heartbeats.RETENTION));
            lastExpiry = now;
        }
    }

    /** {windows/s, messages/s} between the oldest and the newest heartbeat kept (within the rate window). */
    private static double[] rate(Deque<Heartbeat> beats, Instant now) {
        Heartbeat first = beats.peekFirst();
        Heartbeat last = beats.peekLast();
        double span = seconds(Duration.between(first.at(), last.at()));
        if (beats.size() < 2 || span <= 0) {
            return new double[] {0, 0};
        }
        return new double[] {(last.windows() - first.windows()) / span, (last.messages() - first.messages()) / span};
    }

    private static double seconds(Duration d) {
        return d.toNanos() / 1e9;
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }

    private static String quote(String s) {
        return JsonOutput.line(s);
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
