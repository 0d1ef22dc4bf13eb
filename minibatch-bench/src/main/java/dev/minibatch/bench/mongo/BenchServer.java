package dev.minibatch.bench.mongo;

import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;

/** A MongoDB-protocol server the bench starts on 127.0.0.1 and a free port, and stops. */
abstract class BenchServer implements AutoCloseable {

    /** The name in the tables. */
    abstract String name();

    /** {@code mongodb://127.0.0.1:port} (no database). */
    abstract String base();

    @Override
    public abstract void close();

    /** mongo-java-server 1.47, memory backend, in this JVM: no secondary indexes, every query scans. */
    static BenchServer emulator() {
        MongoServer server = new MongoServer(new MemoryBackend());
        String base = server.bindAndGetConnectionString();
        return new BenchServer() {
            @Override
            String name() {
                return "emulator";
            }

            @Override
            String base() {
                return base;
            }

            @Override
            public void close() {
                server.shutdownNow();
            }
        };
    }

    /**
     * FerretDB (SQLite backend, real indexes) as a process, built by tools/test-env/ferretdb.sh into
     * {@code $MINIBATCH_TEST_HOME/ferretdb/bin/ferretdb} (or {@code MINIBATCH_TEST_FERRETDB}).
     */
    static BenchServer ferretDb() throws IOException, InterruptedException {
        String explicit = System.getenv("MINIBATCH_TEST_FERRETDB");
        Path binary = explicit != null && !explicit.isBlank() ? Path.of(explicit)
                : PythonBench.testHome().resolve("ferretdb/bin/ferretdb");
        if (!Files.isExecutable(binary)) {
            throw new IllegalStateException("FerretDB is not installed at " + binary + ": run tools/test-env/setup");
        }
        Path dir = Files.createTempDirectory("minibatch-bench-ferretdb");
        Files.createDirectories(dir.resolve("data"));
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        Process process = new ProcessBuilder(binary.toString(), "--handler=sqlite",
                "--sqlite-url=file:" + dir.resolve("data") + "/", "--state-dir=" + dir,
                "--listen-addr=127.0.0.1:" + port, "--debug-addr=127.0.0.1:0", "--telemetry=disable", "--log-level=warn")
                .redirectErrorStream(true).redirectOutput(dir.resolve("ferretdb.log").toFile()).start();
        Thread reaper = new Thread(process::destroyForcibly, "ferretdb-reaper");
        Runtime.getRuntime().addShutdownHook(reaper);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                break;
            } catch (IOException notYet) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    process.destroyForcibly();
                    throw new IllegalStateException("FerretDB did not start; see " + dir.resolve("ferretdb.log"));
                }
                Thread.sleep(50);
            }
        }
        String base = "mongodb://127.0.0.1:" + port;
        return new BenchServer() {
            @Override
            String name() {
                return "ferretdb";
            }

            @Override
            String base() {
                return base;
            }

            @Override
            public void close() {
                process.destroy();
                try {
                    if (!process.waitFor(10, TimeUnit.SECONDS)) {
                        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                    }
                    Runtime.getRuntime().removeShutdownHook(reaper);
                } catch (InterruptedException e) {
                    process.destroyForcibly();
                    Thread.currentThread().interrupt();
                } catch (IllegalStateException shuttingDown) {
                    // the hook runs anyway
                }
                try (var paths = Files.walk(dir)) {
                    paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        };
    }
}
