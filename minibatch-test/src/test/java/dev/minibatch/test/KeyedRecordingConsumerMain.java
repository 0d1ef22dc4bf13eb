package dev.minibatch.test;

import com.fasterxml.jackson.databind.JsonNode;
import dev.minibatch.model.ConsumerHandle;
import dev.minibatch.Minibatch;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * A keyed consumer process: {@code streaming(stream).size(n).keyBy()} recording each window as a
 * line {@code windowId key n1 n2 …} (forced to disk) inside the window function. Arguments:
 * {@code storeUrl stream size recordFile}. Prints {@code CONSUMER READY}; runs until killed.
 */
public final class KeyedRecordingConsumerMain {

    private KeyedRecordingConsumerMain() {
    }

    public static void main(String[] args) throws Exception {
        try (FileChannel out = FileChannel.open(Path.of(args[3]), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND);
             Minibatch mb = Minibatch.connect(args[0])) {
            ConsumerHandle handle = mb.streaming(args[1]).size(Integer.parseInt(args[2])).keyBy()
                    .lease(Duration.ofSeconds(5)).start(window -> {
                        StringBuilder line = new StringBuilder(window.id()).append(' ').append(window.key());
                        for (JsonNode value : window.data()) {
                            line.append(' ').append(value.get("n").asLong());
                        }
                        line.append('\n');
                        synchronized (out) {
                            ByteBuffer bytes = ByteBuffer.wrap(line.toString().getBytes(StandardCharsets.UTF_8));
                            while (bytes.hasRemaining()) {
                                out.write(bytes);
                            }
                            out.force(false);
                        }
                    });
            System.out.println("CONSUMER READY");
            System.out.flush();
            new CountDownLatch(1).await();
            handle.stop();
        }
    }
}
