package dev.minibatch.plugins.example;

import dev.minibatch.spi.connector.StreamWriter;
import dev.minibatch.spi.OptionSpec;
import dev.minibatch.spi.Options;
import dev.minibatch.spi.connector.Source;
import dev.minibatch.spi.connector.SourceProvider;
import java.util.ArrayList;
import java.util.List;

/**
 * Source {@code sequence}: appends {@code count} numbers starting at {@code start} in batches of
 * {@code batch}, then returns; {@code cancel()} stops it between batches. Stateless and
 * thread-safe; each source is used by one attachment.
 */
public final class SequenceSourceProvider implements SourceProvider {

    @Override
    public String name() {
        return "sequence";
    }

    @Override
    public String description() {
        return "numbers start, start+1, … (count of them), appended in batches";
    }

    @Override
    public List<OptionSpec> options() {
        return List.of(OptionSpec.required("count", OptionSpec.Type.LONG, "how many numbers"),
                OptionSpec.optional("start", OptionSpec.Type.LONG, "1", "the first number"),
                OptionSpec.optional("batch", OptionSpec.Type.INT, "100", "numbers per append"));
    }

    @Override
    public Source create(Options options) {
        long count = options.getLong("count");
        long start = options.getLong("start");
        int batch = options.getInt("batch");
        if (count < 0 || batch < 1) {
            throw new IllegalArgumentException("need count >= 0 and batch >= 1, was count=" + count + ", batch=" + batch);
        }
        return new Source() {
            private volatile boolean cancelled;

            @Override
            public void stream(StreamWriter stream) {
                long next = start;
                long end = start + count;
                while (next < end && !cancelled && !Thread.currentThread().isInterrupted()) {
                    List<Long> values = new ArrayList<>();
                    for (int i = 0; i < batch && next < end; i++) {
                        values.add(next++);
                    }
                    stream.appendAll(values);
                }
            }

            @Override
            public void cancel() {
                cancelled = true;
            }
        };
    }
}
