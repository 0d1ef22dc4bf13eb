package dev.minibatch.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.minibatch.model.Message;
import dev.minibatch.plugin.Providers;
import dev.minibatch.spi.store.Claim;
import dev.minibatch.spi.store.KeyedStore;
import dev.minibatch.spi.store.Lease;
import dev.minibatch.spi.store.NewMessage;
import dev.minibatch.spi.store.Selection;
import dev.minibatch.spi.store.StreamStore;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A file written before message keys (layout version 1) opens, keeps its messages and gains keys. */
class SqliteSchemaMigrationTest {

    @TempDir
    Path dir;

    /** The version 1 layout as the released store wrote it, with two pending messages and one claimed. */
    private static void writeVersion1(Path file) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = c.createStatement()) {
            s.executeUpdate("PRAGMA user_version = 1");
            s.executeUpdate("CREATE TABLE mb_stream (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE,"
                    + " status TEXT NOT NULL DEFAULT 'open', created INTEGER NOT NULL, interval_ms INTEGER NOT NULL,"
                    + " last_read INTEGER, appended INTEGER NOT NULL DEFAULT 0, last_append INTEGER)");
            s.executeUpdate("CREATE TABLE mb_message (id INTEGER PRIMARY KEY AUTOINCREMENT, stream_id INTEGER NOT NULL,"
                    + " created INTEGER NOT NULL, state INTEGER NOT NULL DEFAULT 0, attempts INTEGER NOT NULL DEFAULT 0,"
                    + " available_at INTEGER NOT NULL DEFAULT 0, lease_id INTEGER, error TEXT, data TEXT NOT NULL)");
            s.executeUpdate("CREATE INDEX mb_message_claim ON mb_message(stream_id, state, lease_id, created, id)");
            s.executeUpdate("CREATE TABLE mb_lease (id INTEGER PRIMARY KEY AUTOINCREMENT, token TEXT NOT NULL UNIQUE,"
                    + " stream_id INTEGER NOT NULL, owner TEXT NOT NULL, until INTEGER NOT NULL)");
            s.executeUpdate("CREATE INDEX mb_lease_expiry ON mb_lease(stream_id, until)");
            s.executeUpdate("CREATE TABLE mb_consumer (stream TEXT NOT NULL, consumer_id TEXT NOT NULL, emitter TEXT,"
                    + " started INTEGER NOT NULL, last_seen INTEGER NOT NULL, windows INTEGER NOT NULL, messages INTEGER NOT NULL,"
                    + " failures INTEGER NOT NULL, dead_lettered INTEGER NOT NULL, leases_lost INTEGER NOT NULL,"
                    + " in_flight INTEGER NOT NULL, stopped INTEGER NOT NULL, PRIMARY KEY (stream, consumer_id))");
            s.executeUpdate("INSERT INTO mb_stream(name, created, interval_ms, last_read) VALUES ('old', 1000, 10000, 1000)");
            s.executeUpdate("INSERT INTO mb_message(stream_id, created, data) VALUES (1, 2000, '{\"n\":1}')");
            s.executeUpdate("INSERT INTO mb_message(stream_id, created, data) VALUES (1, 3000, '{\"n\":2}')");
            s.executeUpdate("INSERT INTO mb_lease(token, stream_id, owner, until) VALUES ('t1', 1, 'old-consumer', 9999999999999)");
            s.executeUpdate("INSERT INTO mb_message(stream_id, created, state, lease_id, data) VALUES (1, 4000, 1, 1, '{\"n\":3}')");
        }
    }

    @Test
    void aVersion1FileOpensKeepsItsMessagesAndTakesKeys() throws Exception {
        Path file = dir.resolve("old.db");
        writeVersion1(file);
        try (StreamStore store = Providers.defaults().openStore("sqlite:" + file)) {
            List<Message> pending = store.read("old", Selection.pending(), null);
            assertEquals(List.of(1, 2), pending.stream().map(m -> m.data().get("n").asInt()).toList());
            assertNull(pending.get(0).key(), "messages from before keys are unkeyed");
            assertEquals(1, store.commit("old", "t1", false), "a claim taken under the old layout still commits");

            Instant now = Instant.ofEpochMilli(5000);
            store.append("old", List.of(NewMessage.ofJson(now, "{\"n\":4}", 0, null).withKey("k")));
            KeyedStore keyed = (KeyedStore) store;
            assertEquals(List.of(new KeyedStore.KeyCount(null, 2, Instant.ofEpochMilli(2000)),
                    new KeyedStore.KeyCount("k", 1, now)), keyed.pendingByKey("old", Selection.pending(), now));
            Claim claim = store.claim("old", Selection.pending().key("k"), new Lease(UUID.randomUUID().toString(), "t", now,
                    now.plusSeconds(30)));
            assertEquals(4, claim.messages().get(0).data().get("n").asInt());
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("PRAGMA user_version")) {
            assertTrue(rs.next());
            assertEquals(2, rs.getInt(1), "the file was migrated to layout version 2");
        }
        try (StreamStore again = Providers.defaults().openStore("sqlite:" + file)) {
            assertEquals(2, again.read("old", Selection.pending(), null).size(), "reopening the migrated file changes nothing");
            assertEquals(1, again.stats("old").claimed());
        }
    }
}
