package dev.minibatch.cli.status;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.minibatch.model.ConsumerStatus;
import dev.minibatch.Minibatch;
import dev.minibatch.model.StreamInfo;
import dev.minibatch.model.StreamStats;
import dev.minibatch.cli.JsonOutput;
import dev.minibatch.spi.store.StreamActivity;
import dev.minibatch.spi.store.StreamStore;
import dev.minibatch.spi.store.TableStore;
import dev.minibatch.model.TableEntry;
import dev.minibatch.model.TableInfo;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
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
 * claimed, done, dead) and, where the store keeps them ({@link StreamActivity}: memory and SQLite),
 * the consumers' heartbeats and the stream's count of messages ever appended. From successive
 * samples it derives rates and keeps a short history for the charts. The results are published as
 * ready-made JSON documents, so HTTP requests cost nothing and never touch the store.
 *
 * <p>What the rates mean:
 * <ul>
 *   <li>{@code appendRate}: growth of the store's appended-total over the last {@link #RATE_WINDOW}
 *       (exact); on stores without {@link StreamActivity}, growth of the stored messages (pending +
 *       claimed + done + dead), a lower bound while consumers delete messages
 *       ({@code appendRateExact} says which);</li>
 *   <li>{@code windowRate}, {@code messageRate}: from the counters consumers report in their
 *       heartbeats, over the last {@link #RATE_WINDOW}; summed per stream over running consumers;</li>
 *   <li>{@code depthRate}: change of the pending count per second;</li>
 *   <li>a table's {@code updateRate}: growth of its update count ({@link TableInfo#updates()}, kept
 *       by the store) over the last {@link #RATE_WINDOW}.</li>
 * </ul>
 *
 * <p>On stores with tables ({@link TableStore}) each sample also lists every table (up to
 * {@link #MAX_TABLES}) with its size, update count, update rate and a preview of its first
 * {@link #PREVIEW_ENTRIES} entries in key order, each value as JSON text cut to
 * {@link #PREVIEW_CHARS} characters so a large value never bloats the document.
 *
 * <p>Sampling only reads: it never creates a stream. Threading: sampling runs on one daemon
 * thread; {@link #statusJson()} and {@link #historyJson()} may be called from any thread.
 * {@link #close()} stops sampling.
 */
public final class StatusSampler implements AutoCloseable {

    /** Rates are averaged over this span. */
    public static final Duration RATE_WINDOW = Duration.ofSeconds(5);
    /** Consumers silent for longer are no longer listed. */
    public static final Duration CONSUMERS_SINCE = Duration.ofMinutes(2);
    /** A consumer that has not stopped but whose newest heartbeat is older than this is shown as stale. */
    public static final Duration STALE_AFTER = Duration.ofSeconds(5);

    /** Entries shown per table in the preview. */
    public static final int PREVIEW_ENTRIES = 5;
    /** A previewed value's JSON text is cut to this many characters. */
    public static final int PREVIEW_CHARS = 60;
    /** Tables listed at most (in name order); the status document says how many there are in all. */
    public static final int MAX_TABLES = 100;

    private static final Logger LOG = LoggerFactory.getLogger(StatusSampler.class);
    private static final ObjectMapper MAPPER = JsonOutput.mapper();

    private final Minibatch mb;
    private final StreamStore store;
    private final StreamActivity activity;
    private final TableStore tables;
    private final Map<String, Deque<TableSample>> tableSamples = new HashMap<>();
    private final Duration every;
    private final int historySize;
    private final Clock clock;
    private final ScheduledExecutorService timer;
    private final Map<String, Deque<Sample>> samples = new HashMap<>();
    private final Map<String, Deque<Point>> history = new TreeMap<>();
    private final Map<String, Deque<Beat>> beats = new HashMap<>();
    /** The newest append seen per stream: the store reports none once every message is consumed. */
    private final Map<String, Instant> lastAppendSeen = new HashMap<>();
    private volatile byte[] statusJson;
    private volatile byte[] historyJson;

    /** One stream at one sample: pending, stored (pending + claimed + done + dead) and appended-total. */
    private record Sample(Instant at, long pending, long stored, long appended) {
    }

    /** One table at one sample: its update count. */
    private record TableSample(Instant at, long updates) {
    }

    private record Point(long t, long pending, double appendRate, double windowRate) {
    }

    /** One consumer heartbeat's counters. */
    private record Beat(Instant at, long windows, long messages) {
    }

    /**
     * @param every       how often to sample
     * @param historySize points kept per stream for the charts
     */
    public StatusSampler(Minibatch mb, Duration every, int historySize, Clock clock) {
        this.mb = mb;
        this.store = mb.store();
        this.activity = store instanceof StreamActivity a ? a : null;
        this.tables = store instanceof TableStore t ? t : null;
        this.every = every;
        this.historySize = historySize;
        this.clock = clock;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "minibatch-status-sampler");
            t.setDaemon(true);
            return t;
        });
        this.statusJson = ("{\"store\":" + JsonOutput.line(mb.url()) + ",\"streams\":[],\"consumers\":[],\"tables\":[],\"sampling\":true}")
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

        ObjectNode status = MAPPER.createObjectNode();
        status.put("store", mb.url());
        if (store instanceof dev.minibatch.store.sqlite.SqliteStore sqlite) {
            status.put("storeFile", sqlite.file().toString());
        }
        status.put("time", now.toString());
        status.put("sampleSeconds", every.toMillis() / 1000.0);
        status.put("rateWindowSeconds", RATE_WINDOW.toSeconds());
        status.put("heartbeats", activity != null);
        ArrayNode streamArray = status.putArray("streams");
        ArrayNode consumerArray = status.putArray("consumers");

        boolean anyExact = false;
        long totalPending = 0;
        long totalClaimed = 0;
        long totalDead = 0;
        long running = 0;
        double totalAppend = 0;
        double totalWindows = 0;
        Set<String> seen = new HashSet<>();
        Set<String> liveConsumers = new HashSet<>();
        for (StreamInfo info : streams) {
            String name = info.name();
            if (name.endsWith(".dead") && names.contains(name.substring(0, name.length() - ".dead".length()))) {
                continue; // counted in its stream's row
            }
            seen.add(name);
            StreamStats stats = store.stats(name);
            long dead = names.contains(name + ".dead") ? store.stats(name + ".dead").pending() : 0;
            long stored = stats.pending() + stats.claimed() + stats.done() + dead;
            long appended = activity != null ? activity.appendedTotal(name) : -1;
            Deque<Sample> series = samples.computeIfAbsent(name, k -> new ArrayDeque<>());
            series.addLast(new Sample(now, stats.pending(), stored, appended));
            while (series.size() > 2 && Duration.between(series.peekFirst().at(), now).compareTo(RATE_WINDOW) > 0) {
                series.removeFirst();
            }
            Sample first = series.peekFirst();
            double span = seconds(Duration.between(first.at(), now));
            boolean exact = appended >= 0;
            double appendRate = span <= 0 ? 0 : exact ? (appended - first.appended()) / span
                    : Math.max(0, (stored - first.stored()) / span);
            double depthRate = span > 0 ? (stats.pending() - first.pending()) / span : 0;

            double windowRate = 0;
            int runningHere = 0;
            if (activity != null) {
                for (ConsumerStatus c : activity.consumers(name, now.minus(CONSUMERS_SINCE))) {
                    String key = name + "\n" + c.consumerId();
                    liveConsumers.add(key);
                    String state = c.stopped() ? "stopped"
                            : Duration.between(c.lastSeen(), now).compareTo(STALE_AFTER) > 0 ? "stale" : "running";
                    double[] rate = consumerRate(key, c, now);
                    if (!state.equals("running")) {
                        rate = new double[] {0, 0};
                    } else {
                        runningHere++;
                    }
                    windowRate += rate[0];
                    consumerArray.add(consumerJson(c, state, rate, now));
                }
            }
            running += runningHere;

            Instant lastAppend = stats.lastAppend();
            Instant seenBefore = lastAppendSeen.get(name);
            if (lastAppend == null || (seenBefore != null && seenBefore.isAfter(lastAppend))) {
                lastAppend = seenBefore;
            }
            if (lastAppend != null) {
                lastAppendSeen.put(name, lastAppend);
            }

            ObjectNode s = streamArray.addObject();
            s.put("name", name);
            s.put("pending", stats.pending());
            s.put("claimed", stats.claimed());
            s.put("done", stats.done());
            s.put("dead", dead);
            if (appended >= 0) {
                s.put("appended", appended);
            }
            s.put("lastAppend", lastAppend == null ? null : lastAppend.toString());
            s.put("created", info.created() == null ? null : info.created().toString());
            s.put("appendRate", round(appendRate));
            s.put("appendRateExact", exact);
            anyExact |= exact;
            s.put("windowRate", round(windowRate));
            s.put("depthRate", round(depthRate));
            s.put("consumers", runningHere);
            totalPending += stats.pending();
            totalClaimed += stats.claimed();
            totalDead += dead;
            totalAppend += appendRate;
            totalWindows += windowRate;

            Deque<Point> points = history.computeIfAbsent(name, k -> new ArrayDeque<>());
            points.addLast(new Point(now.toEpochMilli(), stats.pending(), round(appendRate), round(windowRate)));
            while (points.size() > historySize) {
                points.removeFirst();
            }
        }
        samples.keySet().retainAll(seen);
        history.keySet().retainAll(seen);
        lastAppendSeen.keySet().retainAll(seen);
        beats.keySet().retainAll(liveConsumers);

        int tableCount = sampleTables(status, now);

        ObjectNode totals = status.putObject("totals");
        totals.put("streams", seen.size());
        totals.put("pending", totalPending);
        totals.put("claimed", totalClaimed);
        totals.put("dead", totalDead);
        totals.put("appendRate", round(totalAppend));
        totals.put("windowRate", round(totalWindows));
        totals.put("consumersRunning", running);
        if (tables != null) {
            totals.put("tables", tableCount);
        }
        ObjectNode notes = status.putObject("notes");
        if (activity != null) {
            notes.put("appendRate", anyExact
                    ? "messages appended per second over the last " + RATE_WINDOW.toSeconds()
                            + " s, from the store's count of appended messages"
                    : "this store counts no appends: growth of the stored messages over the last "
                            + RATE_WINDOW.toSeconds() + " s, a lower bound while consumers delete messages");
            notes.put("windowRate", "windows per second over the last " + RATE_WINDOW.toSeconds()
                    + " s, from the heartbeats consumers write to the store about once a second");
        } else {
            notes.put("appendRate", "this store keeps no append counts: growth of the stored messages over the last "
                    + RATE_WINDOW.toSeconds() + " s, a lower bound while consumers delete messages");
            notes.put("windowRate", "this store keeps no consumer heartbeats, so consumers and window rates are not shown");
        }

        if (tables != null) {
            notes.put("tables", "update rate: key updates per second over the last " + RATE_WINDOW.toSeconds()
                    + " s, from the table's update count; preview: the first " + PREVIEW_ENTRIES + " keys");
        } else {
            notes.put("tables", "this store keeps no tables");
        }

        ObjectNode hist = MAPPER.createObjectNode();
        hist.put("time", now.toEpochMilli());
        ObjectNode byStream = hist.putObject("streams");
        history.forEach((name, points) -> {
            ArrayNode arr = byStream.putArray(name);
            for (Point p : points) {
                arr.addArray().add(p.t()).add(p.pending()).add(p.appendRate()).add(p.windowRate());
            }
        });
        try {
            statusJson = MAPPER.writeValueAsBytes(status);
            historyJson = MAPPER.writeValueAsBytes(hist);
        } catch (Exception e) {
            throw new IllegalStateException("cannot encode the status document", e);
        }
    }

    /**
     * Adds {@code tables} (and {@code tablesKept}) to the status document; returns how many tables
     * the store has. A failure here is reported in {@code tablesError} and leaves the streams' part intact.
     */
    private int sampleTables(ObjectNode status, Instant now) {
        status.put("tablesKept", tables != null);
        ArrayNode tableArray = status.putArray("tables");
        if (tables == null) {
            return 0;
        }
        List<TableInfo> infos;
        try {
            infos = tables.listTables();
        } catch (RuntimeException e) {
            status.put("tablesError", "listing the tables failed: " + e.getMessage());
            return 0;
        }
        Set<String> seen = new HashSet<>();
        for (TableInfo info : infos.subList(0, Math.min(infos.size(), MAX_TABLES))) {
            seen.add(info.name());
            Deque<TableSample> series = tableSamples.computeIfAbsent(info.name(), k -> new ArrayDeque<>());
            series.addLast(new TableSample(now, info.updates()));
            while (series.size() > 2 && Duration.between(series.peekFirst().at(), now).compareTo(RATE_WINDOW) > 0) {
                series.removeFirst();
            }
            TableSample first = series.peekFirst();
            double span = seconds(Duration.between(first.at(), now));
            double rate = span <= 0 ? 0 : Math.max(0, info.updates() - first.updates()) / span;
            ObjectNode t = tableArray.addObject();
            t.put("name", info.name());
            t.put("size", info.size());
            t.put("updates", info.updates());
            t.put("updateRate", round(rate));
            t.put("lastUpdate", info.lastUpdate() == null ? null : info.lastUpdate().toString());
            ArrayNode preview = t.putArray("preview");
            try {
                for (TableEntry e : tables.tableEntries(info.name(), null, PREVIEW_ENTRIES)) {
                    String text = JsonOutput.line(e.value());
                    preview.addObject().put("key", e.key())
                            .put("value", text.length() > PREVIEW_CHARS ? text.substring(0, PREVIEW_CHARS) + "…" : text);
                }
            } catch (RuntimeException e) {
                t.put("previewError", "reading the first entries failed: " + e.getMessage());
            }
        }
        tableSamples.keySet().retainAll(seen);
        return infos.size();
    }

    /** {windows/s, messages/s} between the oldest and newest heartbeat seen within the rate window. */
    private double[] consumerRate(String key, ConsumerStatus c, Instant now) {
        Deque<Beat> series = beats.computeIfAbsent(key, k -> new ArrayDeque<>());
        if (series.isEmpty() || c.lastSeen().isAfter(series.peekLast().at())) {
            series.addLast(new Beat(c.lastSeen(), c.stats().windows(), c.stats().messages()));
        }
        while (series.size() > 2 && Duration.between(series.peekFirst().at(), now).compareTo(RATE_WINDOW) > 0) {
            series.removeFirst();
        }
        Beat first = series.peekFirst();
        Beat last = series.peekLast();
        double span = seconds(Duration.between(first.at(), last.at()));
        if (series.size() < 2 || span <= 0) {
            return new double[] {0, 0};
        }
        return new double[] {(last.windows() - first.windows()) / span, (last.messages() - first.messages()) / span};
    }

    private static ObjectNode consumerJson(ConsumerStatus c, String state, double[] rate, Instant now) {
        ObjectNode n = MAPPER.createObjectNode();
        n.put("id", c.consumerId());
        n.put("stream", c.stream());
        // consumer ids are host:pid:random:stream:n (Minibatch.ownerId() + stream + number)
        String[] parts = c.consumerId().split(":");
        n.put("host", parts.length > 0 ? parts[0] : "");
        if (parts.length > 1 && parts[1].matches("\\d+")) {
            n.put("pid", Long.parseLong(parts[1]));
        }
        n.put("emitter", c.emitter());
        n.put("state", state);
        n.put("started", c.started() == null ? null : c.started().toString());
        n.put("lastHeartbeat", c.lastSeen().toString());
        n.put("heartbeatAgeSeconds", round(seconds(Duration.between(c.lastSeen(), now))));
        n.put("windows", c.stats().windows());
        n.put("messages", c.stats().messages());
        n.put("failures", c.stats().failures());
        n.put("deadLettered", c.stats().deadLettered());
        n.put("leasesLost", c.stats().leasesLost());
        n.put("inFlight", c.stats().inFlight());
        n.put("windowRate", round(rate[0]));
        n.put("messageRate", round(rate[1]));
        return n;
    }

    private static double seconds(Duration d) {
        return d.toNanos() / 1e9;
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
