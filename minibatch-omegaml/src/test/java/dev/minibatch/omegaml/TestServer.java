package dev.minibatch.omegaml;

import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import java.util.UUID;

/**
 * The MongoDB the tests talk to: a real {@code mongod} when {@code MINIBATCH_TEST_MONGO_URL} points
 * at one, else a MongoDB wire-protocol server (mongo-java-server) on 127.0.0.1 and a free port.
 * Each call of {@link #freshUrl()} names a new database.
 */
final class TestServer implements AutoCloseable {

    private final MongoServer server;
    private final String base;

    private TestServer(MongoServer server, String base) {
        this.server = server;
        this.base = base;
    }

    static TestServer start() {
        String real = System.getenv("MINIBATCH_TEST_MONGO_URL");
        if (real != null && !real.isBlank()) {
            String trimmed = real.trim();
            int scheme = trimmed.indexOf("://") + 3;
            int slash = trimmed.indexOf('/', scheme);
            return new TestServer(null, slash < 0 ? trimmed : trimmed.substring(0, slash));
        }
        MongoServer server = new MongoServer(new MemoryBackend());
        return new TestServer(server, server.bindAndGetConnectionString());
    }

    /** A URL of a database not used before. */
    String freshUrl() {
        return base + "/omega_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
    }

    @Override
    public void close() {
        if (server != null) {
            server.shutdownNow();
        }
    }
}
