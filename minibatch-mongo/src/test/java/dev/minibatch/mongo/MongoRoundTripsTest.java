package dev.minibatch.mongo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.mongodb.client.MongoClient;
import dev.minibatch.model.ConsumerHandle;
import dev.minibatch.model.Message;
import dev.minibatch.Minibatch;
import dev.minibatch.internal.Json;
import dev.minibatch.spi.store.Claim;
import dev.minibatch.spi.store.Lease;

import dev.minibatch.spi.store.NewMessage;
import dev.minibatch.spi.store.Selection;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.bson.BsonDocument;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What the store costs in commands, counted on the wire with a driver CommandListener: windows in
 * steady state, idle polls, heartbeats, and the expired-lease scans kept off the hot path.
 */
class MongoRoundTripsTest {

    private static final Instant T0 = Instant.parse("2025-01-01T10:00:00Z");
    private static TestMongo mongo;

    private final CommandCounter counter = new CommandCounter();
    private MongoClient client;
    private MongoStore store;
    private String database;

    @BeforeAll
    static void startServer() {
        mongo = TestMongo.start();
    }

    @AfterAll
    static void stopServer() {
        mongo.close();
    }

    @BeforeEach
    void open() {
        database = TestMongo.freshDatabase("trips");
        mongo.url(database); // dropped at the end on a real server
        client = counter.client(mongo.url("admin"));
        store = new MongoStore(client, database, MongoStoreOptions.defaults());
    }

    @AfterEach
    void close() {
        store.close();
        client.close();
    }

