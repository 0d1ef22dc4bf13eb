package dev.minibatch.kafka.store;

import dev.minibatch.Minibatch;
import dev.minibatch.model.ConsumerHandle;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * A word-count process for the table tests: counts the words of stream {@code args[1]} (each message
 * keyed by its word, value 1) into table {@code args[2]} on the store at {@code args[0]}, one window per
 * word per 200 ms, reduced by sum. Prints {@code COUNTER READY} once running; runs until killed, or
 * until terminated (the shutdown hook stops the consumer gracefully: its partitions are handed over).
 */
public final class TableCounterMain {

    private TableCounterMain() {
    }

    public static void main(String[] args) throws Exception {
        Minibatch mb = Minibatch.connect(args[0]);
        ConsumerHandle handle = mb.streaming(args[1]).keyBy().interval(Duration.ofMillis(200))
                .reduce(args[2], Integer.class, Integer::sum).start();
        System.out.println("COUNTER READY");
        System.out.flush();
        new CountDownLatch(1).await();
        handle.stop();
    }
}
