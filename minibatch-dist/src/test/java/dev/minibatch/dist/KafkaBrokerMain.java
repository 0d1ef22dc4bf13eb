package dev.minibatch.dist;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The child JVM of {@link KafkaBroker}: formats the KRaft storage, then runs {@code kafka.Kafka};
 * exits when its stdin closes (the test JVM is gone), so no broker outlives the tests.
 * Arguments: {@code <server.properties> <cluster id> <log dir>}.
 */
public final class KafkaBrokerMain {

    private KafkaBrokerMain() {
    }

    public static void main(String[] args) throws Exception {
        if (!Files.exists(Path.of(args[2]).resolve("meta.properties"))) {
            int rc = kafka.tools.StorageTool.execute(new String[] {"format", "-t", args[1], "-c", args[0]}, System.out);
            if (rc != 0) {
                throw new IllegalStateException("formatting the Kafka storage failed with " + rc);
            }
        }
        Thread watchdog = new Thread(() -> {
            try (InputStream in = System.in) {
                while (in.read() >= 0) {
                    // the test JVM writes nothing; EOF means it is gone
                }
            } catch (IOException ignored) {
                // treated as EOF
            }
            System.exit(0); // a test harness process: exiting runs Kafka's shutdown hook
        }, "parent-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
        kafka.Kafka.main(new String[] {args[0]});
    }
}
