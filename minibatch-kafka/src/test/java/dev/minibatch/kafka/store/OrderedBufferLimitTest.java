package dev.minibatch.kafka.store;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * How many records a partition of an ordered consumer buffers before its fetching pauses: sized by
 * the records' average size within a memory budget, never below the old fixed 5,000 nor above
 * 50,000, and the full-buffer growth still reaching 80,000.
 */
class OrderedBufferLimitTest {

    private static OrderedBuffer withPartitions(int n) {
        OrderedBuffer buffer = new OrderedBuffer();
        for (int p = 0; p < n; p++) {
            buffer.assigned(p, null);
        }
        return buffer;
    }

    @Test
    void smallRecordsGetMoreRoomLargeOnesTheFloorAndTheBudgetIsSharedByThePartitions() {
        OrderedBuffer words = withPartitions(6);
        words.fetched(100L * 1_000, 1_000); // 100-byte records
        int limit = words.bufferLimit();
        assertThat(limit).as("100-byte records over 6 partitions").isGreaterThan(BufferLimit.MIN_LIMIT)
                .isLessThanOrEqualTo(BufferLimit.MAX_LIMIT);
        long perRecord = 100 + BufferLimit.RECORD_OVERHEAD;
        assertThat((long) limit * 6 * perRecord).as("within the budget").isLessThanOrEqualTo(BufferLimit.BYTE_BUDGET);

        OrderedBuffer one = withPartitions(1);
        one.fetched(100L * 1_000, 1_000);
        assertThat(one.bufferLimit()).as("one partition gets the whole budget, up to the cap").isEqualTo(BufferLimit.MAX_LIMIT);

        OrderedBuffer large = withPartitions(6);
        large.fetched(100_000L * 10, 10); // 100 kB records
        assertThat(large.bufferLimit()).as("large records: the floor").isEqualTo(BufferLimit.MIN_LIMIT);
    }

    @Test
    void theFullBufferGrowthStillDoublesTheFloorUpTo80000() {
        OrderedBuffer large = withPartitions(6);
        large.fetched(100_000L * 10, 10);
        while (large.grow()) {
            // doubling
        }
        assertThat(large.bufferLimit()).isEqualTo(BufferLimit.MIN_LIMIT << BufferLimit.MAX_DOUBLINGS).isEqualTo(80_000);
    }
}
