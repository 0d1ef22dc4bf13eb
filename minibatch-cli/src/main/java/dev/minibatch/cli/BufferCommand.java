package dev.minibatch.cli;

import dev.minibatch.model.Message;
import dev.minibatch.model.MessageState;
import dev.minibatch.Minibatch;
import dev.minibatch.model.StreamStats;
import dev.minibatch.spi.store.Selection;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code minibatch buffer STREAM}: the stream's waiting messages, oldest first, as NDJSON. Reads only. */
@Command(name = "buffer", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Show a stream's messages without consuming them (NDJSON).",
            "Oldest first, one JSON object per line.",
            "Default: pending messages; --state adds claimed (in live windows) or done (kept)."})
final class BufferCommand extends BaseCommand {

    @Parameters(index = "0", paramLabel = "STREAM")
    String stream;

    @Option(names = "--limit", defaultValue = "100", paramLabel = "N",
            description = "At most N messages; 0 for all (default ${DEFAULT-VALUE}).")
    int limit;

    @Option(names = "--state", paramLabel = "STATE", split = ",",
            description = "pending, claimed, done (repeatable or comma-separated; default pending).")
    List<MessageState> states = new ArrayList<>();

    @Option(names = "--values", description = "Print only each message's value.")
    boolean values;

    @Override
    public Integer call() {
        if (limit < 0) {
            throw CliException.usage("--limit must be 0 (all) or more, was " + limit);
        }
        try (Minibatch mb = connect(false)) {
            requireStream(mb, stream, null);
            List<Message> messages = mb.store().read(stream, Selection.pending().limit(limit),
                    states.isEmpty() ? null : states);
            for (Message m : messages) {
                out().println(values ? JsonOutput.line(m.data()) : JsonOutput.line(JsonOutput.message(m)));
            }
            out().flush();
            if (limit > 0 && messages.size() == limit) {
                StreamStats stats = mb.store().stats(stream);
                err().println("(showing the first " + limit + "; the stream holds " + Text.count(stats.pending())
                        + " pending, " + Text.count(stats.claimed()) + " claimed, " + Text.count(stats.done())
                        + " done; --limit 0 shows all)");
            }
            return Main.OK;
        }
    }
}
