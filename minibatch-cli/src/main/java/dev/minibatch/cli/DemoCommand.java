package dev.minibatch.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.minibatch.model.ConsumerHandle;
import dev.minibatch.Minibatch;
import dev.minibatch.Stream;
import dev.minibatch.model.StreamStats;
import dev.minibatch.model.Window;
import dev.minibatch.cli.status.StatusSampler;
import dev.minibatch.cli.status.StatusServer;
import dev.minibatch.emitter.CountWindow;
import dev.minibatch.emitter.FixedTimeWindow;
import dev.minibatch.spi.emitter.WindowEmitter;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code minibatch demo}: a producer and two consumers on the store (the embedded SQLite file by
 * default), in one process, for a few seconds: sensor readings go to two fresh streams, one read in
 * count windows, one in fixed time windows. Prints windows as they arrive with live counts and
 * rates, then a summary that checks every reading arrived exactly once in each consumer.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run a producer and two consumers on fresh demo streams (no setup).",
            "Sensor readings go to two new streams, one read in count windows, one in fixed time windows; windows are shown as they arrive, then a summary checks every reading arrived exactly once."})
final class DemoCommand extends BaseCommand {

    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss", Locale.ROOT);
    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss", Locale.ROOT);

    @Option(names = "--duration", defaultValue = "10s", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "How long the producer runs (default ${DEFAULT-VALUE}).")
    Duration duration;

    @Option(names = "--rate", defaultValue = "500", paramLabel = "N",
            description = "Readings appended per second (default ${DEFAULT-VALUE}).")
    int rate;

    @Option(names = {"-n", "--size"}, defaultValue = "50", paramLabel = "N",
            description = "Messages per count window (default ${DEFAULT-VALUE}).")
    int size;

