package dev.minibatch.mongo;

import dev.minibatch.plugin.Providers;
import dev.minibatch.spi.store.StreamStore;
import dev.minibatch.test.PersistentStoreContract;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The shared store suite against MongoDB; a restart is a new store on the same database. */
class MongoStoreContractTest extends PersistentStoreContract implements dev.minibatch.test.KeyedStoreContract {

    private static TestMongo mongo;
    private String url;

    @BeforeAll
    static void startServer() {
        mongo = TestMongo.start();
    }

    @AfterAll
    static void stopServer() {
        mongo.close();
    }

    @Override
    protected StreamStore createStore() {
        url = mongo.url(TestMongo.freshDatabase("contract"));
        return Providers.defaults().openStore(url);
    }

    /** A fresh database's URL with extra options, for subclasses. */
    protected String mongoUrl(String options) {
        return mongo.url(TestMongo.freshDatabase("contract"), options);
    }

    @Override
    protected StreamStore reopenStore() {
        return Providers.defaults().openStore(url);
    }
}
