package dev.minibatch.mongo;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;

/**
 * {@link MongoTableSizeTest} on FerretDB (SQLite backend), where the store chooses lock claims
 * itself; 15 windows per thread (300 contended entry updates), as every write there is a
 * transaction of its own.
 */
@Tag("ferretdb")
class FerretDbTableSizeTest extends MongoTableSizeTest {

    /** Hides the suite's own start, so the server it starts is FerretDB. */
    @BeforeAll
    static void startServer() {
        TestMongo.onFerretDb(MongoTableSizeTest::startServer);
    }

    @Override
    protected String claims() {
        return "";
    }

    @Override
    protected int rounds() {
        return 15;
    }
}
