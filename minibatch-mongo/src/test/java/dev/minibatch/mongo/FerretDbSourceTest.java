package dev.minibatch.mongo;

import org.junit.jupiter.api.BeforeAll;

/**
 * {@link MongoSourceTest} against FerretDB (SQLite backend, real indexes), a second MongoDB-protocol server,
 * started as a process on 127.0.0.1 and a free port. FerretDB 1.x has no change streams: both sources poll there.
 */
class FerretDbSourceTest extends MongoSourceTest {

    /** Hides the suite's own start, so the server it starts is FerretDB. */
    @BeforeAll
    static void startServers() {
        TestMongo.onFerretDb(MongoSourceTest::startServers);
    }
}
