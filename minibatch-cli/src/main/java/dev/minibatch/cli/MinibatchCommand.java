package dev.minibatch.cli;

import dev.minibatch.model.ConfigurationException;
import dev.minibatch.model.InvalidMessageException;
import dev.minibatch.Minibatch;
import dev.minibatch.model.StoreException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * The top-level {@code minibatch} command: global options ({@code --url}, {@code --verbose}, which
 * may stand before or after the subcommand) and the subcommands. One instance serves one
 * invocation; not thread-safe.
 */
@Command(name = "minibatch",
        mixinStandardHelpOptions = true,
        versionProvider = MinibatchCommand.Version.class,
        sortOptions = false,
        usageHelpAutoWidth = true,
        description = {
            "Stream processing for humans: producers append to named, persistent streams; consumers receive them in small batches (windows).",
            "",
            "The store is --url, else $MINIBATCH_URL (or -Dminibatch.url, $MINIBATCH_MONGO_URL, $MONGO_URL), else the embedded SQLite file ~/.minibatch/minibatch.db (sqlite:).",
            ""},
        subcommands = {
            AppendCommand.class,
            ConsumeCommand.class,
            StreamsCommand.class,
            BufferCommand.class,
            DeadCommand.class,
            TablesCommand.class,
            TableCommand.class,
            PluginsCommand.class,
            ServeCommand.class,
            DemoCommand.class,
            BenchCommand.class,
            CommandLine.HelpCommand.class},
        footer = {"",
            "Exit codes: 0 ok, 1 the command could not complete (e.g. store unreachable), 2 bad command line or input (malformed JSON, unknown stream or table, emitter or option). 'table NAME KEY' exits 1 when the key is missing.",
            "Start with:  minibatch demo"})
public final class MinibatchCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    private final InputStream stdin;
    private String url;
    private boolean verbose;

    MinibatchCommand(InputStream stdin) {
        this.stdin = stdin;
    }

    @Option(names = "--url", scope = ScopeType.INHERIT, paramLabel = "URL", order = 100,
            description = "Store URL: sqlite:[FILE], memory:, mongodb://…, kafka://… (default: $MINIBATCH_URL, else sqlite:).")
    void setUrl(String value) {
        this.url = value;
    }

    @Option(names = {"-v", "--verbose"}, scope = ScopeType.INHERIT, order = 101,
            description = "More log output, and stack traces with errors.")
    void setVerbose(boolean value) {
        this.verbose = value;
    }

    /** The store URL this invocation uses: {@code --url}, else the environment, else the default. */
    String storeUrl() {
        return Minibatch.resolveUrl(url);
    }

    boolean verbose() {
        return verbose;
    }

    InputStream stdin() {
        return stdin;
    }

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return Main.USAGE;
    }

    /** A configured command line over the given streams. */
    static CommandLine commandLine(InputStream in, PrintWriter out, PrintWriter err) {
        MinibatchCommand root = new MinibatchCommand(in);
        CommandLine cl = new CommandLine(root);
        cl.setOut(out);
        cl.setErr(err);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setParameterExceptionHandler((ex, args) -> {
            CommandLine failed = ex.getCommandLine();
            PrintWriter e = failed.getErr();
            String name = failed.getCommandSpec().qualifiedName();
            e.println(name + ": " + ex.getMessage());
            CommandLine.UnmatchedArgumentException.printSuggestions(ex, e);
            e.println("Try '" + name + " --help' for more information.");
            return Main.USAGE;
        });
        cl.setExecutionExceptionHandler((ex, failed, parseResult) -> {
            PrintWriter e = failed.getErr();
            e.println(failed.getCommandSpec().qualifiedName() + ": " + describe(ex));
            if (root.verbose) {
                ex.printStackTrace(e);
            } else if (exitCode(ex) == Main.FAILURE && !(ex instanceof CliException) && !(ex instanceof StoreException)) {
                e.println("(run with --verbose for the stack trace)");
            }
            e.flush();
            return exitCode(ex);
        });
        return cl;
    }

    static int exitCode(Throwable ex) {
        if (ex instanceof CliException c) {
            return c.exitCode();
        }
        if (ex instanceof ConfigurationException || ex instanceof InvalidMessageException
                || ex instanceof IllegalArgumentException) {
            return Main.USAGE;
        }
        return Main.FAILURE;
    }

    static String describe(Throwable ex) {
        if (ex instanceof CliException || ex instanceof dev.minibatch.model.MinibatchException
                || ex instanceof IllegalArgumentException) {
            return String.valueOf(ex.getMessage());
        }
        if (ex instanceof UncheckedIOException u) {
            return "I/O error: " + u.getCause().getMessage();
        }
        if (ex instanceof IOException) {
            return "I/O error: " + ex.getMessage();
        }
        return "internal error: " + ex;
    }

    /** Reads the command's and the core's versions from their jars. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {
                "minibatch " + read("/dev/minibatch/cli/minibatch-cli.properties")
                        + " (core " + read("/dev/minibatch/minibatch-core.properties") + ")",
                "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + ")"};
        }

        static String read(String resource) {
            try (InputStream in = MinibatchCommand.class.getResourceAsStream(resource)) {
                if (in == null) {
                    return "unknown";
                }
                Properties p = new Properties();
                p.load(in);
                return p.getProperty("version", "unknown");
            } catch (IOException e) {
                return "unknown";
            }
        }
    }
}
