package dev.minibatch.test;

import com.fasterxml.jackson.databind.JsonNode;
import dev.minibatch.model.ConsumerHandle;
import dev.minibatch.Minibatch;
import dev.minibatch.observe.ConsumerListener;
import dev.minibatch.observe.WindowEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A consumer process for the table crash tests ({@link TableCrashContract}). Arguments:
 * {@code storeUrl mode leaseMillis intervalMillis}. Modes:
 * <ul>
 *   <li>{@code wordcount}: the stage {@code lines → flatMap(words) → keyBy(word) → map(1) → words}
 *       and the consumer {@code words → keyBy → time window → reduce("counts", Long::sum)};</li>
 *   <li>{@code sums}: {@code nums → keyBy → time window → reduce("sums", Long::sum)} over numbers.</li>
 * </ul>
 * Prints {@code READY}, then {@code COMMITTED n} (table windows committed so far) when it changes.
 * Runs until killed.
 */
public final class TableWordCountMain {

    private TableWordCountMain() {
    }

    /**
     * The words of a line: split on blanks.
     *
     * @param line the line, a JSON text value
     * @return the words
     */
    public static List<String> words(JsonNode line) {
        return Arrays.stream(line.asText().split(" ")).filter(w -> !w.isEmpty()).toList();
    }

    /**
     * Runs the process.
     *
     * @param args {@code storeUrl mode leaseMillis intervalMillis}
     * @throws Exception if it cannot start
     */
    public static void main(String[] args) throws Exception {
        String url = args[0];
        String mode = args[1];
        Duration lease = Duration.ofMillis(Long.parseLong(args[2]));
        Duration interval = Duration.ofMillis(Long.parseLong(args[3]));
        AtomicLong committed = new AtomicLong();
        ConsumerListener counter = new ConsumerListener() {
            @Override
            public void windowCommitted(WindowEvent event) {
                committed.incrementAndGet();
            }
        };
        try (Minibatch mb = Minibatch.connect(url)) {
            List<ConsumerHandle> handles = new ArrayList<>();
            switch (mode) {
                case "wordcount" -> {
                    handles.add(mb.stage("lines").flatMap(TableWordCountMain::words).keyBy(JsonNode::asText).map(w -> 1)
                            .to("words").batch(100).lease(lease).start());
                    handles.add(mb.streaming("words").keyBy().interval(interval).lease(lease).listener(counter)
                            .reduce("counts", Long.class, Long::sum).start());
                }
                case "sums" -> handles.add(mb.streaming("nums").keyBy().interval(interval).lease(lease).listener(counter)
                        .reduce("sums", Long.class, Long::sum).start());
                default -> throw new IllegalArgumentException("unknown mode " + mode + "; wordcount or sums");
            }
            System.out.println("READY");
            System.out.flush();
            long reported = -1;
            while (true) {
                Thread.sleep(200);
                if (committed.get() != reported) {
                    reported = committed.get();
                    System.out.println("COMMITTED " + reported);
                    System.out.flush();
                }
                for (ConsumerHandle h : handles) {
                    if (h.failure() != null) {
                        h.failure().printStackTrace();
                    }
                }
            }
        }
    }
}
