package dev.minibatch.test;

import com.fasterxml.jackson.databind.JsonNode;
import dev.minibatch.model.ConsumerHandle;
import dev.minibatch.Minibatch;
import dev.minibatch.Streaming;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * A consumer process for delivery tests: consumes a stream with a CountWindow and, inside the
 * window function (so before the commit), appends the window's message numbers ({@code n} field)
 * as one line {@code windowId n1 n2 …} to a record file, forced to disk. A line present means the
 * function ran for that window; a kill after the line and before the commit shows up as a
 * duplicate, which is what at-least-once allows.
 *
 * <p>Arguments: {@code storeUrl stream size workers recordFile leaseMillis [holdMillis [mode]]}; with
 * {@code holdMillis} the function keeps the window that long after recording it, so a kill often
 * lands between the record and the commit (the case that yields duplicates). {@code mode} is
 * {@code shared} (the default), {@code ordered} ({@code streaming(s).ordered()}) or {@code keyed}
 * (windows per stored message key, {@code keyBy()}). Prints
 * {@code CONSUMER READY} once running. Runs until killed or terminated.
 */
public final class RecordingConsumerMain {

    private RecordingConsumerMain() {
    }

    /**
     * Runs the consumer.
     *
     * @param args {@code storeUrl stream size workers recordFile leaseMillis [holdMillis [mode]]}
     * @throws Exception if the consumer cannot start
     */
    public static void main(String[] args) throws Exception {
        String url = args[0];
        String stream = args[1];
        int size = Integer.parseInt(args[2]);
        int workers = Integer.parseInt(args[3]);
        Path record = Path.of(args[4]);
        long leaseMillis = Long.parseLong(args[5]);
        long holdMillis = args.length > 6 ? Long.parseLong(args[6]) : 0;
        String mode = args.length > 7 ? args[7] : "shared";
        try (FileChannel out = FileChannel.open(record, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND);
             Minibatch mb = Minibatch.connect(url)) {
            Streaming streaming = switch (mode) {
                case "shared" -> mb.streaming(stream);
                case "ordered" -> mb.streaming(stream).ordered();
                case "keyed" -> mb.streaming(stream).keyBy();
                default -> throw new IllegalArgumentException("mode must be shared, ordered or keyed, was " + mode);
            };
            ConsumerHandle handle = streaming.size(size).workers(workers)
                    .lease(Duration.ofMillis(leaseMillis)).backoff(Duration.ofMillis(50), Duration.ofSeconds(1))
                    .start(window -> {
                        StringBuilder line = new StringBuilder(window.id());
                        for (JsonNode value : window.data()) {
                            line.append(' ').append(value.get("n").asLong());
                        }
                        line.append('\n');
                        write(out, line.toString());
                        if (holdMillis > 0) {
                            Thread.sleep(holdMillis);
                        }
                    });
            System.out.println("CONSUMER READY");
            System.out.flush();
            new CountDownLatch(1).await(); // until killed; the shutdown hook stops the consumer on SIGTERM
            handle.stop();
        }
    }

    private static synchronized void write(FileChannel out, String line) throws IOException {
        ByteBuffer bytes = ByteBuffer.wrap(line.getBytes(StandardCharsets.UTF_8));
        while (bytes.hasRemaining()) {
            out.write(bytes);
        }
        out.force(false);
    }
}
