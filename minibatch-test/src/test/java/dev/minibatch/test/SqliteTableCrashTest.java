package dev.minibatch.test;

import java.nio.file.Path;

/** Exactly-once tables across killed and competing processes on the embedded SQLite store. */
class SqliteTableCrashTest extends TableCrashContract {
    @Override
    protected String storeUrl(Path dir) {
        return "sqlite:" + dir.resolve("tables.db");
    }
}
