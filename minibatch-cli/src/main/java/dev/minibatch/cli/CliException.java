package dev.minibatch.cli;

/**
 * A failure the command reports as one line on stderr with a chosen exit code
 * ({@link Main#FAILURE} or {@link Main#USAGE}). The message says what was wrong and, where it
 * helps, what to do.
 */
public final class CliException extends RuntimeException {

    private final int exitCode;

    private CliException(int exitCode, String message, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    /** Bad command line or input: exit code 2. */
    public static CliException usage(String message) {
        return new CliException(Main.USAGE, message, null);
    }

    /** Bad input found while processing (e.g. a malformed line): exit code 2. */
    public static CliException usage(String message, Throwable cause) {
        return new CliException(Main.USAGE, message, cause);
    }

    /** The command could not complete: exit code 1. */
    public static CliException failure(String message, Throwable cause) {
        return new CliException(Main.FAILURE, message, cause);
    }

    public int exitCode() {
        return exitCode;
    }
}
