package dev.minibatch.cli;

import dev.minibatch.Minibatch;
import dev.minibatch.model.StreamInfo;
import dev.minibatch.cli.plugins.PluginFolders;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** What every subcommand shares: the root's options, its output streams, and store access. */
abstract class BaseCommand implements Callable<Integer> {

    @ParentCommand
    MinibatchCommand root;

    @Spec
    CommandSpec spec;

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    PrintWriter err() {
        return spec.commandLine().getErr();
    }

    /**
     * Connects to the store; a store that cannot be reached fails here with exit code 1, an
     * unknown URL scheme with exit code 2.
     *
     * @param shutdownHook whether consumers are stopped gracefully on Ctrl-C / SIGTERM
     */
    Minibatch connect(boolean shutdownHook) {
        return Minibatch.builder().url(root.storeUrl()).providers(PluginFolders.defaults().providers())
                .shutdownHook(shutdownHook).build();
    }

    /** The store URL, and for SQLite the file it resolved to (e.g. {@code sqlite: (/home/me/.minibatch/minibatch.db)}). */
    static String describeStore(Minibatch mb) {
        String url = mb.url();
        if (mb.store() instanceof dev.minibatch.store.sqlite.SqliteStore sqlite && !url.contains(sqlite.file().toString())) {
            return url + " (" + sqlite.file() + ")";
        }
        return url;
    }

    /** The stream if it exists; otherwise a usage error naming the store and the known streams. */
    static StreamInfo requireStream(Minibatch mb, String name, String hint) {
        return mb.store().findStream(name).orElseThrow(() -> CliException.usage(
                "unknown stream '" + name + "' in " + mb.url() + "; known streams: " + knownStreams(mb)
                        + (hint == null ? "" : "; " + hint)));
    }

    static String knownStreams(Minibatch mb) {
        List<String> names = mb.streams().stream().map(StreamInfo::name).toList();
        if (names.isEmpty()) {
            return "(none)";
        }
        return names.size() <= 10 ? String.join(", ", names)
                : String.join(", ", names.subList(0, 10)) + ", … (" + names.size() + " in all; see 'minibatch streams')";
    }
}
