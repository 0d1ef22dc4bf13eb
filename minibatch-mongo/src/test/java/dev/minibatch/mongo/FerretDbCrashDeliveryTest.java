package dev.minibatch.mongo;

import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;

/**
 * {@link MongoCrashDeliveryTest} against FerretDB (SQLite backend, real indexes), a second
 * MongoDB-protocol server, started as a process on 127.0.0.1 and a free port: kill -9, SIGTERM and
 * competing consumer JVMs; the kills never touch the server. Sizes are scaled to FerretDB's speed
 * here (a read not by {@code _id} scans the collection, and every document write is a transaction of
 * its own; see the module README), not to the emulator's; the lease is long enough for four JVMs'
 * claims there.
 */
@Tag("ferretdb")
class FerretDbCrashDeliveryTest extends MongoCrashDeliveryTest {

    /** Hides the suite's own start, so the server it starts is FerretDB. */
    @BeforeAll
    static void startServer() {
        TestMongo.onFerretDb(MongoCrashDeliveryTest::startServer);
    }

    @Override
    protected int killTestMessages() {
        return 600;
    }

    @Override
    protected int competingMessages() {
        return 300;
    }

    @Override
    protected int twoProcessMessages() {
        return 300;
    }

    @Override
    protected Duration lease() {
        return Duration.ofSeconds(20);
    }
}
