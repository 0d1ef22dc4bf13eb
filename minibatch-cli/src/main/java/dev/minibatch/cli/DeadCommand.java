package dev.minibatch.cli;

import dev.minibatch.model.Message;
import dev.minibatch.Minibatch;
import dev.minibatch.spi.store.Selection;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code minibatch dead STREAM}: the dead letters of a stream (messages that failed
 * {@code maxAttempts} times, with the last error), and {@code --requeue} to move them back.
 */
@Command(name = "dead", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Show or requeue a stream's dead letters.",
            "Dead letters (STREAM.dead) are messages whose window failed --max-attempts times; each carries its last error. --requeue moves them back into STREAM with their attempts reset."})
final class DeadCommand extends BaseCommand {

    @Parameters(index = "0", paramLabel = "STREAM")
    String stream;

    @Option(names = "--requeue", description = "Move dead letters back into STREAM (at least once: a crash midway may leave a copy in both).")
    boolean requeue;

    @Option(names = "--limit", paramLabel = "N",
            description = "At most N messages; 0 for all (default: 100 shown, all requeued).")
    Integer limit;

    @Option(names = "--values", description = "Print only each message's value.")
    boolean values;

    @Override
    public Integer call() {
        if (limit != null && limit < 0) {
            throw CliException.usage("--limit must be 0 (all) or more, was " + limit);
        }
        try (Minibatch mb = connect(false)) {
            requireStream(mb, stream, null);
            String dead = stream + ".dead";
            if (requeue) {
                int moved = mb.stream(stream).requeueDead(limit == null ? 0 : limit);
                err().println("requeued " + Text.plural(moved, "message") + " from '" + dead + "' to '" + stream + "'");
                return Main.OK;
            }
            int max = limit == null ? 100 : limit;
            List<Message> messages = mb.store().read(dead, Selection.pending().limit(max), null);
            for (Message m : messages) {
                out().println(values ? JsonOutput.line(m.data()) : JsonOutput.line(JsonOutput.message(m)));
            }
            out().flush();
            long total = mb.store().findStream(dead).isPresent() ? mb.store().stats(dead).pending() : 0;
            err().println(Text.plural(total, "dead letter") + " in '" + dead + "'"
                    + (messages.size() < total ? " (showing " + messages.size() + "; --limit 0 shows all)" : "")
                    + (total > 0 ? "; 'minibatch dead " + stream + " --requeue' moves them back" : ""));
            return Main.OK;
        }
    }
}
