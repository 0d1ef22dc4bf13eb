package dev.minibatch.kafka.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.minibatch.Minibatch;
import dev.minibatch.kafka.KafkaBroker;
import dev.minibatch.model.ConsumerHandle;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Consumers on {@code kafka://} through the public API, against a real broker: groups, and the features it refuses. */
class KafkaStoreConsumersTest {

    private static final AtomicInteger RUNS = new AtomicInteger();
    private Minibatch mb;
    private String prefix;

    @BeforeEach
    void connect() throws Exception {
        prefix = "consumers" + ProcessHandle.current().pid() + "-" + RUNS.incrementAndGet() + ".";
        mb = Minibatch.connect("kafka://" + KafkaBroker.shared().bootstrapServers() + "/?prefix=" + prefix
                + "&partitions=2&replication=1");
    }

    @AfterEach
    void close() {
        mb.close();
    }

    @Test
    void eachGroupGetsEveryMessageAndAGroupsConsumersShareThem() throws Exception {
        int n = 2_000;
        List<Object> values = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            values.add(Map.of("n", i));
        }
        mb.stream("orders").appendAll(values); // before any consumer: groups start at the earliest offset
        Map<String, Set<Integer>> seen = new ConcurrentHashMap<>();
        AtomicInteger duplicates = new AtomicInteger();
        Map<String, AtomicInteger> windowsByConsumer = new ConcurrentHashMap<>();
        List<ConsumerHandle> handles = new ArrayList<>();
        for (String consumer : List.of("billing-1", "billing-2", "audit-1")) {
            String group = consumer.substring(0, consumer.indexOf('-'));
            Set<Integer> groupSeen = seen.computeIfAbsent(group, g -> ConcurrentHashMap.newKeySet());
            windowsByConsumer.put(consumer, new AtomicInteger());
            handles.add(mb.streaming("orders").group(group).size(10).start(w -> {
                windowsByConsumer.get(consumer).incrementAndGet();
                w.data().forEach(d -> {
                    if (!groupSeen.add(d.get("n").asInt())) {
                        duplicates.incrementAndGet();
                    }
                });
            }));
        }
        String consumers;
        try {
            long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            while ((seen.get("billing").size() < n || seen.get("audit").size() < n) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
        } finally {
            // what each consumer had done (and whether it failed), for a failure message (CI once: audit stuck at 1,730)
            StringBuilder state = new StringBuilder();
            for (int i = 0; i < handles.size(); i++) {
                ConsumerHandle h = handles.get(i);
                state.append(List.of("billing-1", "billing-2", "audit-1").get(i)).append(": ").append(h.stats())
                        .append(h.failure() == null ? "" : ", failed: " + h.failure()).append("; ");
            }
            consumers = state.toString();
            handles.forEach(ConsumerHandle::stop);
        }
        assertThat(seen.get("billing").size()).as("billing's distinct messages; %s", consumers).isEqualTo(n);
        assertThat(seen.get("audit").size()).as("a second group gets every message again; %s", consumers).isEqualTo(n);
        assertThat(duplicates.get()).as("no message twice within a group (no failures, no kills)").isZero();
        assertThat(windowsByConsumer.get("billing-1").get() + windowsByConsumer.get("billing-2").get())
                .as("a group's consumers share its messages").isEqualTo(n / 10);
    }

    @Test
    void copiesOneGroupMovesToUnstallItsWindowsAreSkippedByTheOtherGroups() throws Exception {
        String url = "kafka://" + KafkaBroker.shared().bootstrapServers() + "/?prefix=" + prefix
                + "moves.&partitions=1&replication=1";
        KafkaStore store = new KafkaStore(KafkaStoreSettings.parse(url));
        try (Minibatch moves = Minibatch.builder().store(store).shutdownHook(false).build()) {
            List<Object> values = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                values.add(Map.of("n", i));
            }
            moves.stream("orders").appendAll(values);
            // a group whose windows of 10 never fill holds the 5 records; they are moved to the end
            ConsumerHandle waiting = moves.streaming("orders").group("mover").size(10).start(w -> { });
            int moved = 0;
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (moved < 5 && System.nanoTime() < deadline) {
                moved += store.moveFree("orders", "mover");
                Thread.sleep(20);
            }
            waiting.stop();
            assertThat(moved).as("records the mover group moved").isEqualTo(5);
            moves.stream("orders").append(Map.of("n", 5));

            List<Integer> audit = new java.util.concurrent.CopyOnWriteArrayList<>();
            ConsumerHandle auditor = moves.streaming("orders").group("audit").size(1)
                    .start(w -> w.data().forEach(d -> audit.add(d.get("n").asInt())));
            try {
                deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (!audit.contains(5) && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
            } finally {
                auditor.stop();
            }
            assertThat(audit).as("the audit group: each message once, the mover's copies skipped")
                    .containsExactlyInAnyOrder(0, 1, 2, 3, 4, 5);
        }
    }

    @Test
    void aStreamsShareGroupIsConfiguredBeforeItsFirstConsumerJoins() throws Exception {
        mb.stream("orders").append(Map.of("n", 1));
        AtomicInteger windows = new AtomicInteger();
        ConsumerHandle consumer = mb.streaming("orders").size(1).start(w -> windows.incrementAndGet());
        try {
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (windows.get() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
        } finally {
            consumer.stop();
        }
        assertThat(windows.get()).as("the message appended before the consumer started").isEqualTo(1);
        ConfigResource group = new ConfigResource(ConfigResource.Type.GROUP, prefix + "orders");
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                KafkaBroker.shared().bootstrapServers()))) {
            Config config = admin.describeConfigs(List.of(group)).all().get(30, TimeUnit.SECONDS).get(group);
            assertThat(config.get("share.auto.offset.reset").value()).isEqualTo("earliest");
            assertThat(config.get("share.isolation.level").value()).isEqualTo("read_committed");
            assertThat(config.get("share.delivery.count.limit").value())
                    .isEqualTo(Integer.toString(KafkaStore.DELIVERY_LIMIT));
            assertThat(config.get("share.partition.max.record.locks").value())
                    .isEqualTo(Integer.toString(KafkaGroupAdmin.IN_FLIGHT_PER_PARTITION));
        }
    }

    @Test
    void tablesAreServedToOrderedConsumersOnlyWhichTableConsumersChooseThemselves() {
        assertThat(((KafkaStore) mb.store()).unsupported(dev.minibatch.spi.store.ConsumerFeatures.Feature.TABLES))
                .hasValueSatisfying(reason -> assertThat(reason).contains("partition-ordered"));
        assertThat(mb.table("counts").exists()).isFalse();
        ConsumerHandle h = mb.streaming("words").keyBy().aggregate("counts", Integer.class, 0, (s, w) -> s + w.size()).start();
        try {
            assertThat(h.failure()).isNull();
        } finally {
            h.stop();
        }
    }
}
