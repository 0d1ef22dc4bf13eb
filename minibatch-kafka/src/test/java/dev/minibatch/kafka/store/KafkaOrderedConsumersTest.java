package dev.minibatch.kafka.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.minibatch.Minibatch;
import dev.minibatch.kafka.KafkaBroker;
import dev.minibatch.model.ConsumerHandle;
import dev.minibatch.model.Message;
import dev.minibatch.spi.store.Selection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Partition-ordered consumption on {@code kafka://} ({@code streaming(s).ordered()}, and keyed
 * windows, which choose it), through the public API against a real broker: consumers in one group
 * are assigned partitions, windows take each partition's records in order, a failing window holds
 * back its partition while it retries and lets it go on once dead-lettered, and partitions handed
 * over between consumers lose and repeat nothing. Each consumer is a member of the group of its own
 * (its own Kafka consumer), whether it is a client of its own, as separate processes would be, or
 * one of two consumers started on one client.
 */
class KafkaOrderedConsumersTest {

    private static final Duration PATIENCE = Duration.ofSeconds(90);
    private final TestClients clients = new TestClients("ordered", 6);
    private final List<ConsumerHandle> handles = clients.handles;

    /** A client of its own (a member of its own, as a process would be); {@code partitions} of new topics. */
    private Minibatch client(int partitions) throws Exception {
        return clients.open(clients.url(partitions));
    }

    @AfterEach
    void close() {
        clients.close();
    }

    /** Waits for the condition; a timeout says what each consumer and each client's ordered buffer held then. */
    private void await(String what, String stream, java.util.function.BooleanSupplier condition) throws InterruptedException {
        try {
            KafkaDeadLetterTest.await(what, PATIENCE, condition);
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; " + state(stream), e);
        }
    }

    /** What each consumer did and each client's ordered buffer holds, for failure messages. */
    private String state(String stream) {
        StringBuilder s = new StringBuilder();
        for (ConsumerHandle h : handles) {
            s.append(h.stats()).append(h.failure() == null ? "" : ", failed: " + h.failure()).append("; ");
        }
        for (Minibatch mb : clients.all()) {
            s.append(((KafkaStore) mb.store()).orderedState(stream)).append("; ");
        }
        return s.toString();
    }

    @Test
    void keyedCountWindowsHoldOneSensorEachInOrderAcrossThreeCompetingConsumers() throws Exception {
        int sensors = 50;
        int readings = 20;
        Minibatch producer = client(6);
        for (int i = 0; i < readings; i++) {
            for (int s = 0; s < sensors; s++) {
                producer.stream("sensors").append("s" + s, Map.of("sensor", "s" + s, "i", i));
            }
        }
        Map<String, List<Integer>> bySensor = new ConcurrentHashMap<>();
        List<String> mixed = new CopyOnWriteArrayList<>();
        AtomicInteger windows = new AtomicInteger();
        for (int c = 0; c < 3; c++) {
            handles.add(client(6).streaming("sensors").keyBy().size(10).workers(1).start(w -> {
                windows.incrementAndGet();
                String sensor = w.key();
                List<Integer> seen = bySensor.computeIfAbsent(sensor, k -> Collections.synchronizedList(new ArrayList<>()));
                if (w.size() != 10) {
                    mixed.add(sensor + " window of " + w.size());
                }
                for (JsonNode d : w.data()) {
                    if (!d.get("sensor").asText().equals(sensor)) {
                        mixed.add("window of " + sensor + " holds " + d);
                    }
                    seen.add(d.get("i").asInt());
                }
            }));
        }
        await("every reading in a window", "sensors",
                () -> bySensor.values().stream().mapToInt(List::size).sum() >= sensors * readings);
        assertThat(mixed).as("every window 10 readings of its key's sensor").isEmpty();
        assertThat(bySensor).hasSize(sensors);
        List<Integer> inOrder = new ArrayList<>();
        for (int i = 0; i < readings; i++) {
            inOrder.add(i);
        }
        bySensor.forEach((sensor, seen) -> assertThat(seen).as("readings of %s, in the order windows saw them", sensor)
                .isEqualTo(inOrder));
        assertThat(windows.get()).isEqualTo(sensors * readings / 10);
        Thread.sleep(300); // nothing more may come
        assertThat(bySensor.values().stream().mapToInt(List::size).sum()).as("no reading twice").isEqualTo(sensors * readings);
    }

