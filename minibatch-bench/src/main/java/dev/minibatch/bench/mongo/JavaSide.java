package dev.minibatch.bench.mongo;

import com.mongodb.ConnectionString;
import com.mongodb.MongoClientSettings;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import dev.minibatch.Minibatch;
import dev.minibatch.mongo.MongoStore;
import dev.minibatch.mongo.MongoStoreOptions;

/**
 * This project through its public API on a client whose every command is counted: a
 * {@link MongoStore} on a caller's {@link MongoClient} with a {@link CommandCounter}, wrapped in a
 * {@link Minibatch}. Closing closes both (the store never closes a caller's client).
 */
final class JavaSide implements AutoCloseable {

    /** The store's options in the bench: its defaults (no window documents, lease recovery, change streams where the server has them). */
    static final MongoStoreOptions OPTIONS = MongoStoreOptions.defaults();

    final CommandCounter commands = new CommandCounter();
    final MongoClient client;
    final Minibatch minibatch;

    JavaSide(String base, String database) {
        client = MongoClients.create(MongoClientSettings.builder()
                .applyConnectionString(new ConnectionString(base + "/" + database))
                .addCommandListener(commands).build());
        minibatch = Minibatch.builder().store(openStore(client, database)).shutdownHook(false).build();
    }

    /**
     * The one place the bench builds the store. The constructor's option parameters may change
     * with the store: adapt here.
     */
    static MongoStore openStore(MongoClient client, String database) {
        return new MongoStore(client, database, OPTIONS);
    }

    @Override
    public void close() {
        try {
            minibatch.close();
            minibatch.store().close();
        } finally {
            client.close();
        }
    }
}