    private static List<NewMessage> messages(Instant created, int count) {
        List<NewMessage> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            ObjectNode data = Json.mapper().createObjectNode().put("n", i).put("payload", "x".repeat(80));
            out.add(NewMessage.ofTree(created, data, 0, null));
        }
        return out;
    }

    private static Lease lease(String owner, Instant now, Duration length) {
        return new Lease(UUID.randomUUID().toString(), owner, now, now.plus(length));
    }

    @Test
    void aSteadyStateCountWindowCostsThreeCommands() {
        store.append("s", messages(T0, 1_000));
        Selection countWindow = Selection.pending().limit(100).minCount(100);
        for (int w = 0; w < 10; w++) {
            counter.reset();
            Instant now = T0.plusMillis(1_000 + 500 * w); // within lease/4 of the first claim: no periodic scan
            Claim claim = store.claim("s", countWindow, lease("consumer", now, Duration.ofSeconds(30)));
            assertThat(claim.messages()).hasSize(100);
            assertThat(store.commit("s", claim.token(), false)).isEqualTo(100);
            if (w > 0) {
                assertThat(counter.sent()).as("window %d: claim + commit", w).hasSizeLessThanOrEqualTo(3);
                assertThat(counter.sent()).extracting(CommandCounter.Sent::name).containsExactly("find", "update", "delete");
            }
        }
        assertThat(store.stats("s").pending()).isZero();
    }

    @Test
    void aConsumerTakesAtMostThreeCommandsPerWindowFromABacklog() throws Exception {
        store.append("s", messages(Instant.now(), 2_000));
        counter.reset();
        try (Minibatch mb = Minibatch.builder().store(store).shutdownHook(false).build()) {
            AtomicInteger seen = new AtomicInteger();
            // a 5 min lease: its periodic scan (every 75 s) stays out of this run even on a loaded machine
            ConsumerHandle handle = mb.streaming("s").size(100).lease(Duration.ofMinutes(5)).pollInterval(Duration.ofSeconds(1))
                    .start(window -> seen.addAndGet(window.size()));
            await("20 windows", () -> handle.stats().windows() >= 20);
            long onBuffer = counter.count(CommandCounter.on(Documents.BUFFER));
            handle.stop();
            assertThat(seen.get()).isEqualTo(2_000);
            // 20 × (update, delete), a candidate read per twenty windows (or per 2 s on a slow machine), one
            // periodic lease scan, and the first idle poll (plus its scan)
            assertThat(onBuffer).as("buffer commands for 20 windows: %s", counter.sent()).isLessThanOrEqualTo(2 * 20 + 6);
        }
    }

    @Test
    void oneCandidateReadServesTwentyWindows() {
        store.append("s", messages(T0, 2_000));
        Selection countWindow = Selection.pending().limit(100).minCount(100);
        counter.reset();
        for (int w = 0; w < 20; w++) {
            Claim claim = store.claim("s", countWindow, lease("consumer", T0.plusMillis(1_000 + w), Duration.ofSeconds(30)));
            assertThat(claim.messages()).hasSize(100);
            assertThat(store.commit("s", claim.token(), false)).isEqualTo(100);
        }
        List<String> names = counter.sent().stream().map(CommandCounter.Sent::name).toList();
        long candidateReads = counter.sent().stream()
                .filter(c -> c.name().equals("find")
                        && !c.command().getDocument("sort", new BsonDocument()).containsKey(Documents.LEASE_UNTIL)) // not the lease scan
                .count();
        assertThat(candidateReads).as("candidate reads: %s", counter.sent().stream().filter(c -> c.name().equals("find")).toList()).isEqualTo(1);
        assertThat(names.stream().filter("update"::equals).count()).as("claims: %s", names).isEqualTo(20);
        assertThat(store.stats("s").pending()).isZero();
    }

    @Test
    void candidatesReadAheadThatACompetitorTookAreNeverDelivered() {
        store.append("s", messages(T0, 1_000));
        Selection countWindow = Selection.pending().limit(100).minCount(100);
        try (MongoClient otherClient = mongo.client();
             MongoStore other = new MongoStore(otherClient, database, MongoStoreOptions.defaults())) {
            Set<String> delivered = new HashSet<>();
            for (int w = 0; w < 10; w++) {
                // both stores read ahead the same candidates; each claim must still get 100 not yet taken
                MongoStore claimer = w % 2 == 0 ? store : other;
                Claim claim = claimer.claim("s", countWindow, lease("consumer-" + (w % 2), T0.plusMillis(1_000 + w),
                        Duration.ofSeconds(30)));
                assertThat(claim.messages()).as("window %d", w).hasSize(100);
                for (Message m : claim.messages()) {
                    assertThat(delivered.add(m.id())).as("message %s delivered twice", m.id()).isTrue();
                }
                assertThat(claimer.commit("s", claim.token(), false)).isEqualTo(100);
            }
            assertThat(delivered).hasSize(1_000);
        }
        assertThat(store.stats("s").pending()).isZero();
    }

    @Test
    void anIdlePollIsOneFindAndLeaseScansStayRare() throws Exception {
        store.openStream("idle", Duration.ofSeconds(10), Instant.now());
        counter.reset();
        Duration lease = Duration.ofSeconds(2);
        long started = System.nanoTime();
        try (Minibatch mb = Minibatch.builder().store(store).shutdownHook(false).build()) {
            ConsumerHandle handle = mb.streaming("idle").size(10).lease(lease).pollInterval(Duration.ofMillis(50))
                    .start(window -> { });
            await("idle polls", () -> counter.count(s -> s.name().equals("find")) >= 30);
            handle.stop();
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        List<CommandCounter.Sent> all = counter.sent().stream().filter(CommandCounter.on(Documents.BUFFER)::test).toList();
        assertThat(all.stream().filter(s -> s.name().equals("aggregate")).count())
                .as("this server has no change streams: tried once, remembered").isLessThanOrEqualTo(1);
        List<CommandCounter.Sent> buffer = all.stream().filter(s -> !s.name().equals("aggregate")).toList();
        assertThat(buffer).as("an idle consumer only reads").allMatch(s -> s.name().equals("find"));
        long scans = buffer.stream().filter(s -> s.mentions(Documents.LEASE_UNTIL)).count();
        long polls = buffer.size() - scans;
        assertThat(polls).isGreaterThanOrEqualTo(20);
        // at most once per lease/4 (500 ms) while idle, with nothing claimed anywhere
        assertThat(scans).as("lease scans in %.1f s of %d polls", seconds, polls)
                .isLessThanOrEqualTo(2 + (long) (seconds / 0.5));
        assertThat(scans).isLessThan(polls / 2);
    }

    @Test
    void heartbeatsCostOneCommandASecond() throws Exception {
        store.openStream("hb", Duration.ofSeconds(10), Instant.now());
        counter.reset();
        long started = System.nanoTime();
        try (Minibatch mb = Minibatch.builder().store(store).shutdownHook(false).build()) {
            ConsumerHandle handle = mb.streaming("hb").size(10).pollInterval(Duration.ofMillis(20)).start(window -> { });
            Thread.sleep(3_500);
            handle.stop();
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        long heartbeats = counter.count(CommandCounter.on("minibatch_consumers"));
        // one per second, plus the first index creation, the day-old prune of the first one and the stop report
        assertThat(heartbeats).as("heartbeat commands in %.1f s: %s", seconds, counter.sent().stream()
                .filter(CommandCounter.on("minibatch_consumers")::test).map(CommandCounter.Sent::name).toList())
                .isGreaterThanOrEqualTo(3).isLessThanOrEqualTo((long) Math.ceil(seconds) + 3);
    }

    @Test
    void aShortClaimRecoversAnExpiredLeaseAtOnceWithoutScanningEveryPoll() {
        store.append("s", messages(T0, 3));
        Claim crashed = store.claim("s", Selection.pending(), lease("crashed", T0, Duration.ofSeconds(30)));
        assertThat(crashed.messages()).hasSize(3);
        counter.reset();
        // another consumer polls every second; its periodic scans (every 7.5 s) fall at +1, +9, +17, +25, +33
        for (int second = 1; second < 30; second++) {
            assertThat(store.claim("s", Selection.pending().limit(3).minCount(3),
                    lease("other", T0.plusSeconds(second), Duration.ofSeconds(30))).isEmpty()).isTrue();
        }
        long scans = counter.count(s -> s.name().equals("find") && s.mentions(Documents.LEASE_UNTIL));
        assertThat(scans).as("lease scans in 29 idle claims").isLessThanOrEqualTo(4);
        Claim retaken = store.claim("s", Selection.pending().limit(3).minCount(3),
                lease("other", T0.plusSeconds(30), Duration.ofSeconds(30)));
        assertThat(retaken.messages()).as("recovered the moment the lease lapsed, not at the next periodic scan")
                .hasSize(3).allMatch(m -> m.attempts() == 1 && m.error().contains("crashed"));
        assertThat(store.commit("s", crashed.token(), false)).as("the lapsed lease commits nothing").isZero();
        assertThat(store.commit("s", retaken.token(), false)).isEqualTo(3);
    }

    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        RoundTripsAwait.until(what, condition);
    }
}
