package dev.minibatch.mongo;

import org.junit.jupiter.api.BeforeAll;

/**
 * {@link MongoStoreContractTest} against FerretDB (SQLite backend, real indexes), a second MongoDB-protocol server,
 * started as a process on 127.0.0.1 and a free port. The shared store contract.
 */
class FerretDbStoreContractTest extends MongoStoreContractTest {

    /** Hides the suite's own start, so the server it starts is FerretDB. */
    @BeforeAll
    static void startServer() {
        TestMongo.onFerretDb(MongoStoreContractTest::startServer);
    }
}
