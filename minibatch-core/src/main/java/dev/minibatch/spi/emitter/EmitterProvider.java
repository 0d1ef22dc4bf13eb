package dev.minibatch.spi.emitter;

import dev.minibatch.spi.Options;
import dev.minibatch.spi.Provider;

/** Creates window emitters by name, e.g. {@code emitter("sliding", Map.of("size", "10"))}. */
public interface EmitterProvider extends Provider {

    /**
     * A new emitter for one consumer; options are already validated against {@link #options()}.
     *
     * @param options the validated options
     * @return a new emitter
     */
    WindowEmitter create(Options options);
}
