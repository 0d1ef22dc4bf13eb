package dev.minibatch.mongo;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.minibatch.plugin.Providers;
import dev.minibatch.spi.store.StreamStore;
import dev.minibatch.test.TableStoreContract;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

/**
 * The table contract with {@code claims=locks} on the emulator, the claim mode FerretDB gets:
 * entries and sizes by revision markers ({@link LockTables}), on a server whose own filters are
 * atomic, so a flaw of the protocol shows up here and not only on FerretDB.
 */
class MongoLockTableStoreTest implements TableStoreContract {

    static TestMongo mongo;
    private StreamStore store;

    @BeforeAll
    static void startServer() {
        mongo = TestMongo.start();
    }

    @AfterAll
    static void stopServer() {
        mongo.close();
    }

    @BeforeEach
    void open() {
        store = Providers.defaults().openStore(mongo.url(TestMongo.freshDatabase("locktables"), "claims=locks"));
        assertEquals(MongoStoreOptions.ClaimMode.LOCKS, ((MongoStore) store).claimMode());
    }

    @AfterEach
    void close() {
        store.close();
    }

    @Override
    public StreamStore contractStore() {
        return store;
    }
}
