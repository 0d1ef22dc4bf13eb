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
     * Every candidate read scans the buffer on FerretDB (it answers only exact {@code _id} filters from
     * an index), about 0.4 s a claim with 8 claimers: 400 messages keep the overlap check within the
     * suite's time.
     */
    @Override
    protected int concurrentClaimMessages() {
        return 400;
    }
}