    @Option(names = {"-i", "--interval"}, defaultValue = "1s", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Length of a time window (default ${DEFAULT-VALUE}).")
    Duration interval;

    @Option(names = "--serve", description = "Also serve the status dashboard while the demo runs, and after it until Ctrl-C.")
    boolean serve;

    @Option(names = {"-p", "--port"}, defaultValue = "8765", paramLabel = "PORT",
            description = "With --serve: the dashboard's port on 127.0.0.1 (default ${DEFAULT-VALUE}).")
    int port;

    /** What one consumer saw. Thread-safe. */
    private static final class Tally {
        final String label;
        final AtomicLong windows = new AtomicLong();
        final AtomicLong readings = new AtomicLong();
        final AtomicLong duplicates = new AtomicLong();
        private final BitSet seen = new BitSet();

        Tally(String label) {
            this.label = label;
        }

        /** Counts a window; returns its mean temperature. */
        double record(Window window) {
            double sum = 0;
            synchronized (seen) {
                for (JsonNode reading : window.data()) {
                    int seq = reading.path("seq").asInt();
                    if (seen.get(seq)) {
                        duplicates.incrementAndGet();
                    }
                    seen.set(seq);
                    sum += reading.path("temperature").asDouble();
                }
            }
            windows.incrementAndGet();
            readings.addAndGet(window.size());
            return window.size() == 0 ? 0 : sum / window.size();
        }
    }

    @Override
    public Integer call() throws Exception {
        if (rate < 1 || size < 1 || duration.isNegative() || duration.isZero() || interval.toMillis() < 10) {
            throw CliException.usage("--rate and --size must be at least 1, --duration positive, --interval at least 10ms");
        }
        PrintWriter out = out();
        try (Minibatch mb = connect(true)) {
            String base = "demo-" + LocalDateTime.now().format(STAMP);
            String countStream = base + "-count";
            String timeStream = base + "-time";
            WindowEmitter countEmitter = new CountWindow(size);
            WindowEmitter timeEmitter = new FixedTimeWindow(interval);
            say(out, "minibatch demo on " + describeStore(mb));
            say(out, "  producer: " + Text.count(rate) + " sensor readings/s for " + Text.seconds(duration.toNanos())
                    + " into " + countStream + " and " + timeStream);
            say(out, "  consumer 1: " + Text.emitter(countEmitter) + " on " + countStream);
            say(out, "  consumer 2: " + Text.emitter(timeEmitter) + " on " + timeStream);

            Stream counts = mb.stream(countStream);
            Stream times = mb.stream(timeStream);
            Tally countTally = new Tally(Text.emitter(countEmitter));
            Tally timeTally = new Tally(Text.emitter(timeEmitter));
            long start = System.nanoTime();
            ConsumerHandle countConsumer = mb.streaming(countStream).emitter(countEmitter).start(window -> {
                double mean = countTally.record(window);
                if (countTally.windows.get() <= 3) {
                    say(out, String.format(Locale.ROOT, "[%5.1fs] count window #%d: %d readings, mean %.2f °C%s",
                            (System.nanoTime() - start) / 1e9, countTally.windows.get(), window.size(), mean,
                            countTally.windows.get() == 3 ? "  (further count windows are summed up below)" : ""));
                }
            });
            ConsumerHandle timeConsumer = mb.streaming(timeStream).emitter(timeEmitter).start(window -> {
                double mean = timeTally.record(window);
                say(out, String.format(Locale.ROOT, "[%5.1fs] time  window %s–%s: %d readings, mean %.2f °C",
                        (System.nanoTime() - start) / 1e9, clock(window.from()), clock(window.to()), window.size(), mean));
            });
            StatusServer server = serve ? startServer(mb) : null;

            AtomicLong appended = new AtomicLong();
            AtomicBoolean producing = new AtomicBoolean(true);
            Thread producer = new Thread(() -> produce(counts, times, appended, producing), "minibatch-demo-producer");
            producer.setDaemon(true);
            producer.start();

            long end = start + duration.toNanos();
            long nextLine = start + 1_000_000_000L;
            while (System.nanoTime() < end && producer.isAlive()) {
                Thread.sleep(Math.max(1, Math.min(end, nextLine) - System.nanoTime()) / 1_000_000);
                if (System.nanoTime() >= nextLine) {
                    progress(out, mb, start, appended, countTally, timeTally, countStream, timeStream);
                    nextLine += 1_000_000_000L;
                }
            }
            producing.set(false);
            producer.join();
            // let the consumers take what is left: full count windows, and the last time window
            long drainDeadline = System.nanoTime() + interval.multipliedBy(2).plusSeconds(5).toNanos();
            while (System.nanoTime() < drainDeadline
                    && (countTally.readings.get() + size <= appended.get() || timeTally.readings.get() < appended.get())) {
                Thread.sleep(50);
            }
            progress(out, mb, start, appended, countTally, timeTally, countStream, timeStream);
            countConsumer.stop();
            timeConsumer.stop();
            long took = System.nanoTime() - start;
            StreamStats leftover = mb.store().stats(countStream);
            long total = appended.get();
            boolean countOk = countTally.duplicates.get() == 0 && countTally.readings.get() + leftover.pending() == total
                    && leftover.pending() < size;
            boolean timeOk = timeTally.duplicates.get() == 0 && timeTally.readings.get() == total;

            say(out, "");
            say(out, "Summary after " + Text.seconds(took) + ":");
            say(out, String.format(Locale.ROOT, "  %-22s appended %s readings to each stream (%s/s)", "producer",
                    Text.count(total), Text.rate(total, duration.toNanos())));
            say(out, String.format(Locale.ROOT, "  %-22s %s, %s readings, %s waiting for a full window", countTally.label,
                    Text.plural(countTally.windows.get(), "window"), Text.count(countTally.readings.get()),
                    Text.count(leftover.pending())));
            say(out, String.format(Locale.ROOT, "  %-22s %s, %s readings", timeTally.label,
                    Text.plural(timeTally.windows.get(), "window"), Text.count(timeTally.readings.get())));
            say(out, "  every reading arrived exactly once in each consumer: " + (countOk && timeOk ? "yes" : "NO"));
            say(out, "");
            say(out, "The demo streams stay in the store. Next: 'minibatch streams', 'minibatch buffer " + countStream
                    + "', 'minibatch serve' (dashboard), 'minibatch --help'.");
            if (!countOk || !timeOk) {
                throw CliException.failure("the demo's delivery check failed: count consumer " + countTally.readings.get()
                        + " readings (" + countTally.duplicates.get() + " duplicates, " + leftover.pending()
                        + " pending), time consumer " + timeTally.readings.get() + " (" + timeTally.duplicates.get()
                        + " duplicates), appended " + total, null);
            }
            if (server != null) {
                say(out, "The dashboard stays up at " + server.uri() + " — Ctrl-C stops.");
                new CountDownLatch(1).await(); // until Ctrl-C; the shutdown hook closes the server
            }
            return Main.OK;
        }
    }

    private StatusServer startServer(Minibatch mb) {
        StatusSampler sampler = new StatusSampler(mb, Duration.ofSeconds(1), 300, Clock.systemUTC()).start();
        try {
            StatusServer server = StatusServer.start(sampler, "127.0.0.1", port, null);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                server.close();
                sampler.close();
            }, "minibatch-demo-dashboard-shutdown"));
            say(out(), "  dashboard: " + server.uri());
            return server;
        } catch (IOException e) {
            sampler.close();
            err().println("demo: cannot serve the dashboard on 127.0.0.1:" + port + " (" + e.getMessage()
                    + "); go on without it (choose another --port)");
            return null;
        }
    }

    /** Appends {@code rate} readings per second, in one batch per stream every 50 ms. */
    private void produce(Stream counts, Stream times, AtomicLong appended, AtomicBoolean producing) {
        Random random = new Random();
        long start = System.nanoTime();
        int seq = 0;
        try {
            while (producing.get()) {
                long due = (long) ((System.nanoTime() - start) / 1e9 * rate);
                List<ObjectNode> batch = new ArrayList<>();
                while (seq < due) {
                    ObjectNode reading = JsonOutput.mapper().createObjectNode();
                    reading.put("seq", seq);
                    reading.put("sensor", "sensor-" + (seq % 4));
                    reading.put("temperature", Math.round((21 + random.nextGaussian() * 1.5) * 10) / 10.0);
                    reading.put("at", Instant.now().toString());
                    batch.add(reading);
                    seq++;
                }
                if (!batch.isEmpty()) {
                    counts.appendAll(batch);
                    times.appendAll(batch);
                    appended.addAndGet(batch.size());
                }
                Thread.sleep(50);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            say(out(), "producer failed: " + e.getMessage());
        }
    }

    private void progress(PrintWriter out, Minibatch mb, long start, AtomicLong appended, Tally countTally,
                          Tally timeTally, String countStream, String timeStream) {
        long elapsed = System.nanoTime() - start;
        long waitingCount = mb.store().stats(countStream).pending();
        long waitingTime = mb.store().stats(timeStream).pending();
        say(out, String.format(Locale.ROOT,
                "[%5.1fs] appended %s (%s/s) | count windows %s (%s readings, %s windows/s) | time windows %s (%s readings) | waiting %s + %s",
                elapsed / 1e9, Text.count(appended.get()), Text.rate(appended.get(), elapsed),
                Text.count(countTally.windows.get()), Text.count(countTally.readings.get()),
                Text.rate(countTally.windows.get(), elapsed), Text.count(timeTally.windows.get()),
                Text.count(timeTally.readings.get()), Text.count(waitingCount), Text.count(waitingTime)));
    }

    private static String clock(Instant t) {
        return t == null ? "?" : CLOCK.format(t.atZone(ZoneId.systemDefault()));
    }

    private static void say(PrintWriter out, String line) {
        synchronized (out) {
            out.println(line);
            out.flush();
        }
    }
}
