package dev.minibatch.cli;

import dev.minibatch.Minibatch;
import dev.minibatch.cli.table.TableJson;
import dev.minibatch.table.Table;
import dev.minibatch.model.TableEntry;
import dev.minibatch.model.TableInfo;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code minibatch table NAME [KEY]}: one key's JSON value, or every entry as NDJSON in key order.
 * The listing is read page by page ({@link Table#entries(String, int)}), each page printed and
 * flushed before the next is read, so a big table streams in constant memory. Reads only.
 */
@Command(name = "table", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Show a table's entries (NDJSON, key order) or one key's value (JSON).",
            "Without KEY: one {\"key\":…,\"value\":…} per line. With KEY: its value.",
            "Exit code 1 if KEY is not in the table, 2 if the table does not exist."})
final class TableCommand extends BaseCommand {

    @Parameters(index = "0", paramLabel = "NAME", description = "The table (see 'minibatch tables').")
    String name;

    @Parameters(index = "1", arity = "0..1", paramLabel = "KEY", description = "Print only this key's value.")
    String key;

    @Option(names = "--full", description = "Print entries with their version (updates since the key appeared) and update time.")
    boolean full;

    @Option(names = "--values", description = "Print only each entry's value.")
    boolean values;

    @Option(names = "--after", paramLabel = "KEY", description = "Start after this key (the last key of a previous listing).")
    String after;

    @Option(names = "--limit", defaultValue = "0", paramLabel = "N",
            description = "At most N entries; 0 for all (default ${DEFAULT-VALUE}).")
    long limit;

    @Option(names = "--page", defaultValue = "1000", paramLabel = "N",
            description = "Entries read from the store at a time, 1 to " + Table.MAX_PAGE + " (default ${DEFAULT-VALUE}).")
    int page;

    @Override
    public Integer call() {
        if (limit < 0) {
            throw CliException.usage("--limit must be 0 (all) or more, was " + limit);
        }
        if (page < 1 || page > Table.MAX_PAGE) {
            throw CliException.usage("--page must be 1 to " + Table.MAX_PAGE + ", was " + page);
        }
        if (key != null && (after != null || limit != 0 || values)) {
            throw CliException.usage("--after, --limit and --values apply to the listing, not to one KEY");
        }
        try (Minibatch mb = connect(false)) {
            Table table = mb.table(name);
            Optional<TableInfo> info = mb.tableStore().tableInfo(table.name());
            if (info.isEmpty()) {
                throw CliException.usage(TableJson.unknownTable(mb, name) + "; see 'minibatch tables'");
            }
            return key != null ? printKey(table, info.get()) : printEntries(table);
        }
    }

    private int printKey(Table table, TableInfo info) {
        if (key.isEmpty()) {
            throw CliException.usage("KEY must not be empty");
        }
        Optional<TableEntry> entry = table.entry(key);
        if (entry.isEmpty()) {
            throw CliException.failure(TableJson.missingKey(name, key, info.size())
                    + "; 'minibatch table " + name + "' lists them", null);
        }
        out().println(JsonOutput.line(full ? TableJson.entry(entry.get(), true) : entry.get().value()));
        out().flush();
        return Main.OK;
    }

    private int printEntries(Table table) {
        String last = after;
        long printed = 0;
        while (limit == 0 || printed < limit) {
            int want = limit == 0 ? page : (int) Math.min(page, limit - printed);
            List<TableEntry> entries = table.entries(last, want);
            for (TableEntry e : entries) {
                out().println(values ? JsonOutput.line(e.value()) : JsonOutput.line(TableJson.entry(e, full)));
            }
            printed += entries.size();
            out().flush();
            if (out().checkError()) {
                return Main.OK; // the reader went away (| head): stop reading, as a pipe would
            }
            if (entries.isEmpty()) {
                break;
            }
            last = entries.get(entries.size() - 1).key();
            if (entries.size() < want) {
                break;
            }
        }
        if (limit > 0 && printed == limit && !table.entries(last, 1).isEmpty()) {
            err().println("(showing " + Text.count(printed) + " of " + Text.count(table.size()) + " entries; --after "
                    + JsonOutput.line(last) + " continues, --limit 0 shows all)");
        }
        return Main.OK;
    }
}
