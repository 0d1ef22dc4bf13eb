package dev.minibatch.mongo;

import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;

/**
 * {@link MongoCrashDeliveryTest} against FerretDB (SQLite backend, real indexes), a second
 * MongoDB-protocol server, started as a process on 127.0.0.1 and a free port: kill -9, SIGTERM and
 * competing consumer JVMs; the kills never touch the server. Sizes are scaled to FerretDB's speed
 * here (the store's claims take about a second a window on it, see the module README), not to the
 * emulator's.
 */
class FerretDbCrashDeliveryTest extends MongoCrashDeliveryTest {

    /** Hides the suite's own start, so the server it starts is FerretDB. */
    @BeforeAll
    static void startServer() {
        TestMongo.onFerretDb(MongoCrashDeliveryTest::startServer);
    }

    @Override
    protected int killTestMessages() {
        return 2_000;
    }

    @Override
    protected int competingMessages() {
        return 1_000;
    }

    @Override
    protected int twoProcessMessages() {
        return 1_000;
    }

    @Override
    protected Duration lease() {
        return Duration.ofSeconds(8);
    }
}
