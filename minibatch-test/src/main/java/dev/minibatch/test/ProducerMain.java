package dev.minibatch.test;

import dev.minibatch.Minibatch;
import dev.minibatch.Stream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A producer process for delivery tests: appends messages {@code {"n": i}} for i in
 * [from, from + count) in batches, then prints {@code PRODUCER DONE} and exits.
 *
 * <p>Arguments: {@code storeUrl stream from count batchSize [pauseMillis]}; the pause between
 * batches spreads the appends over time, so a crash test's kills hit a growing stream.
 */
public final class ProducerMain {

    private ProducerMain() {
    }

    /**
     * Runs the producer.
     *
     * @param args {@code storeUrl stream from count batchSize [pauseMillis]}
     * @throws InterruptedException if interrupted during a pause
     */
    public static void main(String[] args) throws InterruptedException {
        String url = args[0];
        String stream = args[1];
        long from = Long.parseLong(args[2]);
        long count = Long.parseLong(args[3]);
        int batch = Integer.parseInt(args[4]);
        long pause = args.length > 5 ? Long.parseLong(args[5]) : 0;
        try (Minibatch mb = Minibatch.connect(url)) {
            Stream s = mb.stream(stream);
            List<Map<String, Object>> values = new ArrayList<>(batch);
            for (long i = from; i < from + count; i++) {
                values.add(Map.of("n", i));
                if (values.size() == batch) {
                    s.appendAll(values);
                    values.clear();
                    if (pause > 0) {
                        Thread.sleep(pause);
                    }
                }
            }
            if (!values.isEmpty()) {
                s.appendAll(values);
            }
        }
        System.out.println("PRODUCER DONE");
    }
}
