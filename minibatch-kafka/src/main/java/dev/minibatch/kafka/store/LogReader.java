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

    List<Message> read(String stream, String topic, Map<TopicPartition, Long> from, Selection selection) {
        int limit = selection.limit() == 0 ? Integer.MAX_VALUE : selection.limit();
        List<Message> out = new ArrayList<>();
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
                    if (selection.matches(m.id(), m.created())) {
                        out.add(m);
                    }
                }
                open.removeIf(tp -> reader.position(tp) >= end.get(tp));
                if (out.size() > 4 * (long) limit + 10_000) {
                    trim(out, limit);
                }
            }
        }
        trim(out, limit);
        return out;
    }

    private static void trim(List<Message> out, int limit) {
        out.sort(Comparator.comparing(Message::created).thenComparing(LogReader::partition).thenComparing(LogReader::offset));
        if (out.size() > limit) {
            out.subList(limit, out.size()).clear();
        }
    }

    private static int partition(Message m) {
        return Integer.parseInt(m.id().substring(0, m.id().indexOf('@')));
    }

    private static long offset(Message m) {
        return Long.parseLong(m.id().substring(m.id().indexOf('@') + 1));
    }
}
