package dev.minibatch.kafka;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Runs a real Kafka broker (KRaft, combined broker + controller) in its own JVM for the tests:
 * formats the storage on first start, then runs {@code kafka.Kafka}. The test JVM keeps this
 * process's stdin open; when it closes (the test JVM ended, even by a crash) the broker exits, so no
 * broker outlives its tests.
 *
 * <p>Arguments: {@code <server.properties> <cluster id> <log dir> [format options…]}; the format
 * options are passed to the storage format, e.g. {@code --feature share.version=0}.
 */
public final class BrokerMain {

    private BrokerMain() {
    }

    public static void main(String[] args) throws Exception {
        String config = args[0];
        String clusterId = args[1];
        Path logDir = Path.of(args[2]);
        if (!Files.exists(logDir.resolve("meta.properties"))) {
            java.util.List<String> format = new java.util.ArrayList<>(java.util.List.of("format", "-t", clusterId, "-c", config));
            format.addAll(java.util.Arrays.asList(args).subList(3, args.length));
            int rc = kafka.tools.StorageTool.execute(format.toArray(String[]::new), System.out);
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
            // a test harness process: exiting runs Kafka's shutdown hook
            System.exit(0);
        }, "parent-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
        kafka.Kafka.main(new String[] {config});
    }
}
