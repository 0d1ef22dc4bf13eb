package dev.minibatch.mongo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.IntNode;
import com.mongodb.client.MongoClient;
import com.mongodb.client.model.Filters;
import dev.minibatch.plugin.Providers;
import dev.minibatch.internal.Json;
import dev.minibatch.spi.store.Claim;
import dev.minibatch.spi.store.CommitEffects;
import dev.minibatch.spi.store.Lease;
import dev.minibatch.spi.store.NewMessage;
import dev.minibatch.spi.store.Selection;
import dev.minibatch.spi.store.StateUpdate;
import dev.minibatch.model.TableEntry;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.bson.BsonDocument;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A table's size is a counter kept by the writers that create or remove entries (not a count per
 * query): exact after competing writers and after clear; here with guarded-update claims on the
 * emulator, with lock claims in {@link MongoLockTableSizeTest} and on FerretDB in
 * {@link FerretDbTableSizeTest}. Four threads, each with a store (and client) of its own, commit windows whose updates
 * cycle shared keys through created, changed and removed ({@code null}), so sizes move up and down
 * under contention on the same entries.
 */
class MongoTableSizeTest {

    /** The URL options of the store under test. */
    protected String claims() {
        return "claims=update";
    }

    static TestMongo mongo;

    @BeforeAll
    static void startServer() {
        mongo = TestMongo.start();
    }

    @AfterAll
    static void stopServer() {
        mongo.close();
    }

    /** Windows per thread. */
    protected int rounds() {
        return 40;
    }

    private static final int THREADS = 4;
    private static final int KEYS = 30;
    private static final int UPDATES_PER_WINDOW = 5;

    /** 1, 2, then removed: after n applications a key holds n mod 3, absent when 0. */
    private static StateUpdate cycle(String key) {
        return new StateUpdate("cycled", key, current -> {
            int next = (current == null ? 0 : current.asInt()) + 1;
            return next == 3 ? null : IntNode.valueOf(next);
        });
    }

    private static String key(int thread, int round, int j) {
        return "k" + ((round * 7 + thread * 13 + j * 3) % KEYS);
    }

    @Test
    void sizeIsExactAfterCompetingWritersAndAfterClear() throws Exception {
        String url = mongo.url(TestMongo.freshDatabase("tablesize"), claims());
        Map<String, Integer> applications = new TreeMap<>();
        for (int t = 0; t < THREADS; t++) {
            for (int r = 0; r < rounds(); r++) {
                for (int j = 0; j < UPDATES_PER_WINDOW; j++) {
                    applications.merge(key(t, r, j), 1, Integer::sum);
                }
            }
        }
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            int thread = t;
            Thread worker = new Thread(() -> {
                try (MongoStore store = (MongoStore) Providers.defaults().openStore(url)) {
                    String stream = "in" + thread;
                    for (int r = 0; r < rounds(); r++) {
                        store.append(stream, List.of(NewMessage.ofTree(Instant.now(), Json.mapper().createObjectNode().put("r", r), 0, null)));
                        Instant now = Instant.now();
                        Claim claim = store.claim(stream, Selection.pending(), new Lease(UUID.randomUUID().toString(), "t" + thread,
                                now, now.plusSeconds(120)));
                        List<StateUpdate> updates = new ArrayList<>();
                        for (int j = 0; j < UPDATES_PER_WINDOW; j++) {
                            updates.add(cycle(key(thread, r, j)));
                        }
                        assertEquals(1, store.commitWithState(stream, claim.token(), false, 1, CommitEffects.of(updates, now)));
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            }, "size-writer-" + t);
            worker.setDaemon(true);
            threads.add(worker);
        }
        threads.forEach(Thread::start);
        for (Thread worker : threads) {
            worker.join(600_000);
            assertTrue(!worker.isAlive(), worker.getName() + " did not finish");
        }
        assertTrue(failures.isEmpty(), "writers failed: " + failures);

        Map<String, Integer> expected = new TreeMap<>();
        applications.forEach((k, n) -> {
            if (n % 3 != 0) {
                expected.put(k, n % 3);
            }
        });
        assertTrue(expected.size() > 0 && expected.size() < applications.size(), "the cycle leaves some keys removed: " + applications);
        try (MongoStore store = (MongoStore) Providers.defaults().openStore(url); MongoClient client = mongo.client()) {
            if (mongo.isFerretDb() || claims().contains("locks")) {
                assertEquals(MongoStoreOptions.ClaimMode.LOCKS, store.claimMode());
            }
            Map<String, Integer> table = new TreeMap<>();
            for (TableEntry e : store.tableEntries("cycled", null, 1000)) {
                table.put(e.key(), e.value().asInt());
            }
            assertEquals(expected, table, "every update applied once");
            assertEquals(expected.size(), store.tableInfo("cycled").orElseThrow().size(), "the counter equals the live entries");
            long updates = (long) THREADS * rounds() * UPDATES_PER_WINDOW;
            assertEquals(updates, store.tableInfo("cycled").orElseThrow().updates(), "the update count is exact too");
            BsonDocument meta = client.getDatabase(store.databaseName()).getCollection(MongoTables.TABLES, BsonDocument.class)
                    .find(Filters.eq("_id", "cycled")).first();
            assertTrue(meta != null && meta.isNumber(MongoTables.SIZE), "the size is stored in the table's document: " + meta);

            store.clearTable("cycled");
            assertEquals(0, store.tableInfo("cycled").orElseThrow().size(), "cleared");
            Instant now = Instant.now();
            store.append("again", List.of(NewMessage.ofTree(now, Json.mapper().createObjectNode().put("r", 0), 0, null)));
            Claim claim = store.claim("again", Selection.pending(), new Lease(UUID.randomUUID().toString(), "x", now, now.plusSeconds(60)));
            assertEquals(1, store.commitWithState("again", claim.token(), false, 1, CommitEffects.of(List.of(cycle("a"), cycle("b")), now)));
            assertEquals(2, store.tableInfo("cycled").orElseThrow().size(), "counted again from zero after clear");
        }
    }
}
