package dev.minibatch.bench.mongo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One run of {@code minibatch_py_bench.py} (a resource of this module) with the venv's Python:
 * the real Python minibatch 0.6. Collects its JSON lines; {@code lat_us} lines are stamped with
 * their arrival time so windows can be counted within a period. Close destroys the process.
 */
final class PythonBench implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static Path script;

    private final Process process;
    private final List<JsonNode> lines = new ArrayList<>();
    private final List<long[]> latencies = new ArrayList<>(); // {arrival nanoTime, latency µs}
    private final StringBuilder stderr = new StringBuilder();
    private final String command;

    private PythonBench(List<String> command) throws IOException {
        this.command = String.join(" ", command);
        process = new ProcessBuilder(command).start();
        Thread out = new Thread(() -> read(process.getInputStream(), true), "python-bench-out");
        Thread err = new Thread(() -> read(process.getErrorStream(), false), "python-bench-err");
        out.setDaemon(true);
        err.setDaemon(true);
        out.start();
        err.start();
    }

    static Path testHome() {
        String home = System.getenv("MINIBATCH_TEST_HOME");
        if (home != null && !home.isBlank()) {
            return Path.of(home);
        }
        String cache = System.getenv("XDG_CACHE_HOME");
        return (cache != null && !cache.isBlank() ? Path.of(cache) : Path.of(System.getProperty("user.home"), ".cache"))
                .resolve("minibatch-test");
    }

    static Path python() {
        String explicit = System.getenv("MINIBATCH_TEST_PYTHON");
        Path python = explicit != null && !explicit.isBlank() ? Path.of(explicit) : testHome().resolve("python-venv/bin/python");
        if (!Files.isExecutable(python)) {
            throw new IllegalStateException("the Python minibatch 0.6 peer is not installed at " + python
                    + ": run tools/test-env/setup (or ./run-tests)");
        }
        return python;
    }

    private static synchronized Path script() throws IOException {
        if (script == null) {
            Path file = Files.createTempFile("minibatch_py_bench", ".py");
            file.toFile().deleteOnExit();
            try (InputStream in = PythonBench.class.getResourceAsStream("/minibatch_py_bench.py")) {
                if (in == null) {
                    throw new IllegalStateException("minibatch_py_bench.py is not on the class path (build minibatch-bench)");
                }
                Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
            }
            script = file;
        }
        return script;
    }

    static PythonBench start(String... args) {
        try {
            List<String> command = new ArrayList<>(List.of(python().toString(), "-u", script().toString()));
            command.addAll(List.of(args));
            return new PythonBench(command);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void read(InputStream stream, boolean json) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                long now = System.nanoTime();
                synchronized (this) {
                    if (json && line.startsWith("{")) {
                        JsonNode node = JSON.readTree(line);
                        if (node.has("lat_us")) {
                            latencies.add(new long[] {now, node.get("lat_us").asLong()});
                        } else {
                            lines.add(node);
                        }
                    } else if (stderr.length() < 20_000) {
                        stderr.append(line).append('\n');
                    }
                    notifyAll();
                }
            }
        } catch (IOException ended) {
            // the process ended or was destroyed
        }
    }

    /** Waits for a line holding {@code field} and returns that field. */
    synchronized JsonNode await(String field, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            for (JsonNode line : lines) {
                if (line.has(field)) {
                    return line.get(field);
                }
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new IllegalStateException("Python bench printed no '" + field + "' within " + timeout + "; command "
                        + command + (process.isAlive() ? "" : " (exit " + process.exitValue() + ")") + "; stderr:\n" + stderr);
            }
            TimeUnit.NANOSECONDS.timedWait(this, Math.min(left, TimeUnit.MILLISECONDS.toNanos(100)));
        }
    }

    /** Asks a consumer to stop (a line "stop" on its stdin). */
    void stop() {
        try {
            OutputStream in = process.getOutputStream();
            in.write("stop\n".getBytes(StandardCharsets.US_ASCII));
            in.flush();
        } catch (IOException gone) {
            // already ended
        }
    }

    /** Latencies (µs) of windows whose report arrived between the two nanoTimes. */
    synchronized List<Long> latenciesBetween(long fromNanos, long toNanos) {
        List<Long> out = new ArrayList<>();
        for (long[] l : latencies) {
            if (l[0] >= fromNanos && l[0] <= toNanos) {
                out.add(l[1]);
            }
        }
        return out;
    }

    @Override
    public void close() {
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
