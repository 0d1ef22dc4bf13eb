package dev.minibatch.mongo;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.node.IntNode;
import com.mongodb.client.MongoClient;
import dev.minibatch.internal.Json;
import dev.minibatch.spi.store.Claim;
import dev.minibatch.spi.store.CommitEffects;
import dev.minibatch.spi.store.Lease;
import dev.minibatch.spi.store.NewMessage;
import dev.minibatch.spi.store.Selection;
import dev.minibatch.spi.store.StateUpdate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What a keyed window's commit with one table entry costs in commands, counted on the wire (a
 * driver CommandListener), in steady state (the entry exists): with guarded updates
 * ({@link MongoTables}) and with lock claims ({@link LockTables}), by command and collection, so
 * a protocol that grows shows up here. The figures are in the module README.
 */
class MongoTableCommandsTest {

    private static final Instant T0 = Instant.parse("2025-01-01T10:00:00Z");
    private static TestMongo mongo;

    @BeforeAll
    static void startServer() {
        mongo = TestMongo.start();
    }

    @AfterAll
    static void stopServer() {
        mongo.close();
    }

    private static StateUpdate add(int n) {
        return new StateUpdate("counts", "k", current -> IntNode.valueOf((current == null ? 0 : current.asInt()) + n));
    }

    /** Commands of the third window's commit (the first two create the entry and warm up), by "command collection". */
    private static Map<String, Integer> commitCommands(MongoStoreOptions.ClaimMode mode) {
        CommandCounter counter = new CommandCounter();
        String database = TestMongo.freshDatabase("tablecmds");
        mongo.url(database);
        try (MongoClient client = counter.client(mongo.url("admin")); MongoStore store = new MongoStore(client, database,
                MongoStoreOptions.defaults().withClaims(mode))) {
            Map<String, Integer> out = new TreeMap<>();
            for (int window = 0; window < 3; window++) {
                List<NewMessage> in = new ArrayList<>();
                for (int i = 0; i < 10; i++) {
                    in.add(NewMessage.ofTree(T0, Json.mapper().createObjectNode().put("n", i), 0, null).withKey("k"));
                }
                store.append("s", in);
                Claim claim = store.claim("s", Selection.pending(), new Lease(UUID.randomUUID().toString(), "c", T0, T0.plusSeconds(30)));
                assertEquals(10, claim.messages().size());
                counter.reset();
                assertEquals(10, store.commitWithState("s", claim.token(), false, 10, CommitEffects.of(List.of(add(1)), T0)));
                if (window == 2) {
                    counter.sent().forEach(s -> out.merge(s.name() + " " + s.collection(), 1, Integer::sum));
                }
            }
            assertEquals(3, store.tableEntry("counts", "k").orElseThrow().value().asInt(), "one per window");
            return out;
        }
    }

    @Test
    void guardedUpdatesCostSixCommandsPerWindow() {
        Map<String, Integer> sent = commitCommands(MongoStoreOptions.ClaimMode.UPDATE);
        assertEquals(Map.of("update buffer", 1, "find minibatch_table_entries", 1, "update minibatch_table_entries", 1,
                "update minibatch_tables", 1, "delete buffer", 1), sent, sent.toString());
    }

    @Test
    void lockClaimsCostFourteenCommandsPerWindow() {
        Map<String, Integer> sent = commitCommands(MongoStoreOptions.ClaimMode.LOCKS);
        assertEquals(Map.ofEntries(Map.entry("find minibatch_locks", 2), Map.entry("find minibatch_table_entries", 1),
                Map.entry("find minibatch_table_revisions", 2), Map.entry("insert minibatch_markers", 1),
                Map.entry("insert minibatch_table_revisions", 2), Map.entry("update minibatch_table_entries", 1),
                Map.entry("find minibatch_tables", 1), Map.entry("update minibatch_tables", 1), Map.entry("delete buffer", 1),
                Map.entry("delete minibatch_locks", 1), Map.entry("delete minibatch_markers", 1)), sent, sent.toString());
    }
}
