package dev.minibatch;

import dev.minibatch.spi.connector.StreamWriter;
import dev.minibatch.model.ConsumerHandle;
import dev.minibatch.model.Message;
import dev.minibatch.model.MessageState;
import dev.minibatch.model.StreamInfo;
import dev.minibatch.model.StreamOptions;
import static org.assertj.core.api.Assertions.assertThat;

import dev.minibatch.emitter.CountWindow;
import dev.minibatch.emitter.FixedTimeWindow;
import dev.minibatch.emitter.RelaxedTimeWindow;
import dev.minibatch.spi.connector.Source;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StreamTest {

    @TempDir
    Path dir;

    private Minibatch sqlite() {
        return Minibatch.builder().url("sqlite:" + dir.resolve("s.db")).shutdownHook(false).build();
    }

    @Test
    void storedMessagesCarryIdStreamCreatedDataStateAndAttempts() {
        try (Minibatch mb = sqlite()) {
            Instant before = Instant.now().minusMillis(1);
            mb.stream("test").append(Map.of("date", "2025-01-01"));
            Message m = mb.stream("test").buffer().get(0);
            assertThat(m.id()).isNotBlank();
            assertThat(m.stream()).isEqualTo("test");
            assertThat(m.created()).isAfter(before).isBefore(Instant.now().plusSeconds(1));
            assertThat(m.created().getNano() % 1_000_000).isZero();
            assertThat(m.data().get("date").asText()).isEqualTo("2025-01-01");
            assertThat(m.state()).isEqualTo(MessageState.PENDING);
            assertThat(m.attempts()).isZero();
            assertThat(mb.streams()).extracting(StreamInfo::name).contains("test");
            assertThat(mb.stream("test").metadata().status()).isEqualTo("open");
        }
    }

    record Reading(String sensor, double value, Instant at) {
    }

    @Test
    void pojosRecordsAndJavaTimeAreAccepted() {
        try (Minibatch mb = sqlite()) {
            mb.stream("pojo").append(new Reading("a1", 21.5, Instant.parse("2025-01-01T10:00:00Z")));
            Reading back = mb.stream("pojo").buffer().get(0).data().traverse(mb.mapper()).readValueAs(Reading.class);
            assertThat(back).isEqualTo(new Reading("a1", 21.5, Instant.parse("2025-01-01T10:00:00Z")));
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void batchingFlushesWhenFullOnTimeAndOnClose() throws Exception {
        try (Minibatch mb = sqlite()) {
            Stream batched = mb.stream("b", StreamOptions.defaults().batchSize(3).flushInterval(Duration.ofHours(1)));
            batched.append(1);
            batched.append(2);
            assertThat(mb.stream("b").stats().pending()).as("not yet written").isZero();
            batched.append(3);
            assertThat(mb.stream("b").stats().pending()).as("written when the batch is full").isEqualTo(3);
            batched.append(4);
            batched.close();
            assertThat(mb.stream("b").stats().pending()).as("written on close").isEqualTo(4);

            Stream timed = mb.stream("t", StreamOptions.defaults().batchSize(1000).flushInterval(Duration.ofMillis(50)));
            timed.append("soon");
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (mb.stream("t").stats().pending() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(mb.stream("t").stats().pending()).as("written after flushInterval").isEqualTo(1);

            Stream onClientClose = mb.stream("c", StreamOptions.defaults().batchSize(1000).flushInterval(Duration.ofHours(1)));
            onClientClose.append("kept");
        }
        try (Minibatch mb = sqlite()) {
            assertThat(mb.stream("c").stats().pending()).as("closing the client flushes its streams").isEqualTo(1);
        }
    }

    @Test
    void maxAgeExpiresOldMessages() throws Exception {
        try (Minibatch mb = sqlite()) {
            Stream stream = mb.stream("aging", StreamOptions.defaults().maxAge(Duration.ofMillis(100)));
            stream.append("old");
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (stream.stats().pending() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(stream.stats().pending()).isZero();
            stream.close();
        }
    }

    @Test
    void attachedSourcesRunInTheBackgroundAndStop() throws Exception {
        try (Minibatch mb = sqlite()) {
            AtomicInteger emitted = new AtomicInteger();
            Source counter = new Source() {
                private volatile boolean cancelled;

                @Override
                public void stream(StreamWriter stream) throws InterruptedException {
                    while (!cancelled) {
                        stream.append(Map.of("i", emitted.getAndIncrement()));
                        Thread.sleep(5);
                    }
                }

                @Override
                public void cancel() {
                    cancelled = true;
                }
            };
            Attachment attachment = mb.stream("src").attach(counter);
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (mb.stream("src").stats().pending() < 5 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            attachment.stop();
            assertThat(attachment.isRunning()).isFalse();
            assertThat(attachment.failure()).isNull();
            assertThat(mb.stream("src").stats().pending()).isEqualTo(emitted.get());
        }
    }

    @Test
    void emitterChoiceFollowsPythonsRule() {
        try (Minibatch mb = Minibatch.builder().url("memory:").shutdownHook(false).build()) {
            assertThat(mb.streaming("s").chooseEmitter()).isInstanceOf(CountWindow.class)
                    .extracting(e -> ((CountWindow) e).size()).isEqualTo(1);
            assertThat(((CountWindow) mb.streaming("s").size(5).chooseEmitter()).size()).isEqualTo(5);
            assertThat(mb.streaming("s").size(5).interval(Duration.ofSeconds(2)).chooseEmitter())
                    .as("interval wins over size; relaxed by default").isInstanceOf(RelaxedTimeWindow.class);
            assertThat(mb.streaming("s").interval(Duration.ofSeconds(2)).relaxed(false).chooseEmitter())
                    .isInstanceOf(FixedTimeWindow.class);
            CountWindow custom = new CountWindow(9);
            assertThat(mb.streaming("s").interval(Duration.ofSeconds(2)).emitter(custom).chooseEmitter()).isSameAs(custom);
            assertThat(mb.streaming("s").emitter("fixed", Map.of("interval", "3s")).chooseEmitter())
                    .isInstanceOf(FixedTimeWindow.class);
        }
    }

    @Test
    void urlResolutionPrefersTheExplicitUrlThenTheSystemProperty() {
        String old = System.getProperty("minibatch.url");
        try {
            System.setProperty("minibatch.url", "memory:");
            assertThat(Minibatch.resolveUrl("sqlite:/x.db")).isEqualTo("sqlite:/x.db");
            assertThat(Minibatch.resolveUrl(null)).isEqualTo("memory:");
        } finally {
            if (old == null) {
                System.clearProperty("minibatch.url");
            } else {
                System.setProperty("minibatch.url", old);
            }
        }
    }

    @Test
    void theDefaultSqliteFileLivesUnderMinibatchHome() {
        String old = System.getProperty("minibatch.home");
        try {
            System.setProperty("minibatch.home", dir.resolve("home").toString());
            try (Minibatch mb = Minibatch.builder().url("sqlite:").shutdownHook(false).build()) {
                mb.stream("x").append(1);
            }
            assertThat(dir.resolve("home").resolve("minibatch.db")).exists();
        } finally {
            if (old == null) {
                System.clearProperty("minibatch.home");
            } else {
                System.setProperty("minibatch.home", old);
            }
        }
    }

    @Test
    void threadsAreDaemons() throws Exception {
        try (Minibatch mb = Minibatch.builder().url("memory:").shutdownHook(false).build()) {
            ConsumerHandle h = mb.streaming("d").size(1).workers(2).start(w -> { });
            mb.stream("d", StreamOptions.defaults().batchSize(10)).append(1);
            Thread.sleep(50);
            List<Thread> ours = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.getName().startsWith("minibatch-")).toList();
            assertThat(ours).isNotEmpty().allMatch(Thread::isDaemon);
            h.stop();
        }
    }
}
