package dev.minibatch.kafka.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.minibatch.Minibatch;
import dev.minibatch.kafka.KafkaBroker;
import dev.minibatch.model.Message;
import dev.minibatch.model.StreamOptions;
import dev.minibatch.spi.store.Selection;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * How {@code appendAll} writes on {@code kafka://}, seen in where the records land (a message's id is
 * its partition and offset): a list without keys that fits one record batch is one batch on one
 * partition (contiguous offsets, in order); a larger list, or one with keys, is a transaction spread
 * over partitions. Every message is there, in its list's order per partition, either way.
 */
class KafkaAppendAllTest {

    private static final AtomicInteger RUNS = new AtomicInteger();
    private Minibatch mb;

    @BeforeEach
    void connect() throws Exception {
        mb = Minibatch.connect("kafka://" + KafkaBroker.shared().bootstrapServers() + "/?prefix=appendall"
                + ProcessHandle.current().pid() + "-" + RUNS.incrementAndGet() + ".&partitions=3&replication=1");
    }

    @AfterEach
    void close() {
        mb.close();
    }

    @Test
    void aSmallListIsOneBatchOnOnePartitionInOrder() {
        mb.stream("small").appendAll(numbers(0, 500, null));
        mb.stream("small").appendAll(numbers(500, 500, null));
        List<Message> all = read("small", 1000);
        assertThat(all).hasSize(1000);
        for (int list = 0; list < 2; list++) {
            List<Message> mine = all.stream().filter(m -> inRange(m, 0, 1000)).toList().subList(list * 500, list * 500 + 500);
            assertThat(partitions(mine)).as("one partition per list").hasSize(1);
            long first = offset(mine.get(0));
            for (int i = 0; i < mine.size(); i++) {
                assertThat(offset(mine.get(i))).as("contiguous offsets: one record batch").isEqualTo(first + i);
                assertThat(mine.get(i).data().get("n").asInt()).as("in the list's order").isEqualTo(list * 500 + i);
            }
        }
        assertThat(partitions(all)).as("successive lists go to different partitions").hasSize(2);
    }

    @Test
    void aListTooLargeForOneBatchIsATransactionOverPartitions() {
        String pad = "x".repeat(900);
        List<Object> values = new ArrayList<>();
        for (int i = 0; i < 2_000; i++) { // ~1.8 MB: more than one batch may hold
            values.add(Map.of("n", i, "pad", pad));
        }
        mb.stream("large").appendAll(values);
        List<Message> all = read("large", 2_000);
        assertThat(all).hasSize(2_000);
        assertThat(partitions(all)).as("spread by the producer's partitioner").hasSizeGreaterThan(1);
        assertOrderedPerPartition(all);
    }

    @Test
    void aListWithKeysGoesToTheKeysPartitions() {
        List<Object> values = numbers(0, 300, null);
        mb.stream("keyed", StreamOptions.defaults().keyExtractor(v -> "k" + ((Integer) ((Map<?, ?>) v).get("n")) % 7))
                .appendAll(values);
        List<Message> all = read("keyed", 300);
        assertThat(all).hasSize(300);
        for (int k = 0; k < 7; k++) {
            String key = "k" + k;
            assertThat(partitions(all.stream().filter(m -> key.equals(m.key())).toList()))
                    .as("every message of key %s on one partition", key).hasSize(1);
        }
        assertThat(partitions(all)).as("seven keys over three partitions").hasSizeGreaterThan(1);
        assertOrderedPerPartition(all);
    }

    private List<Message> read(String stream, int n) {
        List<Message> all = new ArrayList<>(mb.store().read(stream, Selection.pending().limit(n + 10), null));
        all.sort(Comparator.comparing((Message m) -> m.data().get("n").asInt()));
        return all;
    }

    private static List<Object> numbers(int from, int count, String pad) {
        List<Object> values = new ArrayList<>();
        for (int i = from; i < from + count; i++) {
            values.add(pad == null ? Map.of("n", i) : Map.of("n", i, "pad", pad));
        }
        return values;
    }

    private static void assertOrderedPerPartition(List<Message> byNumber) {
        for (int p : partitions(byNumber)) {
            long last = -1;
            for (Message m : byNumber) {
                if (partition(m) == p) {
                    assertThat(offset(m)).as("partition %d in the list's order", p).isGreaterThan(last);
                    last = offset(m);
                }
            }
        }
    }

    private static boolean inRange(Message m, int from, int to) {
        int n = m.data().get("n").asInt();
        return n >= from && n < to;
    }

    private static TreeSet<Integer> partitions(List<Message> messages) {
        TreeSet<Integer> out = new TreeSet<>();
        messages.forEach(m -> out.add(partition(m)));
        return out;
    }

    private static int partition(Message m) {
        return Integer.parseInt(m.id().substring(0, m.id().indexOf('@')));
    }

    private static long offset(Message m) {
        return Long.parseLong(m.id().substring(m.id().indexOf('@') + 1));
    }
}
