package dev.minibatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.minibatch.Minibatch;
import dev.minibatch.cli.CliProcess.Result;
import dev.minibatch.kafka.KafkaBroker;
import dev.minibatch.model.ConsumerHandle;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code minibatch dead} on a {@code kafka://} store (a real broker: {@link KafkaBroker} from the
 * Kafka module's test jar): a poison window dead-lettered after three attempts is listed with its
 * error and attempts, the total is right, {@code --requeue} moves the letters back in one call, and
 * the dead stream is then empty.
 */
class KafkaDeadCliTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    /**
     * Runs in the surefire execution {@code kafka-cli} (the Kafka module on the class path); skipped
     * where the class path is the command's own (the default execution, which {@code -Dtest} also runs).
     */
    @BeforeEach
    void kafkaOnTheClassPath() {
        boolean present;
        try {
            Class.forName("dev.minibatch.kafka.KafkaBroker", false, getClass().getClassLoader());
            present = true;
        } catch (ClassNotFoundException e) {
            present = false;
        }
        Assumptions.assumeTrue(present, "the Kafka module is on the class path of surefire execution kafka-cli only");
    }

    @Test
    void deadShowsAndRequeuesTheDeadLettersOfAKafkaStream() throws Exception {
        String url = "kafka://" + KafkaBroker.shared().bootstrapServers() + "/?prefix=cli"
                + ProcessHandle.current().pid() + ".&partitions=1";
        try (Minibatch mb = Minibatch.builder().url(url).shutdownHook(false).build()) {
            mb.stream("orders").appendAll(List.of(Map.of("i", 1), Map.of("i", 2)));
            ConsumerHandle poison = mb.streaming("orders").size(2).maxAttempts(3)
                    .backoff(Duration.ofMillis(10), Duration.ofMillis(50))
                    .start(window -> {
                        throw new IllegalStateException("boom: cannot parse");
                    });
            try {
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (mb.store().read("orders.dead", dev.minibatch.spi.store.Selection.pending().limit(10), null).size() < 2) {
                    assertThat(System.nanoTime()).as("2 dead letters within 60 s").isLessThan(deadline);
                    Thread.sleep(100);
                }
            } finally {
                poison.stop();
            }
        }

        Result dead = mb("dead", "orders");
        assertThat(dead.exitCode()).as(dead.toString()).isZero();
        List<JsonNode> letters = parseLines(dead.stdout());
        assertThat(letters).as(dead.toString()).hasSize(2);
        Set<Integer> values = new TreeSet<>();
        for (JsonNode letter : letters) {
            values.add(letter.path("data").path("i").asInt());
            assertThat(letter.path("error").asText()).contains("boom: cannot parse");
            assertThat(letter.path("attempts").asInt()).as(letter.toString()).isEqualTo(3);
        }
        assertThat(values).containsExactly(1, 2);
        Result requeue = mb("dead", "orders", "--requeue");
        assertThat(requeue.exitCode()).as(requeue.toString()).isZero();
        Result after = mb("dead", "orders");
        // soft: every step runs and is reported, whichever fails
        SoftAssertions.assertSoftly(soft -> {
            soft.assertThat(dead.stderr()).as(dead.toString()).contains("2 dead letters in 'orders.dead'");
            soft.assertThat(requeue.stderr()).as(requeue.toString())
                    .contains("requeued 2 messages from 'orders.dead' to 'orders'");
            soft.assertThat(after.stdout()).as(after.toString()).isBlank();
            soft.assertThat(after.stderr()).as(after.toString()).contains("0 dead letters in 'orders.dead'");
        });
    }

    private Result mb(String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of(args));
        all.add("--url");
        all.add("kafka://" + KafkaBroker.shared().bootstrapServers() + "/?prefix=cli" + ProcessHandle.current().pid()
                + ".&partitions=1");
        return CliProcess.run(dir, null, all.toArray(String[]::new));
    }

    private static List<JsonNode> parseLines(String text) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (String line : text.strip().split("\n")) {
            if (!line.isBlank()) {
                out.add(JSON.readTree(line));
            }
        }
        return out;
    }
}
