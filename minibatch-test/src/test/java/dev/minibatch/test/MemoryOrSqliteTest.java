package dev.minibatch.test;

import dev.minibatch.Minibatch;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * Base of the tests parameterised over the two built-in stores: {@link #connect(String)} opens
 * {@code "memory"} or {@code "sqlite"} (a file in a fresh temporary folder); the client is closed
 * after each test.
 */
abstract class MemoryOrSqliteTest {

    @TempDir
    Path dir;

    Minibatch mb;

    Minibatch connect(String store) {
        mb = Minibatch.builder().url(store.equals("sqlite") ? "sqlite:" + dir.resolve("test.db") : "memory:")
                .shutdownHook(false).build();
        return mb;
    }

    @AfterEach
    void closeClient() {
        if (mb != null) {
            mb.close();
        }
    }
}
