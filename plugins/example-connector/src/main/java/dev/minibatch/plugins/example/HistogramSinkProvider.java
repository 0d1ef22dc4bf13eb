package dev.minibatch.plugins.example;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.minibatch.model.Window;
import dev.minibatch.spi.OptionSpec;
import dev.minibatch.spi.Options;
import dev.minibatch.spi.connector.Sink;
import dev.minibatch.spi.connector.SinkProvider;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import org.HdrHistogram.Histogram;

/**
 * Sink {@code histogram}: records each window value (or its {@code field}) in an HdrHistogram and,
 * on every flush, replaces {@code file} with a JSON summary ({@code count}, {@code min},
 * {@code max}, {@code p50}, {@code p99}, {@code windows}). Values must be whole numbers. The sink
 * is thread-safe (synchronized); the provider is stateless.
 */
public final class HistogramSinkProvider implements SinkProvider {

    @Override
    public String name() {
        return "histogram";
    }

    @Override
    public String description() {
        return "HdrHistogram of window values, summarised as JSON in a file";
    }

    @Override
    public List<OptionSpec> options() {
        return List.of(OptionSpec.required("file", OptionSpec.Type.STRING, "where the JSON summary is written"),
                OptionSpec.optional("field", OptionSpec.Type.STRING, null, "the value's field, if values are objects"));
    }

    @Override
    public Sink create(Options options) {
        return new HistogramSink(Path.of(options.getString("file")), options.getString("field"));
    }

    private static final class HistogramSink implements Sink {
        private final Path file;
        private final String field;
        private final Histogram histogram = new Histogram(3);
        private final ObjectMapper mapper = new ObjectMapper();
        private long windows;

        HistogramSink(Path file, String field) {
            this.file = file;
            this.field = field;
        }

        @Override
        public void put(Object message) {
            throw new IllegalStateException("the histogram sink reads windows: use put(message, window)");
        }

        @Override
        public synchronized void put(Object message, Window window) {
            for (JsonNode value : window.data()) {
                JsonNode v = field == null ? value : value.get(field);
                if (v == null || !v.canConvertToLong()) {
                    throw new IllegalArgumentException("histogram sink: " + value + " has no whole number"
                            + (field == null ? "" : " in field '" + field + "'"));
                }
                histogram.recordValue(v.asLong());
            }
            windows++;
        }

        @Override
        public void close() {
            // nothing to release: the summary file is rewritten whole on every flush
        }

        @Override
        public synchronized void flush() throws IOException {
            ObjectNode summary = mapper.createObjectNode();
            summary.put("count", histogram.getTotalCount());
            summary.put("min", histogram.getTotalCount() == 0 ? 0 : histogram.getMinValue());
            summary.put("max", histogram.getMaxValue());
            summary.put("p50", histogram.getValueAtPercentile(50));
            summary.put("p99", histogram.getValueAtPercentile(99));
            summary.put("windows", windows);
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.write(tmp, mapper.writeValueAsBytes(summary));
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
    }
}
