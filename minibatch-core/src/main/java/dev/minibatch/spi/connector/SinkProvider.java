package dev.minibatch.spi.connector;

import dev.minibatch.spi.Options;
import dev.minibatch.spi.Provider;

/** Creates sinks by name; the consumer that created a sink from a name also closes it. */
public interface SinkProvider extends Provider {

    /** A new sink; options are already validated against {@link #options()}. */
    Sink create(Options options);
}
