package dev.minibatch.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.minibatch.Minibatch;
import dev.minibatch.model.StreamInfo;
import dev.minibatch.model.StreamStats;
import dev.minibatch.spi.store.StreamActivity;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code minibatch streams}: every stream with its pending, claimed, done and dead counts and the
 * time of its newest message ({@code --json} adds the count of messages ever appended, on stores that
 * keep it). A stream's dead letters ({@code NAME.dead}) are shown in its row.
 */
@Command(name = "streams", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"List streams with pending, claimed, done and dead counts.",
            "claimed: in live windows; done: committed and kept (--keep); dead: in STREAM.dead."})
final class StreamsCommand extends BaseCommand {

    @Option(names = "--json", description = "One JSON object per stream (NDJSON).")
    boolean json;

    /** One row of the listing. */
    record Row(String name, long pending, long claimed, long done, long dead, long appended, Instant lastAppend,
               Instant created) {
    }

    @Override
    public Integer call() {
        try (Minibatch mb = connect(false)) {
            List<Row> rows = rows(mb);
            if (json) {
                for (Row r : rows) {
                    ObjectNode n = JsonOutput.mapper().createObjectNode();
                    n.put("name", r.name());
                    n.put("pending", r.pending());
                    n.put("claimed", r.claimed());
                    n.put("done", r.done());
                    n.put("dead", r.dead());
                    if (r.appended() >= 0) {
                        n.put("appended", r.appended());
                    }
                    n.put("lastAppend", JsonOutput.instant(r.lastAppend()));
                    n.put("created", JsonOutput.instant(r.created()));
                    out().println(JsonOutput.line(n));
                }
                return Main.OK;
            }
            if (rows.isEmpty()) {
                err().println("no streams in " + describeStore(mb) + "; 'minibatch append NAME JSON' creates one, 'minibatch demo' runs a demo");
                return Main.OK;
            }
            Instant now = Instant.now();
            int width = Math.max(6, rows.stream().mapToInt(r -> r.name().length()).max().orElse(6));
            String format = "%-" + width + "s  %10s  %8s  %8s  %8s  %s%n";
            out().printf(format, "STREAM", "PENDING", "CLAIMED", "DONE", "DEAD", "LAST APPEND");
            for (Row r : rows) {
                out().printf(format, r.name(), Text.count(r.pending()), Text.count(r.claimed()), Text.count(r.done()),
                        Text.count(r.dead()), r.lastAppend() == null ? "-"
                                : r.lastAppend().truncatedTo(java.time.temporal.ChronoUnit.SECONDS) + " (" + Text.ago(r.lastAppend(), now) + ")");
            }
            return Main.OK;
        }
    }

    /** Rows for every stream, dead-letter streams folded into their stream's row. */
    static List<Row> rows(Minibatch mb) {
        List<StreamInfo> streams = mb.streams();
        Set<String> names = new TreeSet<>();
        streams.forEach(s -> names.add(s.name()));
        List<Row> rows = new ArrayList<>();
        for (StreamInfo info : streams) {
            String name = info.name();
            if (name.endsWith(".dead") && names.contains(name.substring(0, name.length() - ".dead".length()))) {
                continue; // shown in its stream's row
            }
            StreamStats stats = mb.store().stats(name);
            long dead = names.contains(name + ".dead") ? mb.store().stats(name + ".dead").pending() : 0;
            long appended = mb.store() instanceof StreamActivity activity ? activity.appendedTotal(name) : -1;
            rows.add(new Row(name, stats.pending(), stats.claimed(), stats.done(), dead, appended, stats.lastAppend(),
                    info.created()));
        }
        return rows;
    }
}
