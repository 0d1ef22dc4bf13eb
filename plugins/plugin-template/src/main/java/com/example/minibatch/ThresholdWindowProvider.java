package com.example.minibatch;

import dev.minibatch.spi.emitter.EmitterProvider;
import dev.minibatch.spi.OptionSpec;
import dev.minibatch.spi.Options;
import dev.minibatch.spi.emitter.WindowEmitter;
import java.util.List;

/**
 * Emitter {@code threshold}: {@code emitter("threshold", Map.of("min", "10", "max", "100"))}.
 * Listed in META-INF/services/dev.minibatch.spi.emitter.EmitterProvider. Stateless and thread-safe.
 */
public final class ThresholdWindowProvider implements EmitterProvider {

    @Override
    public String name() {
        return "threshold";
    }

    @Override
    public String description() {
        return "ThresholdWindow: up to max pending messages once at least min are pending";
    }

    @Override
    public List<OptionSpec> options() {
        return List.of(OptionSpec.required("min", OptionSpec.Type.INT, "pending messages that make a window"),
                OptionSpec.optional("max", OptionSpec.Type.INT, "1000", "most messages in one window"));
    }

    @Override
    public WindowEmitter create(Options options) {
        return new ThresholdWindow(options.getInt("min"), options.getInt("max"));
    }
}
