package dev.minibatch.cli.sink;

import dev.minibatch.model.ConfigurationException;
import dev.minibatch.spi.OptionSpec;
import dev.minibatch.spi.Options;
import dev.minibatch.spi.connector.Sink;
import dev.minibatch.spi.connector.SinkProvider;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** The sinks the command brings: {@code stdout} and {@code file}, both NDJSON. */
public final class NdjsonSinkProviders {

    static final OptionSpec FORMAT = OptionSpec.optional("format", OptionSpec.Type.STRING, "window",
            "window: one window envelope per line; values: one value per line");

    private NdjsonSinkProviders() {
    }

    /** The {@code format} option's value, or a clear error. */
    public static NdjsonSink.Format format(Options options, String owner) {
        String text = options.getString("format", "window").toLowerCase(Locale.ROOT);
        return switch (text) {
            case "window" -> NdjsonSink.Format.WINDOW;
            case "values" -> NdjsonSink.Format.VALUES;
            default -> throw new ConfigurationException(owner + ": option 'format' must be window or values, was '"
                    + options.getString("format") + "'");
        };
    }

    /** {@code stdout}: NDJSON on standard output, flushed per window. */
    public static final class Stdout implements SinkProvider {
        @Override
        public String name() {
            return "stdout";
        }

        @Override
        public String description() {
            return "NDJSON on standard output, one window (or value) per line";
        }

        @Override
        public List<OptionSpec> options() {
            return List.of(FORMAT);
        }

        @Override
        public Sink create(Options options) {
            PrintWriter out = new PrintWriter(System.out, false, StandardCharsets.UTF_8); // sees closed pipes
            return NdjsonSink.to(out, format(options, "sink 'stdout'"), "standard output");
        }
    }

    /** {@code file}: NDJSON appended to a file, forced to disk before each window is committed. */
    public static final class File implements SinkProvider {
        @Override
        public String name() {
            return "file";
        }

        @Override
        public String description() {
            return "NDJSON appended to a file, synced to disk before each window commits";
        }

        @Override
        public List<OptionSpec> options() {
            return List.of(OptionSpec.required("path", OptionSpec.Type.STRING, "the file to write"),
                    FORMAT,
                    OptionSpec.optional("append", OptionSpec.Type.BOOLEAN, "true", "append to an existing file"));
        }

        @Override
        public Sink create(Options options) {
            Path path = Path.of(options.getString("path"));
            try {
                return NdjsonSink.toFile(path, options.getBoolean("append", true), format(options, "sink 'file'"));
            } catch (IOException e) {
                throw new ConfigurationException("sink 'file': cannot open " + path.toAbsolutePath() + ": " + e.getMessage(), e);
            }
        }
    }
}
