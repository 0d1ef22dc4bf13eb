package dev.minibatch.spring.sample;

import dev.minibatch.spi.connector.Sink;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.springframework.stereotype.Component;

/**
 * A sink bean, named by the listener's {@code sink} attribute. A real one would write to a
 * database or another service; this one keeps what it got. Thread-safe, as sinks must be when
 * {@code workers > 1}.
 */
@Component("summarySink")
public class SummarySink implements Sink {

    private final List<WindowSummary> received = new CopyOnWriteArrayList<>();

    @Override
    public void put(Object message) {
        received.add((WindowSummary) message);
    }

    public List<WindowSummary> received() {
        return List.copyOf(received);
    }
}
