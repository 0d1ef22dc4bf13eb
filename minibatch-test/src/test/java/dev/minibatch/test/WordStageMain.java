package dev.minibatch.test;

import com.fasterxml.jackson.databind.JsonNode;
import dev.minibatch.model.ConsumerHandle;
import dev.minibatch.Minibatch;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * A word-splitting stage process: {@code lines → flatMap(words) → keyBy(word) → words}.
 * Arguments: {@code storeUrl input output leaseMillis holdMillisPerLine}. Prints {@code STAGE READY}.
 * Runs until killed.
 */
public final class WordStageMain {

    private WordStageMain() {
    }

    static List<String> words(JsonNode line) {
        return Arrays.stream(line.asText().toLowerCase().split("[^a-z]+")).filter(w -> !w.isEmpty()).toList();
    }

    public static void main(String[] args) throws Exception {
        long hold = Long.parseLong(args[4]);
        try (Minibatch mb = Minibatch.connect(args[0])) {
            ConsumerHandle stage = mb.stage(args[1])
                    .flatMap(line -> {
                        if (hold > 0) {
                            try {
                                Thread.sleep(hold);
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                        }
                        return words(line);
                    })
                    .keyBy(JsonNode::asText)
                    .to(args[2]).batch(10).lease(Duration.ofMillis(Long.parseLong(args[3])))
                    .start();
            System.out.println("STAGE READY");
            System.out.flush();
            new CountDownLatch(1).await();
            stage.stop();
        }
    }
}
