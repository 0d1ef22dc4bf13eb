package dev.minibatch.cli;

import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * The {@code minibatch} command's entry point.
 *
 * <p>{@link #run} does the work and returns the exit code, so the command can be driven in-process;
 * {@link #main} is the only place that calls {@code System.exit}, because a process's exit code
 * can be set in no other way.
 *
 * <p>Exit codes: 0 success; 1 the command could not complete (store unreachable, sink failure,
 * I/O); 2 the command line or its input is wrong (unknown option, malformed JSON, unknown stream,
 * emitter, sink or URL scheme). Errors are one line on stderr; {@code --verbose} adds the stack
 * trace. A consumer stopped by Ctrl-C ends with the JVM's usual 130.
 */
public final class Main {

    /** Success. */
    public static final int OK = 0;
    /** The command could not complete. */
    public static final int FAILURE = 1;
    /** The command line or its input is wrong. */
    public static final int USAGE = 2;

    private Main() {
    }

    public static void main(String[] args) {
        configureLogging(Arrays.asList(args));
        int code = run(args, System.in, System.out, System.err);
        System.out.flush();
        System.err.flush();
        System.exit(code);
    }

    /**
     * Runs the command with the given streams and returns its exit code. Nothing here exits the JVM.
     */
    public static int run(String[] args, InputStream in, PrintStream out, PrintStream err) {
        // this constructor lets checkError() see failures of the underlying PrintStream (a closed pipe)
        PrintWriter stdout = new PrintWriter(out, true, StandardCharsets.UTF_8);
        PrintWriter stderr = new PrintWriter(err, true, StandardCharsets.UTF_8);
        try {
            return MinibatchCommand.commandLine(in, stdout, stderr).execute(args);
        } finally {
            stdout.flush();
            stderr.flush();
        }
    }

    /**
     * slf4j-simple reads its settings once, when the first logger is made: so they are set here,
     * before any minibatch class loads. Library warnings go to stderr; {@code --verbose} shows more.
     */
    private static void configureLogging(List<String> args) {
        boolean verbose = args.contains("-v") || args.contains("--verbose");
        setIfAbsent("org.slf4j.simpleLogger.logFile", "System.err");
        setIfAbsent("org.slf4j.simpleLogger.defaultLogLevel", verbose ? "info" : "warn");
        setIfAbsent("org.slf4j.simpleLogger.showThreadName", "false");
        setIfAbsent("org.slf4j.simpleLogger.showShortLogName", "true");
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }
}
