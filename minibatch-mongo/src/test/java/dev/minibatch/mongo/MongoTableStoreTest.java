package dev.minibatch.mongo;

import dev.minibatch.plugin.Providers;
import dev.minibatch.spi.store.StreamStore;
import dev.minibatch.test.TableStoreContract;
import dev.minibatch.test.TransactionalAppendContract;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

/**
 * The table and transactional-append contracts on the MongoDB store (window-id guarded state
 * documents and hidden outputs, no transactions: see {@code MongoTables}).
 */
class MongoTableStoreTest implements TableStoreContract, TransactionalAppendContract {

    private static TestMongo mongo;
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
        store = Providers.defaults().openStore(mongo.url(TestMongo.freshDatabase("tables")));
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
