package dev.minibatch.kafka.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.minibatch.Minibatch;
import dev.minibatch.model.ConsumerHandle;
import dev.minibatch.test.JvmProcess;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Exactly-once stages on {@code kafka://} (outputs and input offsets in one Kafka transaction), on
 * the shared three-node cluster: the chain {@code lines → words → counts}, its middle stage in a
 * JVM of its own ({@link StageMain}) killed -9 three times mid-run and started again; downstream,
 * every word of every line arrives in {@code counts} exactly once.
 */
class KafkaStageExactlyOnceTest {

    @Test
    void aStageChainWhoseMiddleStageIsKilledDeliversEveryOutputExactlyOnce() throws Exception {
        int lines = 2_000;
        int wordsPerLine = 5;
        int total = lines * wordsPerLine;
        try (Fleet fleet = Fleet.onSharedCluster("eos", 3);
             Minibatch mb = Minibatch.connect(fleet.url)) {
            ConsumerHandle split = mb.stage("lines").flatMap(line -> {
                List<Map<String, Object>> words = new ArrayList<>();
                String[] w = line.get("text").asText().split(" ");
                for (int pos = 0; pos < w.length; pos++) {
                    words.add(Map.of("line", line.get("line").asLong(), "pos", pos, "w", w[pos]));
                }
                return words;
            }).keyBy("w").batch(50).to("words").start();
            Map<String, AtomicInteger> seen = new ConcurrentHashMap<>();
            ConsumerHandle downstream = mb.streaming("counts").ordered().size(100).start(w -> w.data().forEach(d ->
                    seen.computeIfAbsent(d.get("line").asLong() + ":" + d.get("pos").asInt(), k -> new AtomicInteger())
                            .incrementAndGet()));
            JvmProcess stage = startStage(fleet, 0);
            for (int batch = 0; batch < lines / 200; batch++) {
                List<Map<String, Object>> values = new ArrayList<>();
                for (int i = batch * 200; i < (batch + 1) * 200; i++) {
                    StringBuilder text = new StringBuilder();
                    for (int j = 0; j < wordsPerLine; j++) {
                        text.append(j == 0 ? "" : " ").append("w").append((i * 7 + j) % 97);
                    }
                    values.add(Map.of("line", (long) i, "text", text.toString()));
                }
                mb.stream("lines").appendAll(values);
            }
            java.util.function.Supplier<String> state = () -> seen.size() + " distinct counted, "
                    + seen.values().stream().filter(n -> n.get() > 1).count() + " more than once; first stage "
                    + split.stats() + "; downstream " + downstream.stats() + "; words " + mb.stream("words").stats()
                    + "; counts " + mb.stream("counts").stats();
            for (int kill = 1; kill <= 3; kill++) {
                int atLeast = total * kill / 4;
                awaitCounted(stage, atLeast, seen, state);
                stage.kill();
                stage = startStage(fleet, kill);
            }
            awaitCounted(stage, total, seen, state);
            Thread.sleep(2_000); // a duplicate would come after the last new one
            split.stop();
            downstream.stop();
            List<String> twice = seen.entrySet().stream().filter(e -> e.getValue().get() != 1).map(Map.Entry::getKey).toList();
            assertThat(seen).hasSize(total);
            assertThat(twice).as("words counted more than once after three kills of the middle stage").isEmpty();
        }
    }

    private static void awaitCounted(JvmProcess stage, int atLeast, Map<String, AtomicInteger> seen,
                                     java.util.function.Supplier<String> state) throws InterruptedException {
        try {
            stage.awaitCondition(atLeast + " words counted downstream", Duration.ofMinutes(3), () -> seen.size() >= atLeast);
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "\n" + state.get(), e);
        }
    }

    private static JvmProcess startStage(Fleet fleet, int n) throws Exception {
        JvmProcess p = fleet.track(JvmProcess.start(StageMain.class, List.of(fleet.url, "50"),
                Map.of("org.slf4j.simpleLogger.log.dev.minibatch.kafka.store", "debug"), Fleet.CONSUMER_HEAP,
                fleet.dir.resolve("stage-" + n + ".log")));
        p.awaitOutput("STAGE READY", Duration.ofSeconds(90));
        return p;
    }
}
