package dev.minibatch.bench;

import dev.minibatch.Minibatch;
import dev.minibatch.Stream;
import java.time.Instant;
import java.util.Map;

/**
 * Producer process for the cross-JVM latency figure: appends {@code count} messages stamped with
 * the wall clock in microseconds (both JVMs share the machine's clock), about one per millisecond.
 * Arguments: {@code storeUrl stream count}.
 */
public final class LatencyProducerMain {
    private LatencyProducerMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        try (Minibatch mb = Minibatch.builder().url(args[0]).shutdownHook(false).build()) {
            Stream stream = mb.stream(args[1]);
            int count = Integer.parseInt(args[2]);
            for (int i = 0; i < count; i++) {
                Instant now = Instant.now();
                stream.append(Map.of("i", i, "sentMicros", now.getEpochSecond() * 1_000_000 + now.getNano() / 1000));
                Thread.sleep(1);
            }
        }
    }
}
