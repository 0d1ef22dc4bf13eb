package dev.minibatch.kafka.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.minibatch.Minibatch;
import dev.minibatch.model.ConsumerHandle;
import dev.minibatch.model.Message;
import dev.minibatch.model.Window;
import dev.minibatch.spi.store.NewMessage;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Time windows of ordered consumers on {@code kafka://} follow record timestamps: a backlog stamped
 * a day ago, replayed now, forms one window per interval of its timestamps (the grid aligned to the
 * epoch, starting at the oldest record), windows close by the watermark over the consumer's
 * partitions, and a record stamped behind the watermark is not lost but lands in the next window.
 * Against a real broker, through the public API.
 */
class KafkaEventTimeWindowsTest {

    private static final Duration PATIENCE = Duration.ofSeconds(90);
    private static final Duration INTERVAL = Duration.ofSeconds(2);
    private static final int RECORDS = 60;
    private static final int KEYS = 6;
    private final TestClients clients = new TestClients("eventtime", 3);
    private final List<ConsumerHandle> handles = clients.handles;

    private Minibatch client() throws Exception {
        return clients.client();
    }

    @AfterEach
    void close() {
        clients.close();
    }

    /** A day-old, interval-aligned start: RECORDS records 100 ms apart over three intervals, keys round robin. */
    private static Instant appendHistory(Minibatch producer, String stream) {
        long interval = INTERVAL.toMillis();
        Instant base = Instant.ofEpochMilli(Math.floorDiv(System.currentTimeMillis() - Duration.ofDays(1).toMillis(), interval)
                * interval);
        producer.stream(stream);
        List<NewMessage> history = new ArrayList<>();
        for (int i = 0; i < RECORDS; i++) {
            history.add(NewMessage.ofJson(base.plusMillis(100L * i), "{\"i\":" + i + "}", 0, null).withKey("k" + (i % KEYS)));
        }
        producer.store().append(stream, history);
        return base;
    }

    private static int delivered(List<Window> windows) {
        return windows.stream().mapToInt(Window::size).sum();
    }

    private static void eachRecordInItsOwnRange(List<Window> windows) {
        for (Window w : windows) {
            assertThat(Duration.between(w.from(), w.to())).isEqualTo(INTERVAL);
            assertThat(w.from().toEpochMilli() % INTERVAL.toMillis()).as("window start aligned to the epoch").isZero();
            for (Message m : w.messages()) {
                assertThat(m.created()).as("record %s in window %s..%s", m.data(), w.from(), w.to())
                        .isAfterOrEqualTo(w.from()).isBefore(w.to());
            }
        }
    }

    @Test
    void aReplayedBacklogFormsOneWindowPerIntervalOfItsTimestampsAndALateRecordGoesToTheNextWindow() throws Exception {
        Minibatch producer = client();
        Instant base = appendHistory(producer, "replay");
        List<Window> windows = new CopyOnWriteArrayList<>();
        handles.add(client().streaming("replay").ordered().interval(INTERVAL).relaxed(false).start(windows::add));
        KafkaDeadLetterTest.await("the backlog in windows", PATIENCE, () -> delivered(windows) >= RECORDS);

        assertThat(windows).as("one window per interval of the timestamps, not one for the whole backlog").hasSize(3);
        eachRecordInItsOwnRange(windows);
        assertThat(windows.stream().map(Window::from).toList())
                .containsExactly(base, base.plus(INTERVAL), base.plus(INTERVAL.multipliedBy(2)));
        assertThat(windows).allSatisfy(w -> assertThat(w.size()).isEqualTo(RECORDS / 3));

        // stamped inside the first window, long closed: late, so it lands in the next window to close
        Instant stamped = base.plusMillis(500);
        producer.store().append("replay", List.of(NewMessage.ofJson(stamped, "{\"late\":true}", 0, null).withKey("k0")));
        KafkaDeadLetterTest.await("the late record in a window", PATIENCE, () -> delivered(windows) >= RECORDS + 1);
        Window late = windows.get(windows.size() - 1);
        assertThat(late.size()).isEqualTo(1);
        assertThat(late.messages().get(0).created()).isEqualTo(stamped);
        assertThat(late.from()).as("the late record's window is a later one").isAfter(stamped);
        Thread.sleep(INTERVAL.toMillis() * 2); // nothing more may come
        assertThat(delivered(windows)).isEqualTo(RECORDS + 1);
    }

    @Test
    void aWindowWithMoreRecordsThanTheBufferStillClosesWhole() throws Exception {
        // one partition, so its pause (5,000 open records) stops all fetching: without the buffer growing,
        // the watermark would stay inside the window and the window would wait for ever
        String single = clients.url(1);
        Minibatch producer = clients.open(single);
        Duration minute = Duration.ofMinutes(1);
        Instant base = Instant.ofEpochMilli(Math.floorDiv(System.currentTimeMillis() - Duration.ofDays(1).toMillis(), minute.toMillis())
                * minute.toMillis());
        int records = 12_000;
        producer.stream("big");
        List<NewMessage> history = new ArrayList<>();
        for (int i = 0; i < records; i++) {
            history.add(NewMessage.ofJson(base.plusMillis(i), "{\"i\":" + i + "}", 0, null));
        }
        producer.store().append("big", history);
        Minibatch consumer = clients.open(single);
        List<Window> windows = new CopyOnWriteArrayList<>();
        handles.add(consumer.streaming("big").ordered().interval(minute).relaxed(false).start(windows::add));
        KafkaDeadLetterTest.await("12,000 records of one minute in a window", PATIENCE, () -> delivered(windows) >= records);
        assertThat(windows).as("the minute's records in one window, not split by the full buffer").hasSize(1);
        assertThat(windows.get(0).from()).isEqualTo(base);
        assertThat(windows.get(0).size()).isEqualTo(records);
    }

    @Test
    void keyedTimeWindowsOfABacklogHoldOneKeyAndOneIntervalOfItsTimestampsEach() throws Exception {
        Minibatch producer = client();
        Instant base = appendHistory(producer, "replaykeyed");
        List<Window> windows = new CopyOnWriteArrayList<>();
        handles.add(client().streaming("replaykeyed").keyBy().interval(INTERVAL).relaxed(false).start(windows::add));
        KafkaDeadLetterTest.await("the backlog in windows", PATIENCE, () -> delivered(windows) >= RECORDS);
        Thread.sleep(INTERVAL.toMillis()); // nothing more may come
        assertThat(delivered(windows)).isEqualTo(RECORDS);
        eachRecordInItsOwnRange(windows);
        Set<String> keyAndStart = new HashSet<>();
        Map<String, Integer> perKey = new HashMap<>();
        for (Window w : windows) {
            for (Message m : w.messages()) {
                int i = m.data().get("i").asInt();
                assertThat("k" + (i % KEYS)).as("record %d in a window of key %s", i, w.key()).isEqualTo(w.key());
            }
            assertThat(keyAndStart.add(w.key() + "@" + w.from())).as("one window per key and interval").isTrue();
            perKey.merge(w.key(), 1, Integer::sum);
            assertThat(w.from()).isBetween(base, base.plus(INTERVAL.multipliedBy(2)));
        }
        assertThat(perKey).as("each key's records span the three intervals").hasSize(KEYS)
                .allSatisfy((key, count) -> assertThat(count).isEqualTo(3));
    }
}
