package dev.minibatch.store.memory;

import com.fasterxml.jackson.databind.JsonNode;
import dev.minibatch.spi.store.CommitEffects;
import dev.minibatch.spi.store.NewMessage;
import dev.minibatch.spi.store.StateUpdate;
import dev.minibatch.model.TableEntry;
import dev.minibatch.model.TableInfo;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The memory store's tables: sorted maps behind one lock (this object's monitor). The lock is
 * always taken last — after the stream locks of a commit — so it cannot deadlock with them.
 */
final class MemoryTables {

    private static final class MemTable {
        final TreeMap<String, TableEntry> entries = new TreeMap<>();
        long updates;
        Instant lastUpdate;

        TableInfo info(String name) {
            return new TableInfo(name, entries.size(), updates, lastUpdate);
        }
    }

    private final TreeMap<String, MemTable> tables = new TreeMap<>();

    synchronized Optional<TableEntry> entry(String table, String key) {
        MemTable t = tables.get(table);
        return t == null ? Optional.empty() : Optional.ofNullable(t.entries.get(key));
    }

    synchronized List<TableEntry> entries(String table, String afterKey, int limit) {
        MemTable t = tables.get(table);
        if (t == null) {
            return List.of();
        }
        List<TableEntry> out = new ArrayList<>(Math.min(limit, t.entries.size()));
        for (TableEntry e : (afterKey == null ? t.entries : t.entries.tailMap(afterKey, false)).values()) {
            if (out.size() >= limit) {
                break;
            }
            out.add(e);
        }
        return out;
    }

    synchronized Optional<TableInfo> info(String table) {
        MemTable t = tables.get(table);
        return t == null ? Optional.empty() : Optional.of(t.info(table));
    }

    synchronized List<TableInfo> list() {
        List<TableInfo> out = new ArrayList<>(tables.size());
        tables.forEach((name, t) -> out.add(t.info(name)));
        return out;
    }

    synchronized long clear(String table) {
        MemTable t = tables.get(table);
        if (t == null) {
            return 0;
        }
        long removed = t.entries.size();
        t.entries.clear();
        return removed;
    }

    synchronized boolean drop(String table) {
        return tables.remove(table) != null;
    }

    /**
     * Applies the effects' state updates, all or none: every function runs first against the
     * current values (a throw leaves everything as it was), then the new values are written.
     * Returns the changelog messages by stream, for the caller to append in the same step.
     */
    synchronized Map<String, List<NewMessage>> apply(CommitEffects effects) {
        // pass 1: compute, changing nothing
        Map<String, Map<String, JsonNode>> next = new LinkedHashMap<>();
        for (StateUpdate u : effects.updates()) {
            Map<String, JsonNode> values = next.computeIfAbsent(u.table(), t -> new LinkedHashMap<>());
            JsonNode current;
            if (values.containsKey(u.key())) {
                current = values.get(u.key());
            } else {
                MemTable t = tables.get(u.table());
                TableEntry e = t == null ? null : t.entries.get(u.key());
                current = e == null ? null : e.value();
            }
            values.put(u.key(), u.function().apply(current));
        }
        // pass 2: write
        Map<String, List<NewMessage>> changelog = new LinkedHashMap<>();
        Instant now = effects.now();
        Map<String, Integer> counts = new HashMap<>();
        for (StateUpdate u : effects.updates()) {
            counts.merge(u.table(), 1, Integer::sum);
        }
        next.forEach((name, values) -> {
            MemTable t = tables.computeIfAbsent(name, n -> new MemTable());
            t.updates += counts.get(name);
            t.lastUpdate = now;
            String log = effects.changelogs().get(name);
            values.forEach((key, value) -> {
                TableEntry old = t.entries.get(key);
                if (value == null) {
                    t.entries.remove(key);
                } else {
                    t.entries.put(key, new TableEntry(key, value, old == null ? 1 : old.version() + 1, now));
                }
                if (log != null) {
                    changelog.computeIfAbsent(log, s -> new ArrayList<>()).add(CommitEffects.changelogMessage(name, key, value, now));
                }
            });
        });
        return changelog;
    }
}
