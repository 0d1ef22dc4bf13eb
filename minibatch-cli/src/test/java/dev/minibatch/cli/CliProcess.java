package dev.minibatch.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * The real {@code minibatch} command in a child JVM ({@code java -cp <test class path>
 * dev.minibatch.cli.Main …}), with stdout and stderr captured separately in files. The child's
 * environment drops every store setting of the developer's shell and points {@code MINIBATCH_HOME}
 * at a test folder, so tests never touch {@code ~/.minibatch}. Close it (try-with-resources);
 * close kills the process if it still runs.
 */
final class CliProcess implements AutoCloseable {

    private static final AtomicInteger COUNTER = new AtomicInteger();

    /** What a finished command printed and returned. */
    record Result(int exitCode, String stdout, String stderr) {
        List<String> lines() {
            return stdout.isBlank() ? List.of() : List.of(stdout.strip().split("\n"));
        }

        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- stdout ---\n" + stdout + "\n--- stderr ---\n" + stderr;
        }
    }

    private final Process process;
    private final Path stdout;
    private final Path stderr;

    private CliProcess(Process process, Path stdout, Path stderr) {
        this.process = process;
        this.stdout = stdout;
        this.stderr = stderr;
    }

    /** Runs the command to completion with {@code stdin} as its input (null: none). */
    static Result run(Path home, String stdin, String... args) throws IOException, InterruptedException {
        return run(home, Map.of(), stdin, Duration.ofSeconds(60), args);
    }

    static Result run(Path home, Map<String, String> env, String stdin, Duration timeout, String... args)
            throws IOException, InterruptedException {
        try (CliProcess p = start(home, env, stdin, args)) {
            return p.await(timeout);
        }
    }

    /** As {@link #run(Path, Map, String, Duration, String...)}, with the {@code kafka://} store on the class path. */
    static Result runWithKafka(Path home, String stdin, Duration timeout, String... args)
            throws IOException, InterruptedException {
        try (CliProcess p = start(home, Map.of(), stdin, true, args)) {
            return p.await(timeout);
        }
    }

    /** As {@link #start(Path, Map, String, String...)}, with the {@code kafka://} store on the class path. */
    static CliProcess startWithKafka(Path home, Map<String, String> env, String... args) throws IOException {
        return start(home, env, null, true, args);
    }

    /** Starts the command; stdin gets {@code stdin} and is then closed. */
    static CliProcess start(Path home, Map<String, String> env, String stdin, String... args) throws IOException {
        return start(home, env, stdin, false, args);
    }

    private static CliProcess start(Path home, Map<String, String> env, String stdin, boolean kafka, String... args)
            throws IOException {
        Path logs = home.resolve("cli-logs");
        Files.createDirectories(logs);
        int n = COUNTER.incrementAndGet();
        Path out = logs.resolve(n + "-" + (args.length > 0 ? args[0].replaceAll("[^a-z-]", "") : "none") + ".stdout");
        Path err = logs.resolve(n + ".stderr");
        Path in = logs.resolve(n + ".stdin");
        Files.writeString(in, stdin == null ? "" : stdin, StandardCharsets.UTF_8);
        ProcessBuilder builder = builder(home, env, kafka, args)
                .redirectInput(in.toFile())
                .redirectOutput(out.toFile())
                .redirectError(err.toFile());
        return new CliProcess(builder.start(), out, err);
    }

    /** Starts the command with its stdout on a pipe the test reads (and may close, as {@code | head} does). */
    static Process startPiped(Path home, String... args) throws IOException {
        Path logs = home.resolve("cli-logs");
        Files.createDirectories(logs);
        return builder(home, Map.of(), false, args)
                .redirectInput(ProcessBuilder.Redirect.from(Files.writeString(logs.resolve("empty.stdin"), "").toFile()))
                .redirectError(logs.resolve(COUNTER.incrementAndGet() + "-piped.stderr").toFile())
                .start();
    }

    /**
     * The test class path, without minibatch-kafka unless {@code kafka}: the command's own class path
     * has no Kafka (the distribution brings it as a plugin), and its store, source and sink would change
     * the lists of known providers that other tests check. kafka-clients and the broker's jars stay:
     * they register no minibatch provider.
     */
    private static String classPath(boolean kafka) {
        String classPath = System.getProperty("java.class.path");
        if (kafka) {
            return classPath;
        }
        List<String> kept = new ArrayList<>();
        for (String entry : classPath.split(java.io.File.pathSeparator)) {
            String name = entry.substring(entry.lastIndexOf(java.io.File.separatorChar) + 1);
            boolean minibatchKafka = name.startsWith("minibatch-kafka-")
                    || entry.contains(java.io.File.separator + "minibatch-kafka" + java.io.File.separator);
            if (!minibatchKafka) {
                kept.add(entry);
            }
        }
        return String.join(java.io.File.pathSeparator, kept);
    }

    private static ProcessBuilder builder(Path home, Map<String, String> env, boolean kafka, String... args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx256m");
        // as bin/minibatch: sqlite-jdbc loads a native library, which JDK 22+ warns about on stderr
        // without this (JDK 17 accepts the flag too)
        command.add("--enable-native-access=ALL-UNNAMED");
        command.add("-XX:+UseSerialGC");
        command.add("-XX:TieredStopAtLevel=1");
        command.add("-cp");
        command.add(classPath(kafka));
        command.add(Main.class.getName());
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command);
        Map<String, String> environment = builder.environment();
        for (String key : List.of("MINIBATCH_URL", "MINIBATCH_MONGO_URL", "MONGO_URL", "MINIBATCH_TOKEN", "MINIBATCH_HOME")) {
            environment.remove(key);
        }
        environment.put("MINIBATCH_HOME", home.resolve("home").toString());
        environment.putAll(env);
        return builder;
    }

    /** Waits for the exit; fails with the output if it takes longer than {@code timeout}. */
    Result await(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            throw new AssertionError("minibatch did not exit within " + timeout + "; " + snapshot());
        }
        return new Result(process.exitValue(), stdout(), stderr());
    }

    /** SIGTERM (shutdown hooks run, as with Ctrl-C); waits for the exit. */
    Result terminate(Duration timeout) throws InterruptedException {
        process.destroy();
        return await(timeout);
    }

    String stdout() {
        return read(stdout);
    }

    String stderr() {
        return read(stderr);
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** Polls every 25 ms until {@code condition} holds; fails with the output after {@code timeout}. */
    void awaitCondition(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout + " waiting for " + what + "; " + snapshot());
            }
            if (!process.isAlive() && !condition.getAsBoolean()) {
                throw new AssertionError("minibatch exited with " + process.exitValue() + " before " + what + "; " + snapshot());
            }
            Thread.sleep(25);
        }
    }

    private String snapshot() {
        return "stdout:\n" + stdout() + "\nstderr:\n" + stderr();
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "(cannot read " + file + ": " + e + ")";
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            try {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
