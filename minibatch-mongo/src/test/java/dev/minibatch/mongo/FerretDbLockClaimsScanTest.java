package dev.minibatch.mongo;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;

/**
 * {@link LockClaimsScanTest} against FerretDB (SQLite backend), the server lock claims are for: the
 * same scan counts, and a 300-message window that hung FerretDB while its marks went as one command.
 */
@Tag("ferretdb")
class FerretDbLockClaimsScanTest extends LockClaimsScanTest {

    /** Hides the suite's own start, so the server it starts is FerretDB. */
    @BeforeAll
    static void startServer() {
        TestMongo.onFerretDb(LockClaimsScanTest::startServer);
    }
}
