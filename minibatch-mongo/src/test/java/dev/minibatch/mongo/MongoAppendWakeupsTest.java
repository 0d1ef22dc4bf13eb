package dev.minibatch.mongo;

import dev.minibatch.plugin.Providers;
import dev.minibatch.spi.store.StreamStore;
import dev.minibatch.test.AppendWakeupsContract;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** Append notices from change streams, on the wire server with its oplog (as a replica set has). */
class MongoAppendWakeupsTest extends AppendWakeupsContract {

    private static TestMongo mongo;

    @BeforeAll
    static void startServer() {
        mongo = TestMongo.start(true);
    }

    @AfterAll
    static void stopServer() {
        mongo.close();
    }

    @Override
    protected StreamStore createStore() {
        return Providers.defaults().openStore(mongo.url(TestMongo.freshDatabase("wakeups")));
    }
}
