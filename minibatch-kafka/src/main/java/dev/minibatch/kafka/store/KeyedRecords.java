package dev.minibatch.kafka.store;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Per assigned partition, each key's records that are not done, in offset order: the index an
 * {@link OrderedBuffer} walks for a claim of one key. Keyed windows claim once per key and window,
 * and walking the whole partition for each (thousands of records for a few of one key) was most of
 * a keyed consumer's time on {@code kafka://}. Done records leave a key's list when they reach its
 * head, so a key's list holds its records still open, plus at most the done ones behind an open one.
 *
 * <p><b>Threading.</b> Not thread-safe; used under the buffer's lock.
 */
final class KeyedRecords {

    private final Map<Integer, Map<String, ArrayDeque<OrderedRecord>>> partitions = new HashMap<>();

    /** A record fetched (in offset order within its partition) that is not done. */
    void add(OrderedRecord r) {
        partitions.computeIfAbsent(r.partition, p -> new HashMap<>())
                .computeIfAbsent(r.key(), k -> new ArrayDeque<>()).addLast(r);
    }

    /** The key's records of the partition from its first one not done on, in offset order. */
    Iterable<OrderedRecord> of(int partition, String key) {
        Map<String, ArrayDeque<OrderedRecord>> keys = partitions.get(partition);
        ArrayDeque<OrderedRecord> records = keys == null ? null : keys.get(key);
        if (records == null) {
            return List.of();
        }
        dropDoneHead(keys, key, records);
        return records;
    }

    /** The record was done: its key's list drops the done records at its head. */
    void done(OrderedRecord r) {
        Map<String, ArrayDeque<OrderedRecord>> keys = partitions.get(r.partition);
        ArrayDeque<OrderedRecord> records = keys == null ? null : keys.get(r.key());
        if (records != null) {
            dropDoneHead(keys, r.key(), records);
        }
    }

    /** The partition was handed over. */
    void remove(int partition) {
        partitions.remove(partition);
    }

    private static void dropDoneHead(Map<String, ArrayDeque<OrderedRecord>> keys, String key, ArrayDeque<OrderedRecord> records) {
        while (!records.isEmpty() && records.peekFirst().done) {
            records.pollFirst();
        }
        if (records.isEmpty()) {
            keys.remove(key);
        }
    }
}
