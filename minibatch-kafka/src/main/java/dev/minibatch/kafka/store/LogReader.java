package dev.minibatch.kafka.store;

import dev.minibatch.model.Message;
import dev.minibatch.model.MessageState;
import dev.minibatch.spi.store.Selection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * Reads a stream's records without consuming them (Python's {@code buffer}, the CLI's
 * {@code minibatch dead}, a time window's look at the oldest pending message): a plain consumer,
 * assigned and positioned at the share group's start offsets, reads committed records up to the end
 * offsets as they were when the read began. Records the group already acknowledged past its start
 * offset (Kafka keeps a window of them in flight) read as pending too: the view is at most a few
 * thousand records behind. One reader per call; thread-safe.
 */
final class LogReader {

    private static final Duration READ_TIMEOUT = Duration.ofSeconds(30);

    private final KafkaClients clients;

    LogReader(KafkaClients clients) {
        this.clients = clients;
    }

    List<Message> read(String stream, String topic, Map<TopicPartition, Long> from, Selection selection,
                       java.util.function.Predicate<String> skip) {
        int limit = selection.limit() == 0 ? Integer.MAX_VALUE : selection.limit();
        List<Entry> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> reader = clients.reader()) {
            List<TopicPartition> partitions = List.copyOf(from.keySet());
            reader.assign(partitions);
            Map<TopicPartition, Long> end = reader.endOffsets(partitions);
            List<TopicPartition> open = new ArrayList<>();
            for (TopicPartition tp : partitions) {
                long start = from.get(tp);
                if (start < 0) {
                    reader.seekToBeginning(List.of(tp));
                } else {
                    reader.seek(tp, start);
                }
                if (reader.position(tp) < end.get(tp)) {
                    open.add(tp);
                }
            }
            long deadline = System.nanoTime() + READ_TIMEOUT.toNanos();
            // every partition is read to its end, so the oldest messages across partitions are known
            while (!open.isEmpty() && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : reader.poll(Duration.ofMillis(200))) {
                    Message m = RecordCodec.decode(stream, r, MessageState.PENDING, 0);
                    if (!skip.test(m.id()) && selection.matches(m.id(), m.created())) {
                        long[] first = RecordCodec.movedFrom(r);
                        out.add(first == null ? new Entry(m, r.partition(), r.offset()) : new Entry(m, (int) first[0], first[1]));
                    }
                }
                open.removeIf(tp -> reader.position(tp) >= end.get(tp));
                if (out.size() > 4 * (long) limit + 10_000) {
                    trim(out, limit);
                }
            }
        }
        trim(out, limit);
        return out.stream().map(Entry::message).toList();
    }

    /** A message and its place in append order (a moved copy keeps its original's). */
    private record Entry(Message message, int partition, long offset) {
    }

    /** Counts the records in [from, to) of each partition (transaction markers take offsets but are not records). */
    long count(Map<TopicPartition, Long> from, Map<TopicPartition, Long> to, java.util.function.Predicate<String> skip) {
        long[] n = {0};
        scan(from, to, r -> {
            if (!skip.test(RecordCodec.id(r.partition(), r.offset()))) {
                n[0]++;
            }
        });
        return n[0];
    }

    private void scan(Map<TopicPartition, Long> from, Map<TopicPartition, Long> to,
                      java.util.function.Consumer<ConsumerRecord<byte[], byte[]>> each) {
        try (KafkaConsumer<byte[], byte[]> reader = clients.reader()) {
            List<TopicPartition> open = new ArrayList<>();
            for (TopicPartition tp : from.keySet()) {
                if (from.get(tp) < to.get(tp)) {
                    open.add(tp);
                }
            }
            if (open.isEmpty()) {
                return;
            }
            reader.assign(open);
            open.forEach(tp -> reader.seek(tp, from.get(tp)));
            long deadline = System.nanoTime() + READ_TIMEOUT.toNanos();
            while (!open.isEmpty() && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : reader.poll(Duration.ofMillis(200))) {
                    TopicPartition tp = new TopicPartition(r.topic(), r.partition());
                    if (r.offset() < to.get(tp)) {
                        each.accept(r);
                    }
                }
                open.removeIf(tp -> reader.position(tp) >= to.get(tp));
                reader.pause(reader.assignment().stream().filter(tp -> !open.contains(tp)).toList());
            }
        }
    }

    /** The largest record time among each partition's last few records, or -1 if there are none. */
    long lastTimestamp(Map<TopicPartition, Long> earliest, Map<TopicPartition, Long> end) {
        Map<TopicPartition, Long> from = new java.util.HashMap<>();
        // a transaction marker takes one offset after each transaction: the last record is within a few offsets
        earliest.forEach((tp, first) -> from.put(tp, Math.max(first, end.get(tp) - 8)));
        long[] max = {-1};
        scan(from, end, r -> max[0] = Math.max(max[0], r.timestamp()));
        return max[0];
    }

    private static void trim(List<Entry> out, int limit) {
        out.sort(Comparator.comparing((Entry e) -> e.message().created()).thenComparingInt(Entry::partition)
                .thenComparingLong(Entry::offset));
        if (out.size() > limit) {
            out.subList(limit, out.size()).clear();
        }
    }
}
