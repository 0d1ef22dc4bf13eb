package dev.minibatch.bench.mongo;

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
import java.util.concurrent.TimeUnit;

/** A MongoDB-protocol server the bench starts on 127.0.0.1 and a free port, and stops. */
public abstract class BenchServer implements AutoCloseable {

    /** The name in the tables. */
    abstract String name();

    /** {@code mongodb://127.0.0.1:port} (no database). */
    public abstract String base();

    @Override
    public abstract void close();

    /**
     * mongo-java-server 1.47, memory backend, in a JVM of its own ({@link EmulatorMain}): no secondary
     * indexes, every query scans. With {@code oplog} it has change streams, which it answers at once
     * rather than awaiting data, scanning its whole oplog (never trimmed) on every {@code getMore}. Not in the bench's JVM, where it would share heap, GC and JIT with
     * the Java side only and so weigh on one side of a comparison.
     */
    public static BenchServer emulator(boolean oplog) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("minibatch-bench-emulator");
        int port = freePort();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "-Xmx2g", "-cp", System.getProperty("java.class.path"),
                EmulatorMain.class.getName(), String.valueOf(port)));
        if (oplog) {
            command.add("--oplog");
        }
        return start("emulator", new ProcessBuilder(command), dir, port);
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
        int port = freePort();
        return start("ferretdb", new ProcessBuilder(binary.toString(), "--handler=sqlite",
                "--sqlite-url=file:" + dir.resolve("data") + "/", "--state-dir=" + dir,
                "--listen-addr=127.0.0.1:" + port, "--debug-addr=127.0.0.1:0", "--telemetry=disable", "--log-level=warn"),
                dir, port);
    }

    private static int freePort() throws IOException {
        try (ServerSocket probe = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return probe.getLocalPort();
        }
    }

    /** Starts a server process logging into {@code dir}, waits until it accepts connections on {@code port}. */
    private static BenchServer start(String name, ProcessBuilder command, Path dir, int port)
            throws IOException, InterruptedException {
        Process process = command.redirectErrorStream(true).redirectOutput(dir.resolve(name + ".log").toFile()).start();
        Thread reaper = new Thread(process::destroyForcibly, name + "-reaper");
        Runtime.getRuntime().addShutdownHook(reaper);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                break;
            } catch (IOException notYet) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    process.destroyForcibly();
                    throw new IllegalStateException(name + " did not start; see " + dir.resolve(name + ".log"));
                }
                Thread.sleep(50);
            }
        }
        String base = "mongodb://127.0.0.1:" + port;
        return new BenchServer() {
            @Override
            String name() {
                return name;
            }

            @Override
            public String base() {
                return base;
            }

            @Override
            public void close() {
                try {
                    process.getOutputStream().close(); // the emulator stops when its input closes
                    process.destroy();
                    if (!process.waitFor(10, TimeUnit.SECONDS)) {
                        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                    }
                    Runtime.getRuntime().removeShutdownHook(reaper);
                } catch (InterruptedException e) {
                    process.destroyForcibly();
                    Thread.currentThread().interrupt();
                } catch (IOException | IllegalStateException ignored) {
                    // already gone, or the JVM is shutting down and the hook runs anyway
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
