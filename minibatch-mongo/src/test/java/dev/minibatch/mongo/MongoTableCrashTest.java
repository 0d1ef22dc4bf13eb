package dev.minibatch.mongo;

import dev.minibatch.test.TableCrashContract;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Exactly-once tables across killed and competing processes on the MongoDB store (the wire server,
 * in this JVM, so killing a consumer never touches it; no transactions there: the window-id guard
 * of {@link MongoTables} is what is tested).
 */
class MongoTableCrashTest extends TableCrashContract {

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
        return mongo.url(TestMongo.freshDatabase("tablecrash"));
    }

    /** Longer than SQLite's: every query on the wire server scans, so a claim under load takes a while. */
    @Override
    protected Duration lease() {
        return Duration.ofSeconds(4);
    }

    /** Fewer, larger windows than on SQLite: the wire server's cost is per command, and a window is about six. */
    @Override
    protected Duration interval() {
        return Duration.ofMillis(500);
    }
}
