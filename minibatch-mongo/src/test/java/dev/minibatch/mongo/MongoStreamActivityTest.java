package dev.minibatch.mongo;

import dev.minibatch.plugin.Providers;
import dev.minibatch.spi.store.StreamStore;
import dev.minibatch.test.StreamActivityContract;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** Consumer heartbeats on MongoDB; appends are not counted there (-1). */
class MongoStreamActivityTest extends StreamActivityContract {

    private static TestMongo mongo;

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
        return Providers.defaults().openStore(mongo.url(TestMongo.freshDatabase("activity")));
    }

    @Override
    protected boolean countsAppends() {
        return false;
    }
}
