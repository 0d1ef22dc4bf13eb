package dev.minibatch.mongo;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;

/**
 * {@link MongoLockTableStoreTest} against FerretDB (SQLite backend), where lock claims are chosen
 * automatically; the URL's {@code claims=locks} only states it.
 */
@Tag("ferretdb")
class FerretDbTableStoreTest extends MongoLockTableStoreTest {

    /** Hides the suite's own start, so the server it starts is FerretDB. */
    @BeforeAll
    static void startServer() {
        TestMongo.onFerretDb(MongoLockTableStoreTest::startServer);
    }
}
