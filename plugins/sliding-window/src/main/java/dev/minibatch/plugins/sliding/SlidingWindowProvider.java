package dev.minibatch.plugins.sliding;

import dev.minibatch.spi.emitter.EmitterProvider;
import dev.minibatch.spi.OptionSpec;
import dev.minibatch.spi.Options;
import dev.minibatch.spi.emitter.WindowEmitter;
import java.time.Duration;
import java.util.List;

/**
 * Emitter {@code sliding}: {@code size} + {@code step} (messages) or {@code interval} + {@code step}
 * (time), e.g. {@code emitter("sliding", Map.of("size", "10", "step", "5"))} or
 * {@code Map.of("interval", "10s", "step", "5s")}. Stateless and thread-safe; each
 * {@link #create} returns a new emitter for one consumer.
 */
public final class SlidingWindowProvider implements EmitterProvider {

    @Override
    public String name() {
        return "sliding";
    }

    @Override
    public String description() {
        return "SlidingWindow: overlapping windows of size messages or interval time, advancing by step";
    }

    @Override
    public List<OptionSpec> options() {
        return List.of(
                OptionSpec.optional("size", OptionSpec.Type.INT, null, "messages per window (count windows)"),
                OptionSpec.optional("interval", OptionSpec.Type.DURATION, null, "window length, e.g. 10s (time windows)"),
                OptionSpec.required("step", OptionSpec.Type.STRING,
                        "how far a window advances: messages with size (e.g. 5), a duration with interval (e.g. 5s)"));
    }

    @Override
    public WindowEmitter create(Options options) {
        boolean count = options.has("size");
        boolean time = options.has("interval");
        if (count == time) {
            throw new IllegalArgumentException("give either option 'size' (a count window) or option 'interval' (a time"
                    + " window)" + (count ? ", not both" : "") + "; valid options: size, interval, step");
        }
        String step = options.getString("step");
        if (count) {
            int steps;
            try {
                steps = Integer.parseInt(step);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("option 'step' must be a whole number of messages with 'size', was '"
                        + step + "'");
            }
            return SlidingWindow.count(options.getInt("size"), steps);
        }
        Duration stepTime;
        try {
            stepTime = Options.parseDuration(step);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("option 'step' must be a duration such as 500ms, 2s or PT2S with 'interval',"
                    + " was '" + step + "'");
        }
        return SlidingWindow.time(options.getDuration("interval"), stepTime);
    }
}
