package dev.minibatch.kafka.store;

/**
 * How many records an ordered member buffers per partition before that partition's fetching pauses
 * ({@link OrderedBuffer}). A record stays buffered until its window commits, and a window's commit is
 * a Kafka transaction (tens of milliseconds), so this bounds what is in flight: with a fixed 5,000
 * small records a partition the word-count bench ran at about half the speed it reached with 50,000.
 * So the limit follows the records' size: as many as {@link #BYTE_BUDGET} allows, spread over the
 * member's partitions, for records of the average size fetched plus {@link #RECORD_OVERHEAD} each,
 * between {@link #MIN_LIMIT} and {@link #MAX_LIMIT}. Not thread-safe: {@link OrderedBuffer} guards it.
 */
final class BufferLimit {

    /** Records a partition holds before its fetching pauses, however large they are (before any growth). */
    static final int MIN_LIMIT = 5_000;
    /** Records a partition may hold when they are small enough for {@link #BYTE_BUDGET}. */
    static final int MAX_LIMIT = 50_000;
    /** Memory the records of one member's partitions aim to take. */
    static final long BYTE_BUDGET = 64L << 20;
    /** What a buffered record costs beyond its bytes on the wire (the decoded message, the bookkeeping). */
    static final int RECORD_OVERHEAD = 300;
    /** Most doublings of the floor by {@link #grow} (5,000 records per partition becomes 80,000). */
    static final int MAX_DOUBLINGS = 4;

    private long bytesFetched;
    private long recordsFetched;
    private int doublings;

    /** Records fetched: {@code bytes} on the wire (key, value, headers) for {@code count} records. */
    void fetched(long bytes, int count) {
        bytesFetched += bytes;
        recordsFetched += count;
    }

    /**
     * The limit per partition for a member of {@code partitions} partitions: sized by the budget,
     * never fewer than twice the largest window asked for ({@code largestAsk}), nor than
     * {@link #MIN_LIMIT} after the doublings of {@link #grow}.
     */
    int records(int partitions, int largestAsk) {
        long perRecord = (recordsFetched == 0 ? 1_000 : bytesFetched / recordsFetched) + RECORD_OVERHEAD;
        long bySize = BYTE_BUDGET / perRecord / Math.max(1, partitions);
        int sized = (int) Math.min(MAX_LIMIT, Math.max(MIN_LIMIT, bySize));
        return Math.max(sized, Math.max(MIN_LIMIT, 2 * largestAsk) << doublings);
    }

    /**
     * Doubles the floor, at most {@value #MAX_DOUBLINGS} times: for time windows whose records, across
     * keys, outnumber a full buffer.
     *
     * @return false at the cap
     */
    boolean grow() {
        if (doublings >= MAX_DOUBLINGS) {
            return false;
        }
        doublings++;
        return true;
    }
}
