package dev.minibatch.mongo;

import dev.minibatch.test.CrashDeliveryContract;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The shared crash-delivery suite on the MongoDB store: two processes, kill -9 with restarts,
 * SIGTERM, and 2 and 4 competing consumer processes. The wire server runs in this JVM, so killing
 * a consumer never touches it. Sizes are scaled to the wire server's speed (about 1,800 claims/s,
 * and every query scans because it keeps no secondary indexes), not to a real MongoDB.
 */
class MongoCrashDeliveryTest extends CrashDeliveryContract {

    private static TestMongo mongo;

    @BeforeAll
    static void startServer() {
        mongo = TestMongo.start();
    }

    @AfterAll
    static void stopServer() {
        mongo.close();
    }

    @Override
    protected String storeUrl(Path dir) {
        return mongo.url(TestMongo.freshDatabase("crash"));
    }

    @Override
    protected int killTestMessages() {
        return 20_000;
    }

    @Override
    protected int competingMessages() {
        return 10_000;
    }

    @Override
    protected int twoProcessMessages() {
        return 5_000;
    }

    @Override
    protected int producerBatch() {
        return 20;
    }

    @Override
    protected Duration producerPause() {
        return Duration.ofMillis(10);
    }

    /**
     * Longer than the SQLite default: every query on the wire server scans (it keeps no secondary
     * indexes), so under four consumers a claim or a renewal can take a good part of a second, and a
     * lease must outlast that with room to spare.
     */
    @Override
    protected Duration lease() {
        return Duration.ofSeconds(4);
    }
}
