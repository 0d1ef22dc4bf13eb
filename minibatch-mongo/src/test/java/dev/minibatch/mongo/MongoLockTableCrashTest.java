package dev.minibatch.mongo;

import dev.minibatch.test.TableCrashContract;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * {@link MongoTableCrashTest} with {@code claims=locks} on the emulator: the lock-claim table
 * protocol ({@link LockTables}: revision markers, window records settled by lease recovery) under
 * five kill -9 and two competing consumer JVMs, on a server fast enough for a large run. 40,000
 * words (not the 200,000, which {@link MongoTableCrashTest} runs with guarded updates):
 * every message costs a lock document here too, and the run should stay near a minute.
 */
class MongoLockTableCrashTest extends TableCrashContract {

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
        return mongo.url(TestMongo.freshDatabase("locktablecrash"), "claims=locks");
    }

    @Override
    protected int crashTestWords() {
        return 40_000;
    }

    @Override
    protected int competingMessages() {
        return 5_000;
    }

    @Override
    protected Duration lease() {
        return Duration.ofSeconds(4);
    }

    @Override
    protected Duration interval() {
        return Duration.ofMillis(500);
    }
}
