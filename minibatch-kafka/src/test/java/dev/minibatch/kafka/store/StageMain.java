package dev.minibatch.kafka.store;

import dev.minibatch.Minibatch;
import dev.minibatch.model.ConsumerHandle;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * A stage process for the exactly-once tests: {@code words → counts} on the store at {@code args[0]},
 * mapping each word {@code {"line", "pos", "w"}} to {@code {"line", "pos", "w", "n": 1}}, keyed by the
 * word, in windows of {@code args[1]} messages. Prints {@code STAGE READY} once running; runs until
 * killed.
 */
public final class StageMain {

    private StageMain() {
    }

    public static void main(String[] args) throws Exception {
        try (Minibatch mb = Minibatch.connect(args[0])) {
            ConsumerHandle handle = mb.stage("words").map(word -> {
                Map<String, Object> count = new LinkedHashMap<>();
                count.put("line", word.get("line").asLong());
                count.put("pos", word.get("pos").asInt());
                count.put("w", word.get("w").asText());
                count.put("n", 1);
                return count;
            }).keyBy("w").batch(Integer.parseInt(args[1])).to("counts").start();
            System.out.println("STAGE READY");
            System.out.flush();
            new CountDownLatch(1).await();
            handle.stop();
        }
    }
}
