package dev.minibatch.spi.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a window's commit does besides committing its claim: table updates, changelog appends and
 * plain appends, all in the same step ({@link TableStore#commitWithState}). Immutable.
 *
 * @param updates    state updates, applied in order
 * @param changelogs table name → stream that receives one message per changed entry of that
 *                   table (key = the entry's key, data = {@code {"table", "key", "value"}}, value
 *                   null when the key was removed)
 * @param appends    stream → messages appended with the commit (as {@link TransactionalAppend})
 * @param now        creation time of changelog messages and of the tables' update times
 */
public record CommitEffects(List<StateUpdate> updates, Map<String, String> changelogs,
                            Map<String, List<NewMessage>> appends, Instant now) {

    /**
     * Copies the lists and maps.
     *
     * @param updates state updates, applied in order
     * @param changelogs table name → changelog stream
     * @param appends stream → messages appended with the commit
     * @param now creation time of changelog messages and tables' update time
     */
    public CommitEffects {
        updates = List.copyOf(updates);
        changelogs = Map.copyOf(changelogs);
        appends = Map.copyOf(appends);
        Objects.requireNonNull(now, "now");
    }

    /**
     * The changelog message of one changed entry (see {@link #changelogs()}); the same on every store.
     *
     * @param table the table's name
     * @param key the entry's key
     * @param value the new value, or null when the key was removed
     * @param now the message's creation time
     * @return the changelog message
     */
    public static NewMessage changelogMessage(String table, String key, JsonNode value, Instant now) {
        ObjectNode data = JsonNodeFactory.instance.objectNode();
        data.put("table", table);
        data.put("key", key);
        data.set("value", value == null ? NullNode.getInstance() : value);
        return NewMessage.ofTree(now, data, 0, null).withKey(key);
    }

    /**
     * Appends only (stream → messages), as a commit with stage outputs has.
     *
     * @param appends stream name → messages
     * @param now the commit's time
     * @return the effects
     */
    public static CommitEffects appendsOnly(Map<String, List<NewMessage>> appends, Instant now) {
        return new CommitEffects(List.of(), Map.of(), appends, now);
    }

    /**
     * State updates only.
     *
     * @param updates the state updates, in order
     * @param now the commit's time
     * @return the effects
     */
    public static CommitEffects of(List<StateUpdate> updates, Instant now) {
        return new CommitEffects(updates, Map.of(), Map.of(), now);
    }
}
