package dev.minibatch.cli;

import dev.minibatch.model.ConsumerHandle;
import dev.minibatch.model.ConsumerStats;
import dev.minibatch.Minibatch;
import dev.minibatch.Streaming;
import dev.minibatch.model.Window;
import dev.minibatch.cli.sink.NdjsonSink;
import dev.minibatch.cli.sink.NdjsonSinkProviders;
import dev.minibatch.spi.Options;
import dev.minibatch.spi.connector.Sink;
import dev.minibatch.spi.emitter.WindowEmitter;
import dev.minibatch.emitter.CountWindow;
import dev.minibatch.emitter.FixedTimeWindow;
import dev.minibatch.emitter.RelaxedTimeWindow;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code minibatch consume STREAM}: runs one consumer and writes each window as a line of NDJSON
 * (or hands it to a sink by provider name) until Ctrl-C, {@code --max-windows} or
 * {@code --timeout}. A window is committed only after its line was written and flushed (or the
 * sink flushed), so a consumer killed mid-way loses nothing: the window comes back.
 */
@Command(name = "consume", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Consume a stream in windows, printed as NDJSON or sent to a sink.",
            "Runs until Ctrl-C, --max-windows or --timeout. A window is committed only after its output was flushed; a window that cannot be written (closed output) goes back to the stream untouched. Lines already in a pipe whose reader exits are gone, as with any command: use --max-windows N rather than '| head -N'.",
            "Emitter: --emitter wins; else --interval (relaxed time windows, --fixed for grid-aligned ones); else --size (count windows); default --size 1."})
final class ConsumeCommand extends BaseCommand {

    @Parameters(index = "0", paramLabel = "STREAM", description = "The stream to consume.")
    String stream;

    @Option(names = {"-n", "--size"}, paramLabel = "N", description = "Count windows of exactly N messages.")
    Integer size;

