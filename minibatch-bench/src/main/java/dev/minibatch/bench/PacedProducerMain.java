package dev.minibatch.bench;

import dev.minibatch.Minibatch;
import dev.minibatch.Stream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.sqlite.SQLiteConfig;

/**
 * Producer process for {@link CrossProcessWakeupLatency}: appends {@code count} messages at
 * {@code rate} a second on a fixed schedule (a late send does not shift the others), each stamped with the wall
 * clock in microseconds (both JVMs share the machine's clock).
 *
 * <ul>
 *   <li>{@code minibatch storeUrl stream count rate}: through minibatch, {@code {"i": i, "sentMicros": …}};</li>
 *   <li>{@code raw file count rate}: plain sqlite-jdbc, one autocommit {@code INSERT INTO raw(sent)} a
 *       message into a table the reader created (WAL, synchronous NORMAL, as the store).</li>
 * </ul>
 */
public final class PacedProducerMain {

    private PacedProducerMain() {
    }

    public static void main(String[] args) throws Exception {
        if (args[0].equals("raw")) {
            raw(args[1], Integer.parseInt(args[2]), Integer.parseInt(args[3]));
        } else {
            try (Minibatch mb = Minibatch.builder().url(args[1]).shutdownHook(false).build()) {
                Stream stream = mb.stream(args[2]);
                paced(Integer.parseInt(args[3]), Integer.parseInt(args[4]),
                        i -> stream.append(Map.of("i", i, "sentMicros", nowMicros())));
            }
        }
    }

    private static void raw(String file, int count, int rate) throws Exception {
        SQLiteConfig config = new SQLiteConfig();
        config.setJournalMode(SQLiteConfig.JournalMode.WAL);
        config.setSynchronous(SQLiteConfig.SynchronousMode.NORMAL);
        config.setBusyTimeout(10_000);
        try (Connection c = config.createConnection("jdbc:sqlite:" + file);
             PreparedStatement insert = c.prepareStatement("INSERT INTO raw(sent) VALUES (?)")) {
            paced(count, rate, i -> {
                insert.setLong(1, nowMicros());
                insert.executeUpdate();
            });
        }
    }

    interface Send {
        void send(int i) throws Exception;
    }

    /**
     * Sends {@code count} at {@code rate} a second, after a pause of a second: this JVM's start
     * (class loading, compiling) takes the shared cores from the consumer, which would begin the
     * run behind.
     */
    static void paced(int count, int rate, Send send) throws Exception {
        Thread.sleep(1_000);
        long period = TimeUnit.SECONDS.toNanos(1) / rate;
        long next = System.nanoTime();
        for (int i = 0; i < count; i++) {
            long wait;
            while ((wait = next - System.nanoTime()) > 0) {
                LockSupport.parkNanos(wait);
            }
            send.send(i);
            next += period;
        }
    }

    static long nowMicros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000 + now.getNano() / 1_000;
    }
}
