package dev.minibatch.mongo;

import java.util.concurrent.atomic.AtomicLong;

/**
 * What the lock path's reads and deletes cost on this server, measured as the store runs, so it can
 * pick the cheaper of one statement over many ids ({@code _id: {$in: [...]}}) and one statement per
 * {@code _id}. On FerretDB's SQLite backend the first reads the whole collection (only
 * {@code {_id: v}} uses an index) but deletes in one transaction; the second is an index lookup
 * each, and for deletes a transaction (an fsync) each: which wins depends on the collection's size.
 * Unknown costs (0) choose one statement per {@code _id}, which measures it. Exponentially weighted
 * (a quarter for each new sample). Thread-safe.
 */
final class ServerCosts {

    private final AtomicLong scanNanos = new AtomicLong();
    private final AtomicLong findByIdNanos = new AtomicLong();
    private final AtomicLong deleteByIdNanos = new AtomicLong();

    /** A statement that read the collection (a candidate read, an {@code $in} read or delete). */
    void scanned(long nanos) {
        add(scanNanos, nanos);
    }

    void foundById(int statements, long nanos) {
        if (statements > 0) {
            add(findByIdNanos, nanos / statements);
        }
    }

    void deletedById(int statements, long nanos) {
        if (statements > 0) {
            add(deleteByIdNanos, nanos / statements);
        }
    }

    /** Whether one {@code $in} read is expected to beat {@code n} reads by {@code _id}. */
    boolean scanBeatsFinds(int n) {
        return beats(findByIdNanos.get(), n);
    }

    /** Whether one {@code $in} delete is expected to beat {@code n} deletes by {@code _id}. */
    boolean scanBeatsDeletes(int n) {
        return beats(deleteByIdNanos.get(), n);
    }

    private boolean beats(long perId, int n) {
        long scan = scanNanos.get();
        return scan > 0 && perId > 0 && scan < perId * n;
    }

    private static void add(AtomicLong average, long sample) {
        long s = Math.max(1, sample);
        average.updateAndGet(old -> old == 0 ? s : (old * 3 + s) / 4);
    }
}
