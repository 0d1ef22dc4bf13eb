package dev.minibatch.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.minibatch.model.ConsumerHandle;
import dev.minibatch.Minibatch;
import dev.minibatch.Stream;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code minibatch bench}: a small end-to-end measurement on the chosen store. One producer
 * appends N messages in batches (optionally paced), one consumer reads them in count windows at
 * the same time; prints append throughput, end-to-end throughput and the append→window latency
 * percentiles, and checks that every message arrived exactly once. The JMH suite lives in
 * {@code minibatch-bench}; this is the quick look a user can run anywhere.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Measure throughput and latency on the store, end to end.",
            "Appends N messages in batches while one consumer reads them in count windows; prints msg/s and append→window latency percentiles."})
final class BenchCommand extends BaseCommand {

    @Option(names = {"-m", "--messages"}, defaultValue = "100000", paramLabel = "N",
            description = "Messages to append (default ${DEFAULT-VALUE}); a multiple of --size.")
    int messages;

    @Option(names = "--batch", defaultValue = "1000", paramLabel = "N",
            description = "Messages per appendAll round trip (default ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = {"-n", "--size"}, defaultValue = "100", paramLabel = "N",
            description = "Messages per count window (default ${DEFAULT-VALUE}).")
    int size;

    @Option(names = {"-w", "--workers"}, defaultValue = "1", paramLabel = "N",
            description = "Consumer workers (default ${DEFAULT-VALUE}).")
    int workers;

    @Option(names = "--payload", defaultValue = "100", paramLabel = "BYTES",
            description = "Approximate size of each message (default ${DEFAULT-VALUE}).")
    int payload;

    @Option(names = "--rate", defaultValue = "0", paramLabel = "N",
            description = "Pace the producer to N msg/s; 0 = as fast as it can (default), which makes latency include the queue it builds.")
    int rate;

    @Option(names = "--timeout", defaultValue = "5m", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Give up when the consumer has not received everything after this (default ${DEFAULT-VALUE}).")
    Duration timeout;

    @Override
    public Integer call() throws Exception {
        if (messages < 1 || batch < 1 || size < 1 || workers < 1 || payload < 0 || rate < 0) {
            throw CliException.usage("--messages, --batch, --size and --workers must be at least 1; --payload and --rate at least 0");
        }
        if (messages % size != 0) {
            throw CliException.usage("--messages (" + messages + ") must be a multiple of --size (" + size
                    + "): a count window never emits a partial window");
        }
        PrintWriter out = out();
        try (Minibatch mb = connect(true)) {
            String name = "bench-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss", Locale.ROOT))
                    + "-" + Long.toHexString(System.nanoTime() & 0xffff);
            String padding = "x".repeat(Math.max(0, payload - 40));
            out.println("minibatch bench on " + describeStore(mb) + ", stream " + name + ":");
            out.println("  " + Text.count(messages) + " messages of ~" + Math.max(payload, 40) + " bytes, appendAll batches of "
                    + Text.count(batch) + (rate > 0 ? ", paced to " + Text.count(rate) + " msg/s" : ", unpaced")
                    + ", consumed in CountWindow(" + size + ") by " + Text.plural(workers, "worker"));
            out.flush();

            long[] latency = new long[messages];
            BitSet seen = new BitSet(messages);
            AtomicLong received = new AtomicLong();
            AtomicLong duplicates = new AtomicLong();
            AtomicLong lastWindowAt = new AtomicLong();
            AtomicLong windows = new AtomicLong();
            ConsumerHandle consumer = mb.streaming(name).size(size).workers(workers).start(window -> {
                long now = System.nanoTime();
                synchronized (seen) {
                    for (JsonNode m : window.data()) {
                        int seq = m.path("seq").asInt();
                        if (seen.get(seq)) {
                            duplicates.incrementAndGet();
                        } else {
                            seen.set(seq);
                            latency[seq] = now - m.path("ns").asLong();
                            received.incrementAndGet();
                        }
                    }
                }
                windows.incrementAndGet();
                lastWindowAt.accumulateAndGet(now, Math::max);
            });
            try {
                Stream stream = mb.stream(name);
                long start = System.nanoTime();
                for (int from = 0; from < messages; from += batch) {
                    int to = Math.min(messages, from + batch);
                    if (rate > 0) {
                        long due = start + (long) (from * 1e9 / rate);
                        long wait = due - System.nanoTime();
                        if (wait > 0) {
                            Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                        }
                    }
                    List<ObjectNode> values = new ArrayList<>(to - from);
                    long stamp = System.nanoTime(); // the batch is handed to the store now
                    for (int seq = from; seq < to; seq++) {
                        ObjectNode m = JsonOutput.mapper().createObjectNode();
                        m.put("seq", seq);
                        m.put("ns", stamp);
                        m.put("pad", padding);
                        values.add(m);
                    }
                    stream.appendAll(values);
                }
                long appendNanos = System.nanoTime() - start;
                out.println(String.format(Locale.ROOT, "  append      %s messages in %s = %s msg/s", Text.count(messages),
                        Text.seconds(appendNanos), Text.rate(messages, appendNanos)));
                out.flush();
                long deadline = System.nanoTime() + timeout.toNanos();
                while (received.get() < messages && System.nanoTime() < deadline && consumer.isRunning()) {
                    Thread.sleep(5);
                }
                if (received.get() < messages) {
                    throw CliException.failure("only " + received.get() + " of " + messages + " messages arrived within "
                            + timeout + (consumer.failure() != null ? "; the consumer failed: " + consumer.failure() : ""), null);
                }
                long endToEnd = lastWindowAt.get() - start;
                long[] sorted = latency.clone();
                Arrays.sort(sorted);
                out.println(String.format(Locale.ROOT, "  end to end  %s messages in %s = %s msg/s (%s)", Text.count(messages),
                        Text.seconds(endToEnd), Text.rate(messages, endToEnd), Text.plural(windows.get(), "window")));
                out.println(String.format(Locale.ROOT, "  latency append→window: p50 %s, p99 %s, max %s",
                        millis(percentile(sorted, 0.50)), millis(percentile(sorted, 0.99)), millis(sorted[sorted.length - 1])));
                out.println("  every message arrived exactly once: " + (duplicates.get() == 0 ? "yes" : "NO, "
                        + duplicates.get() + " duplicates"));
                if (rate == 0) {
                    out.println("  (unpaced: latency includes the backlog the producer builds; --rate N measures a steady flow)");
                }
                out.flush();
                return duplicates.get() == 0 ? Main.OK : Main.FAILURE;
            } finally {
                consumer.stop();
            }
        }
    }

    private static long percentile(long[] sorted, double p) {
        return sorted[(int) Math.min(sorted.length - 1, Math.round(p * (sorted.length - 1)))];
    }

    private static String millis(long nanos) {
        return nanos >= 10_000_000 ? String.format(Locale.ROOT, "%,d ms", nanos / 1_000_000)
                : String.format(Locale.ROOT, "%.2f ms", nanos / 1e6);
    }
}
