package dev.minibatch.test;

import dev.minibatch.plugin.Providers;
import dev.minibatch.spi.store.StreamStore;
import dev.minibatch.store.memory.MemoryStore;
import java.nio.file.Path;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.io.TempDir;

class BuiltinStoreActivityTest {

    @Nested
    class Memory extends StreamActivityContract {
        @Override
        protected StreamStore createStore() {
            return new MemoryStore();
        }
    }

    @Nested
    class Sqlite extends StreamActivityContract {
        @TempDir
        Path dir;

        @Override
        protected StreamStore createStore() {
            return Providers.defaults().openStore("sqlite:" + dir.resolve("activity.db"));
        }
    }
}
