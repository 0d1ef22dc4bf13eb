package dev.minibatch.mongo;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The MongoDB the tests talk to: a real {@code mongod} when {@code MINIBATCH_TEST_MONGO_URL} points
 * at one (each test gets its own database there, dropped at close), else a MongoDB wire-protocol
 * server (mongo-java-server, memory backend) started here on 127.0.0.1 and a free port. Never a
 * mock: the driver speaks the real protocol over a real socket either way.
 */
final class TestMongo implements AutoCloseable {

    static final String ENV = "MINIBATCH_TEST_MONGO_URL";

    private final MongoServer server;
    private final String realUrl;
    private final String host;
    private final List<String> databases = new ArrayList<>();

    private TestMongo(MongoServer server, String host, String realUrl) {
        this.server = server;
        this.host = host;
        this.realUrl = realUrl;
    }

    /** Starts the wire server (change streams enabled when {@code oplog}), or uses the real one. */
    static TestMongo start(boolean oplog) {
        String real = System.getenv(ENV);
        if (real != null && !real.isBlank()) {
            return new TestMongo(null, null, real.trim());
        }
        MemoryBackend backend = new MemoryBackend();
        if (oplog) {
            backend.enableOplog();
        }
        MongoServer server = new MongoServer(backend);
        String connection = server.bindAndGetConnectionString(); // mongodb://127.0.0.1:port
        return new TestMongo(server, connection.substring("mongodb://".length()), null);
    }

    static TestMongo start() {
        return start(false);
    }

    /** Whether the tests run against a real mongod. */
    boolean isReal() {
        return realUrl != null;
    }

    /** A database name not used before. */
    static String freshDatabase(String prefix) {
        return prefix + "_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    }

    /** The URL of {@code database} (recorded for dropping at close), with extra query options. */
    synchronized String url(String database, String options) {
        databases.add(database);
        String query = options == null || options.isEmpty() ? "" : options;
        if (realUrl == null) {
            return "mongodb://" + host + "/" + database + (query.isEmpty() ? "" : "?" + query);
        }
        String rest = realUrl;
        String scheme = rest.substring(0, rest.indexOf("://") + 3);
        rest = rest.substring(scheme.length());
        String existing = "";
        int q = rest.indexOf('?');
        if (q >= 0) {
            existing = rest.substring(q + 1);
            rest = rest.substring(0, q);
        }
        int slash = rest.indexOf('/');
        String authority = slash < 0 ? rest : rest.substring(0, slash);
        String all = existing.isEmpty() ? query : query.isEmpty() ? existing : existing + "&" + query;
        if (authority.contains("@") && !all.toLowerCase(java.util.Locale.ROOT).contains("authsource=")) {
            // users usually live in admin; without this the fresh test database would be the auth source
            all = all.isEmpty() ? "authSource=admin" : all + "&authSource=admin";
        }
        return scheme + authority + "/" + database + (all.isEmpty() ? "" : "?" + all);
    }

    String url(String database) {
        return url(database, "");
    }

    /** A plain driver client on the same server, for raw document checks. */
    MongoClient client() {
        return MongoClients.create(realUrl != null ? url("admin") : "mongodb://" + host);
    }

    @Override
    public void close() {
        if (server != null) {
            server.shutdownNow();
            return;
        }
        try (MongoClient client = client()) {
            for (String db : databases) {
                if (!db.equals("admin")) {
                    client.getDatabase(db).drop();
                }
            }
        }
    }
}