    @Test
    void aFailingWindowHoldsBackItsPartitionWhileItRetriesAndTheDeadLetterLetsItGoOn() throws Exception {
        Minibatch mb = client(1);
        for (int i = 0; i < 20; i++) {
            mb.stream("jobs").append(Map.of("n", i));
        }
        List<Integer> done = new CopyOnWriteArrayList<>();
        List<String> attempts = new CopyOnWriteArrayList<>();
        handles.add(mb.streaming("jobs").ordered().size(5).workers(1).maxAttempts(3)
                .backoff(Duration.ofMillis(100), Duration.ofMillis(200)).start(w -> {
                    int first = w.data().get(0).get("n").asInt();
                    attempts.add(first + "@" + w.attempt());
                    if (first == 5 && w.attempt() == 1 || first == 10) {
                        throw new IllegalStateException("window from " + first + " fails");
                    }
                    w.data().forEach(d -> done.add(d.get("n").asInt()));
                }));
        await("15 messages done, 5 dead; attempts " + attempts, "jobs",
                () -> done.size() >= 15 && mb.stream("jobs.dead").stats().pending() >= 5);
        List<Integer> expected = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            if (i < 10 || i >= 15) {
                expected.add(i);
            }
        }
        assertThat(done).as("in order, the failed window retried before anything after it, the dead one skipped")
                .isEqualTo(expected);
        assertThat(attempts).as("windows as they were tried").containsExactly("0@1", "5@1", "5@2", "10@1", "10@2", "10@3", "15@1");
        List<Message> dead = mb.stream("jobs.dead").buffer(10);
        assertThat(dead).extracting(m -> m.data().get("n").asInt()).containsExactly(10, 11, 12, 13, 14);
        assertThat(dead).allSatisfy(m -> assertThat(m.error()).contains("window from 10 fails"));
    }

    @Test
    void partitionsHandedOverToAJoiningConsumerAndFromOneLeavingLoseAndRepeatNothing() throws Exception {
        int n = 3_000;
        Minibatch mb = client(6);
        for (int batch = 0; batch < n / 100; batch++) { // each batch to the next partition: 500 in each
            List<Object> values = new ArrayList<>();
            for (int i = batch * 100; i < (batch + 1) * 100; i++) {
                values.add(Map.of("n", i));
            }
            mb.stream("orders").appendAll(values);
        }
        Map<Integer, AtomicInteger> times = new ConcurrentHashMap<>();
        AtomicInteger windowsOfFirst = new AtomicInteger();
        ConsumerHandle first = client(6).streaming("orders").ordered().size(10).workers(1).start(w -> {
            windowsOfFirst.incrementAndGet();
            w.data().forEach(d -> times.computeIfAbsent(d.get("n").asInt(), k -> new AtomicInteger()).incrementAndGet());
            Thread.sleep(20);
        });
        handles.add(first);
        await("the first consumer's first windows", "orders", () -> windowsOfFirst.get() >= 5);
        AtomicInteger windowsOfSecond = new AtomicInteger();
        handles.add(client(6).streaming("orders").ordered().size(10).workers(1).start(w -> {
            windowsOfSecond.incrementAndGet();
            w.data().forEach(d -> times.computeIfAbsent(d.get("n").asInt(), k -> new AtomicInteger()).incrementAndGet());
            Thread.sleep(5);
        }));
        await("the joining consumer to get partitions", "orders", () -> windowsOfSecond.get() >= 5);
        first.stop(); // leaves the group: its partitions are handed over
        await("every message", "orders", () -> times.size() >= n);
        Thread.sleep(300);
        assertThat(times).hasSize(n);
        assertThat(times.entrySet().stream().filter(e -> e.getValue().get() != 1).map(Map.Entry::getKey).toList())
                .as("messages processed more than once (no failures, no kills)").isEmpty();
    }

    @Test
    void twoConsumersStartedInOneProcessAreTwoMembersOfTheGroupAndSplitItsPartitions() throws Exception {
        Minibatch mb = client(6);
        mb.stream("parts");
        Map<Integer, java.util.Set<String>> consumersOfPartition = new ConcurrentHashMap<>();
        AtomicInteger seen = new AtomicInteger();
        for (String name : List.of("a", "b")) {
            handles.add(mb.streaming("parts").ordered().size(10).workers(1).start(w -> {
                for (Message m : w.messages()) {
                    int partition = Integer.parseInt(m.id().substring(0, m.id().indexOf('@')));
                    consumersOfPartition.computeIfAbsent(partition, k -> ConcurrentHashMap.newKeySet()).add(name);
                    seen.incrementAndGet();
                }
            }));
        }
        String group = ((KafkaStore) mb.store()).groupId("parts", null) + "@ordered";
        try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(
                Map.of("bootstrap.servers", KafkaBroker.shared().bootstrapServers()))) {
            // both joined, each with partitions, before anything is appended: no partition changes hands below
            await("two members of " + group + " in this one process, each with partitions", "parts", () -> {
                try {
                    var members = admin.describeConsumerGroups(List.of(group)).all().get().get(group).members();
                    return members.size() == 2 && members.stream().allMatch(m -> !m.assignment().topicPartitions().isEmpty());
                } catch (Exception e) {
                    return false;
                }
            });
        }
        for (int batch = 0; batch < 12; batch++) { // each batch to the next partition
            List<Object> values = new ArrayList<>();
            for (int i = batch * 50; i < (batch + 1) * 50; i++) {
                values.add(Map.of("n", i));
            }
            mb.stream("parts").appendAll(values);
        }
        await("all 600 messages", "parts", () -> seen.get() >= 600);
        Thread.sleep(300); // nothing more may come
        assertThat(seen.get()).as("no message twice").isEqualTo(600);
        assertThat(consumersOfPartition.values()).as("each partition's messages went to one member only: %s", consumersOfPartition)
                .allSatisfy(names -> assertThat(names).hasSize(1));
        assertThat(consumersOfPartition.values().stream().flatMap(java.util.Set::stream).distinct().sorted().toList())
                .as("both consumers had partitions").containsExactly("a", "b");
    }

    @Test
    void theOrderedViewReadsWhatItsConsumerHoldsAndCountsFromTheGroupsCommittedOffsets() throws Exception {
        Minibatch mb = client(1);
        for (int i = 0; i < 5; i++) {
            mb.stream("held").append(Map.of("n", i));
        }
        var view = ((KafkaStore) mb.store()).ordered(null);
        try (var subscription = ((dev.minibatch.spi.store.AppendWakeups) view).subscribeAppends("held", () -> { })) {
            KafkaDeadLetterTest.await("the ordered consumer to fetch the 5 records", PATIENCE,
                    () -> view.read("held", Selection.pending(), null).size() == 5);
            java.time.Instant now = java.time.Instant.now();
            var claim = view.claim("held", Selection.pending().limit(2),
                    new dev.minibatch.spi.store.Lease("t1", "test", now, now.plusSeconds(30)));
            assertThat(claim.messages()).extracting(m -> m.data().get("n").asInt()).containsExactly(0, 1);
            assertThat(view.read("held", Selection.pending(), null)).extracting(m -> m.data().get("n").asInt())
                    .containsExactly(2, 3, 4);
            assertThat(view.stats("held").claimed()).isEqualTo(2);
            assertThat(view.commit("held", "t1", false)).isEqualTo(2);
            KafkaDeadLetterTest.await("the group's offset to move past the committed window", PATIENCE,
                    () -> view.stats("held").pending() == 3);
            assertThat(mb.store().stats("held").pending()).as("the share group (shared consumers) has its own offsets")
                    .isEqualTo(5);
        }
    }
    @Test
    void aStagesWindowsShareTransactionsSoItsOutputCarriesFewCommitMarkers() throws Exception {
        int n = 2_000;
        Minibatch mb = client(1);
        List<Object> values = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            values.add(Map.of("n", i));
        }
        mb.stream("lines").appendAll(values);
        ConsumerHandle stage = mb.stage("lines").map(d -> Map.of("n", d.get("n").asInt())).batch(10).to("copies").start();
        handles.add(stage);
        await("the stage's windows of 10", "lines", () -> stage.stats().windows() >= n / 10);
        long windows = stage.stats().windows();
        // Read with read_committed, the output partition's records are its copies and its end the last
        // stable offset. Every committed transaction also leaves one marker (a control record, taking an
        // offset) in each partition it wrote: one transaction per window would leave one per window.
        // (No consumer reads the copies through the share group, which may move copies to the tail.)
        Map<String, Object> config = Map.of("bootstrap.servers", KafkaBroker.shared().bootstrapServers(),
                "isolation.level", "read_committed", "key.deserializer", ByteArrayDeserializer.class.getName(),
                "value.deserializer", ByteArrayDeserializer.class.getName());
        long end;
        long copies = 0;
        try (KafkaConsumer<byte[], byte[]> reader = new KafkaConsumer<>(config)) {
            TopicPartition partition = new TopicPartition(clients.prefix() + "copies", 0);
            end = reader.endOffsets(List.of(partition)).get(partition);
            reader.assign(List.of(partition));
            reader.seekToBeginning(List.of(partition));
            long deadline = System.nanoTime() + PATIENCE.toNanos();
            while (reader.position(partition) < end && System.nanoTime() < deadline) {
                copies += reader.poll(Duration.ofMillis(200)).count();
            }
        }
        assertThat(copies).as("committed copies").isEqualTo(n);
        assertThat(end - copies).as("commit markers: transactions that wrote the %d copies of %d stage windows", n, windows)
                .isPositive().isLessThanOrEqualTo(windows / 2);
    }
}
