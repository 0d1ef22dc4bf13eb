package dev.minibatch.mongo;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The MongoDB the tests talk to: a real {@code mongod} when {@code MINIBATCH_TEST_MONGO_URL} points
 * at one (each test gets its own database there, dropped at close), else a MongoDB wire-protocol
 * server (mongo-java-server, memory backend) started here on 127.0.0.1 and a free port. Never a
 * mock: the driver speaks the real protocol over a real socket either way.
 *
 * <p>The FerretDB test classes (FerretDb*Test) run the same suites against FerretDB, a second,
 * independent MongoDB-protocol server with real indexes (SQLite backend), started as a process
 * here: {@link #onFerretDb} makes every {@link #start} inside it start one instead.
 */
public final class TestMongo implements AutoCloseable {

    static final String ENV = "MINIBATCH_TEST_MONGO_URL";
    /** The FerretDB binary; default {@code $MINIBATCH_TEST_HOME/ferretdb/bin/ferretdb}. */
    static final String FERRETDB_ENV = "MINIBATCH_TEST_FERRETDB";
    private static final String SETUP_HINT = "run tools/test-env/setup (or ./run-tests)";

    /** Set while {@link #onFerretDb} runs a suite's own server start. */
    private static volatile boolean ferretDbRequested;

    private final MongoServer server;
    private final String realUrl;
    private final String host;
    private final Process ferretDb;
    private final Path ferretDbDir;
    private final Thread ferretDbReaper;
    private final List<String> databases = new ArrayList<>();

    private TestMongo(MongoServer server, String host, String realUrl) {
        this(server, host, realUrl, null, null);
    }

    private TestMongo(MongoServer server, String host, String realUrl, Process ferretDb, Path ferretDbDir) {
        this.server = server;
        this.host = host;
        this.realUrl = realUrl;
        this.ferretDb = ferretDb;
        this.ferretDbDir = ferretDbDir;
        if (ferretDb != null) {
            // a test JVM that dies without closing must not leave the server running
            ferretDbReaper = new Thread(ferretDb::destroyForcibly, "ferretdb-reaper");
            Runtime.getRuntime().addShutdownHook(ferretDbReaper);
        } else {
            ferretDbReaper = null;
        }
    }

    /**
     * Runs {@code start} (a suite's own {@code @BeforeAll}) so that the servers it starts are
     * FerretDB processes instead of the wire server.
     */
    static void onFerretDb(Runnable start) {
        ferretDbRequested = true;
        try {
            start.run();
        } finally {
            ferretDbRequested = false;
        }
    }

    /** The root of the tools tools/test-env/setup installs. */
    public static Path testHome() {
        String home = System.getenv("MINIBATCH_TEST_HOME");
        if (home != null && !home.isBlank()) {
            return Path.of(home);
        }
        String cache = System.getenv("XDG_CACHE_HOME");
        return (cache != null && !cache.isBlank() ? Path.of(cache) : Path.of(System.getProperty("user.home"), ".cache"))
                .resolve("minibatch-test");
    }

    /** The FerretDB binary tools/test-env/ferretdb.sh builds; fails naming the setup when absent. */
    static Path ferretDbBinary() {
        String explicit = System.getenv(FERRETDB_ENV);
        Path binary = explicit != null && !explicit.isBlank() ? Path.of(explicit)
                : testHome().resolve("ferretdb").resolve("bin").resolve("ferretdb");
        if (!Files.isExecutable(binary)) {
            throw new IllegalStateException("FerretDB is not installed at " + binary + " (" + FERRETDB_ENV
                    + " or $MINIBATCH_TEST_HOME/ferretdb/bin/ferretdb): " + SETUP_HINT);
        }
        return binary;
    }

    /**
     * Starts FerretDB (SQLite backend) on 127.0.0.1 and a free port, with a data folder of its own,
     * and waits until it accepts connections.
     */
    public static TestMongo startFerretDb() {
        Path binary = ferretDbBinary();
        IllegalStateException last = null;
        for (int attempt = 0; attempt < 3; attempt++) { // a free port can be taken between probe and bind
            Path dir;
            try {
                dir = Files.createTempDirectory("minibatch-ferretdb");
                Files.createDirectories(dir.resolve("data"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            int port = freePort();
            Path log = dir.resolve("ferretdb.log");
            Process process;
            try {
                process = new ProcessBuilder(binary.toString(),
                        "--handler=sqlite",
                        "--sqlite-url=file:" + dir.resolve("data") + "/",
                        "--state-dir=" + dir,
                        "--listen-addr=127.0.0.1:" + port,
                        "--debug-addr=127.0.0.1:0",
                        "--telemetry=disable",
                        "--log-level=warn")
                        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            } catch (IOException e) {
                deleteTree(dir);
                throw new UncheckedIOException("cannot start " + binary, e);
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (process.isAlive() && System.nanoTime() < deadline) {
                try (Socket socket = new Socket()) {
                    socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
                    return new TestMongo(null, "127.0.0.1:" + port, null, process, dir);
                } catch (IOException notYet) {
                    sleep(50);
                }
            }
            String output = readQuietly(log);
            stopProcess(process);
            deleteTree(dir);
            last = new IllegalStateException("FerretDB (" + binary + ") did not accept connections on 127.0.0.1:" + port
                    + (process.isAlive() ? " within 30 s" : ", exit " + process.exitValue()) + "; its output:\n" + output);
        }
        throw last;
    }

    /** Starts the wire server (change streams enabled when {@code oplog}), or uses the real one. */
    static TestMongo start(boolean oplog) {
        if (ferretDbRequested) {
            return startFerretDb();
        }
        String real = System.getenv(ENV);
        if (real != null && !real.isBlank()) {
            return new TestMongo(null, null, real.trim());
        }
        MemoryBackend backend = new MemoryBackend();
        if (oplog) {
            backend.enableOplog();
        }
        MongoServer server = new MongoServer(backend);
        // One worker thread, so commands run one at a time as on a real server's document level:
        // with several, mongo-java-server 1.47 checks a unique index and adds to it in two steps
        // (AbstractMongoCollection.addDocument), so two connections inserting one _id at once could
        // both succeed, and the lock claims' one-winner inserts would not hold on it.
        server.bind(new InetSocketAddress("127.0.0.1", 0), 1, 1);
        InetSocketAddress bound = server.getLocalAddress();
        return new TestMongo(server, "127.0.0.1:" + bound.getPort(), null);
    }

    public static TestMongo start() {
        return start(false);
    }

    /**
     * Whether the tests run against a real server (a mongod, or FerretDB), not the wire server:
     * such a server keeps every index and decides for itself what it supports.
     */
    boolean isReal() {
        return realUrl != null || ferretDb != null;
    }

    /** Whether this is a FerretDB started here. */
    boolean isFerretDb() {
        return ferretDb != null;
    }

    /** A database name not used before. */
    public static String freshDatabase(String prefix) {
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

    public String url(String database) {
        return url(database, "");
    }

    /** A plain driver client on the same server, for raw document checks. */
    MongoClient client() {
        return MongoClients.create(realUrl != null ? url("admin") : "mongodb://" + host);
    }

    @Override
    public void close() {
        if (ferretDb != null) {
            stopProcess(ferretDb);
            try {
                Runtime.getRuntime().removeShutdownHook(ferretDbReaper);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs anyway
            }
            deleteTree(ferretDbDir);
            return;
        }
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

    private static void stopProcess(Process process) {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for FerretDB", e);
        }
    }

    private static String readQuietly(Path file) {
        try {
            String text = Files.readString(file);
            return text.length() > 4000 ? text.substring(text.length() - 4000) : text;
        } catch (IOException e) {
            return "(no output: " + e + ")";
        }
    }

    private static void deleteTree(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temp folder left behind is harmless
        }
    }
}
