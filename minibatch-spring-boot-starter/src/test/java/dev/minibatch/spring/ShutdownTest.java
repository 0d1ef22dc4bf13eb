package dev.minibatch.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.minibatch.Minibatch;
import dev.minibatch.model.StreamStats;
import dev.minibatch.model.Window;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;

/**
 * Closing the context with a window in flight loses nothing: within the stop timeout the window
 * finishes and is committed; past it, the window is released and processed after a restart.
 */
class ShutdownTest {

    @TempDir
    Path dir;

    /** Shared with the running application: what it received and whether it is inside a window. */
    static final List<Integer> RECEIVED = new CopyOnWriteArrayList<>();
    static volatile CountDownLatch entered = new CountDownLatch(1);
    static final List<Integer> FINISHED = new CopyOnWriteArrayList<>();

    public static class SlowListener {
        @Value("${app.mode}")
        String mode;

        @MinibatchListener(stream = "work", size = "10")
        public void work(Window window) throws InterruptedException {
            List<Integer> ids = window.data().stream().map(n -> n.get("i").asInt()).toList();
            RECEIVED.addAll(ids);
            entered.countDown();
            switch (mode) {
                case "hang" -> Thread.sleep(Long.MAX_VALUE); // until the stop timeout interrupts it
                case "slow" -> Thread.sleep(700);
                default -> { }
            }
            FINISHED.addAll(ids);
        }
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class App {
        @Bean
        SlowListener slowListener() {
            return new SlowListener();
        }
    }

    private ConfigurableApplicationContext start(String mode, String stopTimeout) {
        return new SpringApplicationBuilder(App.class).web(WebApplicationType.NONE)
                .properties("minibatch.url=sqlite:" + dir.resolve("shutdown.db"), "app.mode=" + mode,
                        "minibatch.consumer.stop-timeout=" + stopTimeout)
                .run();
    }

    private void appendTen() {
        try (Minibatch producer = Minibatch.builder().url("sqlite:" + dir.resolve("shutdown.db")).shutdownHook(false).build()) {
            producer.stream("work").appendAll(IntStream.range(0, 10).mapToObj(i -> Map.of("i", i)).toList());
        }
    }

    private StreamStats stats() {
        try (Minibatch mb = Minibatch.builder().url("sqlite:" + dir.resolve("shutdown.db")).shutdownHook(false).build()) {
            return mb.store().stats("work");
        }
    }

    @Test
    void aWindowInFlightPastTheStopTimeoutIsReleasedAndProcessedAfterARestart() throws Exception {
        RECEIVED.clear();
        FINISHED.clear();
        entered = new CountDownLatch(1);
        ConfigurableApplicationContext first = start("hang", "300ms");
        appendTen();
        entered.await();
        first.close();
        assertThat(FINISHED).isEmpty();
        StreamStats afterStop = stats();
        assertThat(afterStop.pending()).as("released, not lost and not committed").isEqualTo(10);
        assertThat(afterStop.claimed()).isZero();

        RECEIVED.clear();
        try (ConfigurableApplicationContext second = start("fast", "5s")) {
            Waits.until("the released window processed after the restart", () -> FINISHED.size() == 10, FINISHED::size);
            Waits.until("committed", () -> second.getBean(Minibatch.class).stream("work").stats().pending() == 0);
        }
        assertThat(FINISHED).containsExactlyInAnyOrderElementsOf(IntStream.range(0, 10).boxed().toList());
        assertThat(stats().pending()).isZero();
    }

    @Test
    void aWindowInFlightWithinTheStopTimeoutFinishesAndIsCommitted() throws Exception {
        RECEIVED.clear();
        FINISHED.clear();
        entered = new CountDownLatch(1);
        ConfigurableApplicationContext app = start("slow", "30s");
        appendTen();
        entered.await();
        app.close(); // returns once the window finished
        assertThat(FINISHED).hasSize(10);
        StreamStats afterStop = stats();
        assertThat(afterStop.pending()).isZero();
        assertThat(afterStop.claimed()).isZero();
    }
}
