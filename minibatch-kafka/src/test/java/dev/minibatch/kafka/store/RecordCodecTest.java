package dev.minibatch.kafka.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.minibatch.model.Message;
import dev.minibatch.model.MessageState;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

/** How records carry attempts, in particular across a move to the end of the partition. */
class RecordCodecTest {

    @Test
    void attemptsCountEarlierDeliveriesAndTheAttemptsHeader() {
        ConsumerRecord<byte[], byte[]> r = delivered(4, 7, 7, headers("2"));
        Message m = RecordCodec.decode("s", r, MessageState.PENDING);
        assertThat(m.id()).isEqualTo("4@7");
        assertThat(m.attempts()).as("6 deliveries before this one + 2 made before the record was appended").isEqualTo(8);
    }

    @Test
    void aMovedCopyKeepsTheAttemptsHeaderButNotTheDeliveriesOfTheLeftover() {
        // a leftover fetched six times (share consumers that left the group released it each time)
        ConsumerRecord<byte[], byte[]> leftover = delivered(1, 40, 7, headers("2"));
        ProducerRecord<byte[], byte[]> copy = RecordCodec.moved(leftover, "t#audit");
        assertThat(copy.partition()).isEqualTo(1);
        assertThat(copy.timestamp()).isEqualTo(leftover.timestamp());
        assertThat(new String(copy.value(), StandardCharsets.UTF_8)).isEqualTo("{\"n\":1}");

        ConsumerRecord<byte[], byte[]> copyDelivered = new ConsumerRecord<>("t", 1, 90, copy.timestamp(),
                TimestampType.CREATE_TIME, -1, -1, copy.key(), copy.value(), copy.headers(), Optional.empty(),
                Optional.of((short) 1));
        Message m = RecordCodec.decode("s", copyDelivered, MessageState.PENDING);
        assertThat(m.attempts()).as("the header's 2, not the leftover's 6 fetches").isEqualTo(2);
        assertThat(RecordCodec.moves(copyDelivered)).isEqualTo(1);
        assertThat(RecordCodec.movedFrom(copyDelivered)).containsExactly(1, 40);

        ProducerRecord<byte[], byte[]> again = RecordCodec.moved(copyDelivered, "t#audit");
        ConsumerRecord<byte[], byte[]> againDelivered = new ConsumerRecord<>("t", 1, 120, again.timestamp(),
                TimestampType.CREATE_TIME, -1, -1, again.key(), again.value(), again.headers(), Optional.empty(),
                Optional.of((short) 1));
        assertThat(RecordCodec.moves(againDelivered)).isEqualTo(2);
        assertThat(RecordCodec.movedFrom(againDelivered)).as("the first place counts").containsExactly(1, 40);
        assertThat(againDelivered.headers().headers(RecordCodec.ATTEMPTS)).hasSize(1);
        assertThat(againDelivered.headers().headers(RecordCodec.MOVED_FOR)).hasSize(1);
        assertThat(RecordCodec.movedForAnotherGroup(againDelivered, "t#audit")).as("the group that moved it").isFalse();
        assertThat(RecordCodec.movedForAnotherGroup(againDelivered, "t")).as("another group of the stream").isTrue();
        assertThat(RecordCodec.movedForAnotherGroup(leftover, "t")).as("an original").isFalse();
    }

    private static ConsumerRecord<byte[], byte[]> delivered(int partition, long offset, int deliveryCount, Headers headers) {
        return new ConsumerRecord<>("t", partition, offset, 1_700_000_000_000L, TimestampType.CREATE_TIME, -1, -1, null,
                "{\"n\":1}".getBytes(StandardCharsets.UTF_8), headers, Optional.empty(),
                Optional.of((short) deliveryCount));
    }

    private static Headers headers(String attempts) {
        RecordHeaders h = new RecordHeaders();
        h.add(RecordCodec.ATTEMPTS, attempts.getBytes(StandardCharsets.UTF_8));
        return h;
    }
}
