package dev.minibatch.spring;

import static org.assertj.core.api.Assertions.assertThat;

import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import dev.minibatch.Minibatch;
import dev.minibatch.model.Window;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Bean;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Health on a MongoDB-protocol store (mongo-java-server on 127.0.0.1): UP with dead-letter counts
 * while it serves, DOWN naming the store once the server is stopped.
 */
@SpringBootTest(classes = HealthTest.App.class, properties = {
        "minibatch.consumer.max-attempts=1",
        "minibatch.consumer.backoff=1ms",
        "minibatch.consumer.max-backoff=1ms"})
class HealthTest {

    static final MongoServer SERVER = new MongoServer(new MemoryBackend());
    static final String URL = SERVER.bindAndGetConnectionString() + "/health?serverSelectionTimeoutMS=1000";

    @DynamicPropertySource
    static void store(DynamicPropertyRegistry registry) {
        registry.add("minibatch.url", () -> URL);
    }

    @AfterAll
    static void stop() {
        SERVER.shutdownNow();
    }

    public static class Listeners {
        @MinibatchListener(stream = "payments", size = "5")
        public void payments(Window window) {
            for (var n : window.data()) {
                if (n.get("amount").asInt() < 0) {
                    throw new IllegalArgumentException("negative amount");
                }
            }
        }
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class App {
        @Bean
        Listeners listeners() {
            return new Listeners();
        }
    }

    @Autowired
    MinibatchHealthIndicator health;

    @Autowired
    Minibatch minibatch;

    @Test
    void upWithDeadLetterCountsThenDownWhenTheStoreIsGone() {
        assertThat(minibatch.url()).startsWith("mongodb://127.0.0.1:");
        for (int i = 0; i < 5; i++) {
            minibatch.stream("payments").append(Map.of("amount", i == 3 ? -1 : 10));
        }
        Waits.until("the failing window dead-lettered",
                () -> Long.valueOf(5).equals(dead(health.health(true))), () -> health.health(true).getDetails());
        Health up = health.health(true);
        assertThat(up.getStatus()).isEqualTo(Status.UP);
        assertThat(consumer(up)).containsEntry("running", true).containsEntry("failures", 1L)
                .containsEntry("deadLettered", 5L);

        SERVER.shutdownNow();
        Waits.until("health DOWN", () -> health.health(true).getStatus().equals(Status.DOWN),
                () -> health.health(true).getDetails());
        Health down = health.health(true);
        assertThat(down.getDetails().get("store").toString()).startsWith("unreachable");
        assertThat(down.getDetails().get("url").toString()).startsWith("mongodb://127.0.0.1:");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> consumer(Health h) {
        Map<String, Map<String, Object>> consumers = (Map<String, Map<String, Object>>) h.getDetails().get("consumers");
        return consumers == null ? Map.of() : consumers.getOrDefault("listeners.payments", Map.of());
    }

    private static Object dead(Health h) {
        return consumer(h).get("dead");
    }
}
