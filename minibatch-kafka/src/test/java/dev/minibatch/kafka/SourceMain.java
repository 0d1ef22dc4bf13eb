package dev.minibatch.kafka;

import dev.minibatch.Attachment;
import dev.minibatch.Minibatch;
import java.util.Map;

/**
 * A producer JVM for the crash test: attaches a {@link KafkaSource} to a stream in a SQLite file
 * and runs until its stdin closes (or it is killed).
 *
 * <p>Arguments: {@code <bootstrap servers> <topic> <sqlite file> <stream> <group.instance.id>}.
 */
public final class SourceMain {

    private SourceMain() {
    }

    public static void main(String[] args) throws Exception {
        try (Minibatch mb = Minibatch.builder().url("sqlite:" + args[2]).shutdownHook(false).build()) {
            // a static member: the restarted process takes the partitions over without waiting for a session timeout
            Attachment source = mb.stream(args[3]).attach(new KafkaSource(args[1], args[0], Map.of(
                    "kafka.max.poll.records", Integer.toString(KafkaSourceCrashTest.MAX_POLL_RECORDS),
                    "kafka.group.instance.id", args[4])));
            System.out.println("attached");
            while (System.in.read() >= 0) {
                // runs until the test closes stdin
            }
            source.stop();
        }
    }
}
