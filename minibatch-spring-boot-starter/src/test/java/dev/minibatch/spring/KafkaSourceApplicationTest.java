package dev.minibatch.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.minibatch.Minibatch;
import dev.minibatch.kafka.KafkaBroker;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Bean;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * An application that feeds a stream from Kafka (a real KRaft broker in a child JVM, the Kafka
 * module's {@link KafkaBroker}) through {@code minibatch.sources.*} and consumes it with a typed
 * listener: every produced record arrives once.
 */
@SpringBootTest(classes = KafkaSourceApplicationTest.App.class)
class KafkaSourceApplicationTest {

    static final Path DIR;
    static final KafkaBroker KAFKA;

    static {
        try {
            DIR = Files.createTempDirectory("minibatch-spring-kafka");
            // not Kafka's KafkaClusterTestKit: in 4.4.0 it needs org.apache.kafka.test.TestUtils, which
            // neither kafka-test-common-runtime's dependencies nor the kafka-clients test jar contain
            KAFKA = KafkaBroker.start(Files.createDirectories(DIR.resolve("kafka")));
        } catch (Exception e) {
            throw new IllegalStateException("the test Kafka broker did not start", e);
        }
    }

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("minibatch.url", () -> "sqlite:" + DIR.resolve("kafka.db"));
        registry.add("minibatch.sources.readings.type", () -> "kafka");
        registry.add("minibatch.sources.readings.options[topic]", () -> "readings");
        registry.add("minibatch.sources.readings.options[bootstrap.servers]", KAFKA::bootstrapServers);
        registry.add("minibatch.sources.readings.options[group.id]", () -> "spring-test");
    }

    @AfterAll
    static void stopBroker() throws Exception {
        KAFKA.close();
        try (var files = Files.walk(DIR)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    public record Reading(String sensor, double value) {
    }

    public static class Listeners {
        final Map<String, Integer> seen = new ConcurrentHashMap<>();

        @MinibatchListener(stream = "readings", size = "50")
        public void readings(List<Reading> batch) {
            for (Reading r : batch) {
                seen.merge(r.sensor(), 1, Integer::sum);
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
    Listeners listeners;

    @Autowired
    Minibatch minibatch;

    @Test
    void everyKafkaRecordReachesTheListenerOnce() throws Exception {
        Map<String, Object> props = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            List<Future<?>> acks = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                String json = "{\"sensor\":\"s" + i + "\",\"value\":" + (i / 10.0) + "}";
                acks.add(producer.send(new ProducerRecord<>("readings", json.getBytes(StandardCharsets.UTF_8))));
            }
            for (Future<?> f : acks) {
                f.get(60, TimeUnit.SECONDS);
            }
        }
        Waits.until("1000 readings", () -> listeners.seen.size() == 1000, () -> listeners.seen.size());
        Waits.until("all committed", () -> minibatch.stream("readings").stats().pending() == 0
                && minibatch.stream("readings").stats().claimed() == 0);
        assertThat(listeners.seen.values()).containsOnly(1);
        assertThat(minibatch.stream("readings").deadLetters().stats().pending()).isZero();
    }
}
