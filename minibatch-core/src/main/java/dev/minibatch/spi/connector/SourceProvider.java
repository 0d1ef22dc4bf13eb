package dev.minibatch.spi.connector;

import dev.minibatch.spi.Options;
import dev.minibatch.spi.Provider;

/** Creates sources by name, e.g. {@code kafka} with {@code topic} and {@code bootstrap.servers}. */
public interface SourceProvider extends Provider {

    /**
     * A new source; options are already validated against {@link #options()}.
     *
     * @param options the validated options
     * @return a new source
     */
    Source create(Options options);
}
