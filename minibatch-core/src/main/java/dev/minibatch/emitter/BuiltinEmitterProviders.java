package dev.minibatch.emitter;

import dev.minibatch.spi.emitter.EmitterProvider;
import dev.minibatch.spi.OptionSpec;
import dev.minibatch.spi.Options;
import dev.minibatch.spi.emitter.WindowEmitter;
import java.util.List;

/** The built-in emitters by name: {@code count}, {@code fixed}, {@code relaxed}. */
public final class BuiltinEmitterProviders {
    private BuiltinEmitterProviders() {
    }

    /** The time windows' {@code grace} option. */
    private static final OptionSpec GRACE = OptionSpec.optional("grace", OptionSpec.Type.DURATION, "0s",
            "how long after its end a window waits for late messages, e.g. 2s");

    private static java.time.Duration grace(Options options) {
        java.time.Duration grace = options.getDuration("grace");
        return grace == null ? java.time.Duration.ZERO : grace;
    }

    /** {@code count}: option {@code size}. */
    public static final class Count implements EmitterProvider {
        @Override
        public String name() {
            return "count";
        }

        @Override
        public String description() {
            return "CountWindow: windows of exactly size messages";
        }

        @Override
        public List<OptionSpec> options() {
            return List.of(OptionSpec.required("size", OptionSpec.Type.INT, "messages per window"));
        }

        @Override
        public WindowEmitter create(Options options) {
            return new CountWindow(options.getInt("size"));
        }
    }

    /** {@code fixed}: options {@code interval}, {@code grace}. */
    public static final class Fixed implements EmitterProvider {
        @Override
        public String name() {
            return "fixed";
        }

        @Override
        public String description() {
            return "FixedTimeWindow: grid-aligned time ranges of interval";
        }

        @Override
        public List<OptionSpec> options() {
            return List.of(OptionSpec.required("interval", OptionSpec.Type.DURATION, "window length, e.g. 5s"),
                    GRACE);
        }

        @Override
        public WindowEmitter create(Options options) {
            return new FixedTimeWindow(options.getDuration("interval"), grace(options));
        }
    }

    /** {@code relaxed}: options {@code interval}, {@code grace}. */
    public static final class Relaxed implements EmitterProvider {
        @Override
        public String name() {
            return "relaxed";
        }

        @Override
        public String description() {
            return "RelaxedTimeWindow: everything pending, at least interval apart";
        }

        @Override
        public List<OptionSpec> options() {
            return List.of(OptionSpec.required("interval", OptionSpec.Type.DURATION, "minimum time between windows, e.g. 5s"),
                    GRACE);
        }

        @Override
        public WindowEmitter create(Options options) {
            return new RelaxedTimeWindow(options.getDuration("interval"), grace(options));
        }
    }
}
