package dev.minibatch.mongo;

import org.junit.jupiter.api.BeforeAll;

/**
 * {@link MongoCrashDeliveryTest} against FerretDB (SQLite backend, real indexes), a second MongoDB-protocol server,
 * started as a process on 127.0.0.1 and a free port. kill -9, SIGTERM and competing consumer JVMs; the server is a separate process the kills never touch.
 */
class FerretDbCrashDeliveryTest extends MongoCrashDeliveryTest {

    /** Hides the suite's own start, so the server it starts is FerretDB. */
    @BeforeAll
    static void startServer() {
        TestMongo.onFerretDb(MongoCrashDeliveryTest::startServer);
    }
}
