package dev.minibatch.cli.table;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.minibatch.Minibatch;
import dev.minibatch.cli.JsonOutput;
import dev.minibatch.model.TableEntry;
import dev.minibatch.model.TableInfo;
import java.util.List;

/**
 * The JSON shapes of table queries, shared by {@code minibatch table}, {@code minibatch tables} and
 * {@code GET /tables…}, and the messages for tables and keys that do not exist. Stateless and
 * thread-safe.
 *
 * <p>An entry: {@code {"key","value"}}, with {@code "version"} and {@code "updated"} when asked
 * for in full. A table: {@code {"name","size","updates","lastUpdate"}}.
 */
public final class TableJson {

    private TableJson() {
    }

    /** One entry; {@code full} adds its version and update time. */
    public static ObjectNode entry(TableEntry entry, boolean full) {
        ObjectNode node = JsonOutput.mapper().createObjectNode();
        node.put("key", entry.key());
        node.set("value", entry.value());
        if (full) {
            node.put("version", entry.version());
            node.put("updated", entry.updated() == null ? null : entry.updated().toString());
        }
        return node;
    }

    /** One table's size and activity. */
    public static ObjectNode info(TableInfo info) {
        ObjectNode node = JsonOutput.mapper().createObjectNode();
        node.put("name", info.name());
        node.put("size", info.size());
        node.put("updates", info.updates());
        node.put("lastUpdate", info.lastUpdate() == null ? null : info.lastUpdate().toString());
        return node;
    }

    /** "unknown table 'x' in URL; known tables: a, b" — what to say when a queried table does not exist. */
    public static String unknownTable(Minibatch mb, String name) {
        List<String> names = mb.tables().stream().map(TableInfo::name).toList();
        String known = names.isEmpty() ? "(none; keyed consumers create tables with reduce, aggregate, accumulate or updateTables)"
                : names.size() <= 10 ? String.join(", ", names)
                : String.join(", ", names.subList(0, 10)) + ", … (" + names.size() + " in all)";
        return "unknown table '" + name + "' in " + mb.url() + "; known tables: " + known;
    }

    /** "table 'counts' has no key 'x' (3 keys)" — what to say when a queried key does not exist. */
    public static String missingKey(String table, String key, long size) {
        return "table '" + table + "' has no key " + JsonOutput.line(key) + " (" + size + (size == 1 ? " key)" : " keys)");
    }
}
