package dev.minibatch.test;

import java.nio.file.Path;

/** The crash and competing-consumer proofs on the embedded SQLite store. */
class SqliteCrashDeliveryTest extends CrashDeliveryContract {
    @Override
    protected String storeUrl(Path dir) {
        return "sqlite:" + dir.resolve("crash.db");
    }
}
