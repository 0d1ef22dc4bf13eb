package dev.minibatch.mongo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The real Python minibatch 0.6 as a subprocess: {@code src/test/python/minibatch_peer.py} run by
 * the venv tools/test-env/python-peer.sh makes. The script prints one JSON object a line; this
 * collects them. Close destroys the process (always call it, in a finally or try-with-resources).
 */
public final class PythonPeer implements AutoCloseable {

    /** The interpreter; default {@code $MINIBATCH_TEST_HOME/python-venv/bin/python}. */
    static final String PYTHON_ENV = "MINIBATCH_TEST_PYTHON";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    private final List<JsonNode> lines = new ArrayList<>();
    private final StringBuilder errors = new StringBuilder();
    private final Thread stdout;
    private final Thread stderr;
    private final String command;

    private PythonPeer(List<String> command) throws IOException {
        this(command, java.util.Map.of());
    }

    private PythonPeer(List<String> command, java.util.Map<String, String> env) throws IOException {
        this.command = String.join(" ", command);
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().putAll(env);
        process = builder.start();
        stdout = reader("python-peer-out", new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)), true);
        stderr = reader("python-peer-err", new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8)), false);
    }

    /** The venv's interpreter; fails naming the setup command when it is missing. */
    public static Path python() {
        String explicit = System.getenv(PYTHON_ENV);
        Path python = explicit != null && !explicit.isBlank() ? Path.of(explicit)
                : TestMongo.testHome().resolve("python-venv").resolve("bin").resolve("python");
        if (!Files.isExecutable(python)) {
            throw new IllegalStateException("the Python minibatch 0.6 peer is not installed at " + python + " (" + PYTHON_ENV
                    + " or $MINIBATCH_TEST_HOME/python-venv): run tools/test-env/setup (or ./run-tests)");
        }
        return python;
    }

    static Path script() {
        Path script = Path.of("src", "test", "python", "minibatch_peer.py").toAbsolutePath();
        if (!Files.isRegularFile(script)) {
            throw new IllegalStateException("missing " + script + " (tests run from the minibatch-mongo folder)");
        }
        return script;
    }

    /** Starts {@code minibatch_peer.py <subcommand> --url <url> --stream <stream> <args…>}. */
    static PythonPeer start(String subcommand, String url, String stream, String... args) {
        List<String> command = new ArrayList<>(List.of(python().toString(), "-u", script().toString(), subcommand,
                "--url", url, "--stream", stream));
        command.addAll(List.of(args));
        try {
            return new PythonPeer(command);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + command, e);
        }
    }

    /**
     * Starts {@code python -u <script> <args…>} with extra environment variables (another module's
     * own driver script, e.g. minibatch-omegaml's omega|ml peer).
     */
    public static PythonPeer start(Path script, List<String> args, java.util.Map<String, String> env) {
        List<String> command = new ArrayList<>(List.of(python().toString(), "-u", script.toString()));
        command.addAll(args);
        try {
            return new PythonPeer(command, env);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + command, e);
        }
    }

    /** Every line the script printed holding {@code field}, in order. */
    public synchronized List<JsonNode> lines(String field) {
        return lines.stream().filter(l -> l.has(field)).map(l -> l.get(field)).toList();
    }

    private Thread reader(String name, BufferedReader in, boolean json) {
        Thread t = new Thread(() -> {
            try (in) {
                String line;
                while ((line = in.readLine()) != null) {
                    synchronized (this) {
                        if (json && line.startsWith("{")) {
                            lines.add(JSON.readTree(line));
                        } else if (errors.length() < 20_000) {
                            errors.append(line).append('\n');
                        }
                        notifyAll();
                    }
                }
            } catch (IOException ignored) {
                // the process ended or was destroyed
            }
        }, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** Waits until the script printed a line with {@code field}. */
    public synchronized void awaitLine(String field, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (lines.stream().noneMatch(l -> l.has(field))) {
            long left = deadline - System.nanoTime();
            if (left <= 0 || (!process.isAlive() && !stdout.isAlive())) {
                throw new AssertionError("Python peer printed no '" + field + "' within " + timeout + "; " + describe());
            }
            TimeUnit.NANOSECONDS.timedWait(this, Math.min(left, TimeUnit.MILLISECONDS.toNanos(200)));
        }
    }

    /** Writes one line to the script's standard input (for request/reply drivers). */
    public void send(String line) {
        try {
            var in = process.getOutputStream();
            in.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            in.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("the Python peer does not take input any more; " + describe(), e);
        }
    }

    /** Waits until the script printed {@code count} lines with {@code field}; returns the last of them. */
    public synchronized JsonNode awaitLine(String field, int count, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (lines.stream().filter(l -> l.has(field)).count() < count) {
            long left = deadline - System.nanoTime();
            if (left <= 0 || (!process.isAlive() && !stdout.isAlive())) {
                throw new AssertionError("Python peer printed no '" + field + "' #" + count + " within " + timeout + "; "
                        + describe());
            }
            TimeUnit.NANOSECONDS.timedWait(this, Math.min(left, TimeUnit.MILLISECONDS.toNanos(200)));
        }
        return lines.stream().filter(l -> l.has(field)).skip(count - 1).findFirst().orElseThrow().get(field);
    }

    /** Waits for a clean end ({@code {"done": true}}, exit 0); fails with the script's output otherwise. */
    public void awaitDone(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("Python peer still running after " + timeout + "; " + describe());
        }
        stdout.join(5_000);
        stderr.join(5_000);
        synchronized (this) {
            if (process.exitValue() != 0 || lines.stream().noneMatch(l -> l.has("done"))) {
                throw new AssertionError("Python peer failed (exit " + process.exitValue() + "); " + describe());
            }
        }
    }

    /** Every id the Python consumer's windows held, in order, one list per window. */
    synchronized List<List<String>> windows() {
        List<List<String>> windows = new ArrayList<>();
        for (JsonNode line : lines) {
            if (line.has("window")) {
                List<String> ids = new ArrayList<>();
                line.get("window").forEach(id -> ids.add(id.asText()));
                windows.add(ids);
            }
        }
        return windows;
    }

    /** The first line holding {@code field}, or null. */
    public synchronized JsonNode line(String field) {
        return lines.stream().filter(l -> l.has(field)).map(l -> l.get(field)).findFirst().orElse(null);
    }

    private synchronized String describe() {
        return "command: " + command + "\nstderr:\n" + errors;
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