    @Option(names = {"-i", "--interval"}, paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Time windows of DURATION (e.g. 500ms, 2s).")
    Duration interval;

    @Option(names = "--fixed", description = "With --interval: grid-aligned FixedTimeWindow instead of RelaxedTimeWindow.")
    boolean fixed;

    @Option(names = "--emitter", paramLabel = "NAME", description = "A window emitter by provider name (see 'minibatch plugins').")
    String emitter;

    @Option(names = "--option", paramLabel = "KEY=VALUE", description = "An option of --emitter (repeatable).")
    Map<String, String> emitterOptions = new LinkedHashMap<>();

    @Option(names = "--sink", paramLabel = "NAME[?KEY=VALUE&…]",
            description = "Where windows go: a sink provider name, options as a query string or with --sink-option (default: stdout).")
    String sink;

    @Option(names = "--sink-option", paramLabel = "KEY=VALUE", description = "An option of --sink (repeatable).")
    Map<String, String> sinkOptions = new LinkedHashMap<>();

    @Option(names = "--values", description = "Print each value on its own line instead of one window envelope per line.")
    boolean values;

    @Option(names = "--keep", description = "Keep committed messages (marked done) instead of deleting them.")
    boolean keep;

    @Option(names = {"-w", "--workers"}, defaultValue = "1", paramLabel = "N",
            description = "Windows processed in parallel (default 1: in order).")
    int workers;

    @Option(names = "--max-attempts", defaultValue = "5", paramLabel = "N",
            description = "Tries per window before its messages go to STREAM.dead (default ${DEFAULT-VALUE}).")
    int maxAttempts;

    @Option(names = "--max-windows", paramLabel = "N",
            description = "Stop after N windows (with --workers > 1, windows already in flight also finish).")
    Long maxWindows;

    @Option(names = "--timeout", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Stop after DURATION.")
    Duration timeout;

    @Option(names = "--stop-timeout", defaultValue = "5s", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "On Ctrl-C, how long windows in flight may take to finish before they are released for a later run (default ${DEFAULT-VALUE}).")
    Duration stopTimeout;

    @Option(names = "--create", description = "Create the stream if it does not exist (default: unknown stream is an error).")
    boolean create;

    @Option(names = {"-q", "--quiet"}, description = "No summary on stderr.")
    boolean quiet;

    @Override
    public Integer call() throws Exception {
        checkArguments();
        try (Minibatch mb = connect(true)) {
            if (!create) {
                requireStream(mb, stream, "create it with 'minibatch append " + stream + "' or pass --create");
            }
            WindowEmitter chosen = chooseEmitter(mb);
            SinkChoice target = chooseSink(mb);
            AtomicReference<ConsumerHandle> handleRef = new AtomicReference<>();
            CountingSink counting = new CountingSink(target.sink, maxWindows == null ? Long.MAX_VALUE : maxWindows, handleRef);
            Streaming streaming = mb.streaming(stream).emitter(chosen).keep(keep).workers(workers)
                    .maxAttempts(maxAttempts).stopTimeout(stopTimeout).sink(counting);
            long start = System.nanoTime();
            ConsumerHandle handle = streaming.start();
            handleRef.set(handle);
            counting.ready.countDown();
            try {
                long deadline = timeout == null ? Long.MAX_VALUE : start + timeout.toNanos();
                while (!handle.awaitTermination(Duration.ofMillis(100))) {
                    if (System.nanoTime() >= deadline) {
                        handle.requestStop();
                    }
                }
            } finally {
                handle.stop();
                if (target.owned) {
                    target.sink.close();
                }
            }
            long took = System.nanoTime() - start;
            ConsumerStats stats = handle.stats();
            if (handle.failure() != null) {
                throw CliException.failure("the consumer of '" + stream + "' failed: " + handle.failure(), handle.failure());
            }
            if (counting.outputClosed()) {
                return Main.OK; // e.g. 'consume … | head': stopped because nobody reads any more
            }
            if (!quiet) {
                err().println("consumed " + Text.plural(stats.windows(), "window") + " ("
                        + Text.plural(stats.messages(), "message") + ") from '" + stream + "' in " + Text.seconds(took)
                        + (stats.failures() > 0 ? "; " + Text.plural(stats.failures(), "failed window") + " retried" : "")
                        + (stats.deadLettered() > 0 ? "; " + stats.deadLettered() + " dead-lettered to '" + stream + ".dead'" : ""));
            }
            return Main.OK;
        }
    }

    private void checkArguments() {
        if (size != null && size < 1) {
            throw CliException.usage("--size must be at least 1, was " + size);
        }
        if (interval != null && interval.toMillis() < 1) {
            throw CliException.usage("--interval must be at least 1ms, was " + interval);
        }
        if (fixed && interval == null) {
            throw CliException.usage("--fixed needs --interval");
        }
        if (emitter != null && (size != null || interval != null)) {
            throw CliException.usage("--emitter excludes --size and --interval; give the emitter's settings with --option KEY=VALUE");
        }
        if (emitter == null && !emitterOptions.isEmpty()) {
            throw CliException.usage("--option sets options of --emitter, and no --emitter was given");
        }
        if (workers < 1) {
            throw CliException.usage("--workers must be at least 1, was " + workers);
        }
        if (maxAttempts < 1) {
            throw CliException.usage("--max-attempts must be at least 1, was " + maxAttempts);
        }
        if (maxWindows != null && maxWindows < 1) {
            throw CliException.usage("--max-windows must be at least 1, was " + maxWindows);
        }
        if (stopTimeout.isNegative()) {
            throw CliException.usage("--stop-timeout must not be negative, was " + stopTimeout);
        }
        if (timeout != null && (timeout.isNegative() || timeout.isZero())) {
            throw CliException.usage("--timeout must be positive, was " + timeout);
        }
    }

    /** Python's rule, as Streaming applies it; the emitter is made here so mistakes surface before starting. */
    private WindowEmitter chooseEmitter(Minibatch mb) {
        if (emitter != null) {
            return mb.providers().emitter(emitter, emitterOptions);
        }
        if (interval != null) {
            return fixed ? new FixedTimeWindow(interval) : new RelaxedTimeWindow(interval);
        }
        return new CountWindow(size == null ? 1 : size);
    }

    private record SinkChoice(Sink sink, boolean owned) {
    }

    /** {@code NAME?k=v&k2=v2} plus {@code --sink-option}s; stdout writes to this command's output. */
    private SinkChoice chooseSink(Minibatch mb) {
        String name = sink == null ? "stdout" : sink;
        Map<String, String> options = new LinkedHashMap<>();
        int q = name.indexOf('?');
        if (q >= 0) {
            for (String pair : name.substring(q + 1).split("&")) {
                if (pair.isEmpty()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                if (eq <= 0) {
                    throw CliException.usage("--sink " + name.substring(0, q) + ": option '" + pair + "' needs KEY=VALUE");
                }
                options.put(decode(pair.substring(0, eq)), decode(pair.substring(eq + 1)));
            }
            name = name.substring(0, q);
        }
        options.putAll(sinkOptions);
        if (values) {
            options.putIfAbsent("format", "values");
        }
        if (name.equalsIgnoreCase("stdout")) {
            Options valid = Options.validate("sink 'stdout'", new NdjsonSinkProviders.Stdout().options(), options);
            NdjsonSink.Format format = NdjsonSinkProviders.format(valid, "sink 'stdout'");
            return new SinkChoice(NdjsonSink.to(out(), format, "standard output"), false);
        }
        return new SinkChoice(mb.providers().sink(name, options), true);
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    /**
     * Counts windows whose output was flushed, and asks the consumer to stop once {@code max} were:
     * the stop request comes before the commit, so with one worker exactly {@code max} windows are
     * committed. A closed stdout stops the consumer too (the undelivered window is released, not lost).
     */
    private static final class CountingSink implements Sink {
        private final Sink delegate;
        private final long max;
        private final AtomicReference<ConsumerHandle> handle;
        private final AtomicLong flushed = new AtomicLong();
        /** Opened once the handle is known, so the max-windows stop can always reach the consumer. */
        final java.util.concurrent.CountDownLatch ready = new java.util.concurrent.CountDownLatch(1);
        private volatile boolean outputClosed;

        CountingSink(Sink delegate, long max, AtomicReference<ConsumerHandle> handle) {
            this.delegate = delegate;
            this.max = max;
            this.handle = handle;
        }

        @Override
        public void put(Object message) throws Exception {
            ready.await();
            delegate.put(message);
        }

        @Override
        public void put(Object message, Window window) throws Exception {
            ready.await();
            delegate.put(message, window);
        }

        @Override
        public void flush() throws Exception {
            try {
                delegate.flush();
            } catch (java.io.IOException e) {
                if (delegate instanceof NdjsonSink) {
                    // nobody reads any more (e.g. '| head'): stop, and hold this window until the
                    // stop releases it untouched; failing it here would count an attempt against
                    // its messages and could dead-letter them after a few such runs
                    outputClosed = true;
                    stop();
                    new java.util.concurrent.CountDownLatch(1).await();
                }
                throw e;
            }
            if (flushed.incrementAndGet() >= max) {
                stop();
            }
        }

        private void stop() {
            ConsumerHandle h = handle.get();
            if (h != null) {
                h.requestStop();
            }
        }

        boolean outputClosed() {
            return outputClosed;
        }

        /** The command closes the sink it chose; this wrapper holds nothing of its own. */
        @Override
        public void close() {
        }
    }
}
