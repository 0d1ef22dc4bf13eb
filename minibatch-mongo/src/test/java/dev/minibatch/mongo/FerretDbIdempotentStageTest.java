package dev.minibatch.mongo;

import org.junit.jupiter.api.BeforeAll;

/**
 * {@link MongoIdempotentStageTest} against FerretDB (SQLite backend, real unique {@code _id}
 * index), a second MongoDB-protocol server, started as a process on 127.0.0.1 and a free port:
 * its duplicate-key refusals of an unordered insert are what idempotent stage appends rely on.
 */
class FerretDbIdempotentStageTest extends MongoIdempotentStageTest {

    /** Hides the suite's own start, so the server it starts is FerretDB. */
    @BeforeAll
    static void startServer() {
        TestMongo.onFerretDb(MongoIdempotentStageTest::startServer);
    }
}
