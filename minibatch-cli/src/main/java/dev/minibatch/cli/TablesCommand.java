package dev.minibatch.cli;

import dev.minibatch.Minibatch;
import dev.minibatch.cli.table.TableJson;
import dev.minibatch.model.TableInfo;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code minibatch tables}: every table with its size, update count and last update. Reads only. */
@Command(name = "tables", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"List tables with their size (keys), updates and last update.",
            "updates: key updates applied since the table was created; 'minibatch table NAME' shows the entries."})
final class TablesCommand extends BaseCommand {

    @Option(names = "--json", description = "One JSON object per table (NDJSON).")
    boolean json;

    @Override
    public Integer call() {
        try (Minibatch mb = connect(false)) {
            List<TableInfo> tables = mb.tables();
            if (json) {
                tables.forEach(t -> out().println(JsonOutput.line(TableJson.info(t))));
                return Main.OK;
            }
            if (tables.isEmpty()) {
                err().println("no tables in " + describeStore(mb) + "; keyed consumers create them "
                        + "(Streaming.reduce, aggregate, accumulate, updateTables)");
                return Main.OK;
            }
            Instant now = Instant.now();
            int width = Math.max(5, tables.stream().mapToInt(t -> t.name().length()).max().orElse(5));
            String format = "%-" + width + "s  %10s  %12s  %s%n";
            out().printf(format, "TABLE", "SIZE", "UPDATES", "LAST UPDATE");
            for (TableInfo t : tables) {
                out().printf(format, t.name(), Text.count(t.size()), Text.count(t.updates()), t.lastUpdate() == null ? "-"
                        : t.lastUpdate().truncatedTo(ChronoUnit.SECONDS) + " (" + Text.ago(t.lastUpdate(), now) + ")");
            }
            return Main.OK;
        }
    }
}
