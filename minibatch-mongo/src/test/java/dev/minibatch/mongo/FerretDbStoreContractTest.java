package dev.minibatch.mongo;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;

/**
 * {@link MongoStoreContractTest} against FerretDB (SQLite backend, real indexes), a second MongoDB-protocol server,
 * started as a process on 127.0.0.1 and a free port. The shared store contract.
 */
@Tag("ferretdb")
class FerretDbStoreContractTest extends MongoStoreContractTest {

    /** Hides the suite's own start, so the server it starts is FerretDB. */
    @BeforeAll
    static void startServer() {
        TestMongo.onFerretDb(MongoStoreContractTest::startServer);
    }

    /**
     * A candidate read scans the buffer on FerretDB (it answers only exact {@code _id} filters from an
     * index) and every mark is a transaction of its own: 400 messages keep the overlap check within
     * the suite's time on a loaded machine.
     */
    @Override
    protected int concurrentClaimMessages() {
        return 400;
    }
}
