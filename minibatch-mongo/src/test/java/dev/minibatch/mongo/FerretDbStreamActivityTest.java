package dev.minibatch.mongo;

import org.junit.jupiter.api.BeforeAll;

/**
 * {@link MongoStreamActivityTest} against FerretDB (SQLite backend, real indexes), a second MongoDB-protocol server,
 * started as a process on 127.0.0.1 and a free port. Heartbeats and counts.
 */
class FerretDbStreamActivityTest extends MongoStreamActivityTest {

    /** Hides the suite's own start, so the server it starts is FerretDB. */
    @BeforeAll
    static void startServer() {
        TestMongo.onFerretDb(MongoStreamActivityTest::startServer);
    }
}
