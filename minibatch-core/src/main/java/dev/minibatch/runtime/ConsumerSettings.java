package dev.minibatch.runtime;

import dev.minibatch.model.WindowFunction;
import dev.minibatch.spi.connector.Sink;
import dev.minibatch.spi.emitter.WindowEmitter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.ExecutorService;

/**
 * How one consumer runs, as {@code Streaming} configured it.
 *
 * @param executor          the workers' executor, or null for a pool of {@code workers} daemon threads
 * @param deadLetterStream  where windows that failed {@code maxAttempts} times go
 */
public record ConsumerSettings(String stream, WindowEmitter emitter, WindowFunction<?> function, Sink sink,
                               boolean ownsSink, boolean keep, int workers, ExecutorService executor, int maxAttempts,
                               Duration lease, Duration backoff, Duration maxBackoff, boolean emitEmpty,
                               Duration pollInterval, Duration stopTimeout, Clock clock, String deadLetterStream) {

    /** The consumer's clock, to the millisecond (what stores keep). */
    Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MILLIS);
    }
}
