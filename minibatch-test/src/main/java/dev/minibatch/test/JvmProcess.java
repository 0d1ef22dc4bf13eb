package dev.minibatch.test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * A second JVM running a main class on the current test class path: for producers and consumers
 * in other processes and for crash tests ({@link #kill()} is SIGKILL, as {@code kill -9}). Output
 * goes to a log file so a failing test can show it. Always {@link #close()} it (try-with-resources
 * or {@code @AfterEach}); close kills the process if it still runs.
 */
public final class JvmProcess implements AutoCloseable {

    private final Process process;
    private final Path log;
    private final String mainClass;

    private JvmProcess(Process process, Path log, String mainClass) {
        this.process = process;
        this.log = log;
        this.mainClass = mainClass;
    }

    /**
     * Starts {@code mainClass} with {@code args}, system properties and a heap limit.
     *
     * @param log where stdout and stderr go
     * @param mainClass the class whose main method runs
     * @param args its arguments
     * @param systemProperties {@code -D} properties of the JVM
     * @param maxHeap the {@code -Xmx} value, e.g. {@code "256m"}
     * @return the started process
     * @throws IOException if it cannot be started
     */
    public static JvmProcess start(Class<?> mainClass, List<String> args, Map<String, String> systemProperties,
                                   String maxHeap, Path log) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx" + maxHeap);
        // as bin/minibatch: sqlite-jdbc loads a native library, which JDK 22+ warns about on stderr
        // without this (JDK 17 accepts the flag too)
        command.add("--enable-native-access=ALL-UNNAMED");
        command.add("-XX:+UseSerialGC");
        command.add("-XX:TieredStopAtLevel=1");
        systemProperties.forEach((k, v) -> command.add("-D" + k + "=" + v));
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass.getName());
        command.addAll(args);
        Files.createDirectories(log.toAbsolutePath().getParent());
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        return new JvmProcess(builder.start(), log, mainClass.getName());
    }

    /**
     * Shorthand: no system properties, 256 MB heap.
     *
     * @param mainClass the class whose main method runs
     * @param args its arguments
     * @param log where stdout and stderr go
     * @return the started process
     * @throws IOException if it cannot be started
     */
    public static JvmProcess start(Class<?> mainClass, List<String> args, Path log) throws IOException {
        return start(mainClass, args, Map.of(), "256m", log);
    }

    /**
     * The process id.
     *
     * @return the pid
     */
    public long pid() {
        return process.pid();
    }

    /**
     * Whether the process is still running.
     *
     * @return true while it runs
     */
    public boolean isAlive() {
        return process.isAlive();
    }

    /**
     * SIGKILL: no shutdown hooks, no cleanup — a crash. Waits until the process is gone.
     *
     * @throws InterruptedException if the waiting thread is interrupted
     */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /**
     * SIGTERM: shutdown hooks run. Waits up to {@code timeout}, then kills.
     *
     * @param timeout how long to wait before killing
     * @return the exit code
     * @throws InterruptedException if the waiting thread is interrupted
     */
    public int terminate(Duration timeout) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            kill();
        }
        return process.exitValue();
    }

    /**
     * Waits for the process to exit on its own; returns its exit code.
     *
     * @param timeout how long to wait
     * @return the exit code
     * @throws InterruptedException if the waiting thread is interrupted
     */
    public int waitFor(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError(mainClass + " did not exit within " + timeout + "; log:\n" + tail(60));
        }
        return process.exitValue();
    }

    /**
     * Polls {@code condition} every 20 ms until true; fails with the process log otherwise.
     *
     * @param what the condition, for the failure message
     * @param timeout how long to wait
     * @param condition the condition
     * @throws InterruptedException if the waiting thread is interrupted
     */
    public void awaitCondition(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout + " waiting for " + what + "; " + mainClass
                        + (process.isAlive() ? " still running" : " exited with " + process.exitValue()) + "; log:\n" + tail(60));
            }
            Thread.sleep(20);
        }
    }

    /**
     * Waits until the log contains {@code text}.
     *
     * @param text the text to wait for
     * @param timeout how long to wait
     * @throws InterruptedException if the waiting thread is interrupted
     */
    public void awaitOutput(String text, Duration timeout) throws InterruptedException {
        awaitCondition("output '" + text + "'", timeout, () -> output().contains(text));
    }

    /**
     * Everything the process printed so far.
     *
     * @return the output
     */
    public String output() {
        try {
            return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e + ")";
        }
    }

    /**
     * The last {@code lines} lines of output, for failure messages.
     *
     * @param lines how many lines
     * @return the lines
     */
    public String tail(int lines) {
        String[] all = output().split("\n");
        int from = Math.max(0, all.length - lines);
        return String.join("\n", java.util.Arrays.copyOfRange(all, from, all.length));
    }

    /**
     * The file stdout and stderr go to.
     *
     * @return the log file
     */
    public Path log() {
        return log;
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            kill();
        }
    }
}
