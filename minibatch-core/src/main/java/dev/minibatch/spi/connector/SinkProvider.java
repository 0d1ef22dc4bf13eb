package dev.minibatch.spi.connector;

import dev.minibatch.spi.Options;
import dev.minibatch.spi.Provider;

/** Creates sinks by name; the consumer that created a sink from a name also closes it. */
public interface SinkProvider extends Provider {

    /**
     * A new sink; options are already validated against {@link #options()}.
     *
     * @param options the validated options
     * @return a new sink
     */
    Sink create(Options options);
}
