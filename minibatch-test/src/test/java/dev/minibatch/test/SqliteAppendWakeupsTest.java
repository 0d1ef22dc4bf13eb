package dev.minibatch.test;

import dev.minibatch.plugin.Providers;
import dev.minibatch.spi.store.StreamStore;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The SQLite store's append notices for appends made in this JVM. */
class SqliteAppendWakeupsTest extends AppendWakeupsContract {

    @TempDir
    Path dir;

    @Override
    protected StreamStore createStore() {
        return Providers.defaults().openStore("sqlite:" + dir.resolve("wakeups.db"));
    }
}
