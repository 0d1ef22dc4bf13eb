package dev.minibatch.kafka.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The watermark over an ordered consumer's partitions (what the fetcher tells {@link PartitionClocks}). */
class PartitionClocksTest {

    @Test
    void theWatermarkIsTheEarliestPartitionTimeAndUnknownUntilEveryPartitionIsKnown() {
        PartitionClocks clocks = new PartitionClocks();
        assertThat(clocks.watermark()).as("no partition assigned").isEmpty();
        clocks.assigned(0);
        clocks.assigned(1);
        clocks.fetched(0, 5_000);
        assertThat(clocks.watermark()).as("partition 1 neither fetched nor seen caught up").isEmpty();
        clocks.fetched(1, 3_000);
        assertThat(clocks.watermark()).contains(Instant.ofEpochMilli(3_000));
        clocks.fetched(1, 2_000); // an out-of-order record does not move a partition's time back
        assertThat(clocks.watermark()).contains(Instant.ofEpochMilli(3_000));
        clocks.fetched(1, 9_000);
        assertThat(clocks.watermark()).as("partition 0 is now the one behind").contains(Instant.ofEpochMilli(5_000));
    }

    @Test
    void aCaughtUpPartitionIsAtLeastAtItsLastCaughtUpPollAndAPausedOneHoldsNothingBack() {
        PartitionClocks clocks = new PartitionClocks();
        clocks.assigned(0);
        clocks.assigned(1);
        clocks.fetched(0, 1_000);
        clocks.caughtUp(1, 8_000); // an empty partition, read to its end by the poll begun at 8 s
        assertThat(clocks.watermark()).contains(Instant.ofEpochMilli(1_000));
        assertThat(clocks.caughtUp(0, 7_000)).as("partition 0's time jumps from its newest record to the poll").isTrue();
        assertThat(clocks.watermark()).as("both read to their ends").contains(Instant.ofEpochMilli(7_000));
        assertThat(clocks.caughtUp(0, 7_050)).as("already caught up: no jump to tell of").isFalse();
        clocks.paused(0, true);
        assertThat(clocks.watermark()).as("a partition paused with a full buffer must let windows close")
                .contains(Instant.ofEpochMilli(8_000));
        clocks.paused(1, true);
        assertThat(clocks.watermark()).as("all paused: the newest of their times").contains(Instant.ofEpochMilli(8_000));
        clocks.paused(1, false);
        clocks.removed(List.of(1));
        assertThat(clocks.watermark()).as("only a paused partition left").contains(Instant.ofEpochMilli(7_050));
        clocks.removed(List.of(0));
        assertThat(clocks.watermark()).isEqualTo(Optional.empty());
        clocks.assigned(0);
        assertThat(clocks.watermark()).as("assigned again: unknown until fetched").isEmpty();
    }

    @Test
    void overflowingTheWatermarkFollowsTheClockUntilFetchingResumes() {
        PartitionClocks clocks = new PartitionClocks();
        clocks.assigned(0);
        clocks.fetched(0, 1_000);
        clocks.paused(0, true);
        Instant now = Instant.ofEpochMilli(50_000);
        assertThat(clocks.watermark(now)).contains(Instant.ofEpochMilli(1_000));
        clocks.overflowing(true);
        assertThat(clocks.watermark(now)).as("no window could close: the clock's time").contains(now);
        assertThat(clocks.toString()).contains("overflowing", "p0", "paused");
        clocks.overflowing(false);
        assertThat(clocks.watermark(now)).contains(Instant.ofEpochMilli(1_000));
    }
}
