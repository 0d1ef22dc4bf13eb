package dev.minibatch.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.minibatch.emitter.FixedTimeWindow;
import dev.minibatch.model.Message;
import dev.minibatch.model.Window;
import dev.minibatch.spi.emitter.EmitterContext;
import dev.minibatch.spi.emitter.ForwardingEmitterContext;
import dev.minibatch.spi.emitter.WindowEmitter;
import dev.minibatch.spi.emitter.WindowQuery;
import dev.minibatch.spi.store.Claim;
import dev.minibatch.spi.store.Selection;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

import org.junit.jupiter.api.Test;

/**
 * Time windows under event time (what a store with {@code EventTime} gives its consumers, as
 * {@code kafka://} ordered consumers do): windows close by the watermark, not the clock, and a new
 * grid starts at the epoch-aligned window of the oldest pending message. The watermark here is set
 * by the test through a wrapping emitter's context, the way keyed windows wrap theirs; the store is
 * the real memory store. {@code KafkaOrderedConsumersTest} shows the same on a real broker.
 */
class EventTimeWindowTest {

    private static final Duration TEN = Duration.ofSeconds(10);

    @Test
    void windowsCloseByTheWatermarkAndTheGridStartsAtTheOldestMessageAlignedToTheEpoch() {
        EventTimeEmitter emitter = new EventTimeEmitter(new FixedTimeWindow(TEN));
        try (EmitterHarness h = EmitterHarness.memory(emitter)) {
            h.append("a").advance(Duration.ofSeconds(20)).append("b").advance(Duration.ofSeconds(20)).append("c");
            Instant a = created(h, "a");
            Instant gridStart = Instant.ofEpochMilli(Math.floorDiv(a.toEpochMilli(), TEN.toMillis()) * TEN.toMillis());
            h.advance(Duration.ofMinutes(5)); // the clock is far past every window: only the watermark may close them

            emitter.watermark = gridStart.plus(TEN).minusMillis(1);
            assertTrue(h.round().isEmpty(), "the grid starts at " + gridStart + "; its first window has not closed");
            assertTrue(h.round().isEmpty(), "the watermark has not reached the first window's end");
            emitter.watermark = a.plus(Duration.ofSeconds(60));
            Window first = h.round().orElseThrow();
            assertEquals(gridStart, first.from(), "epoch-aligned start at the oldest message's window");
            assertEquals(gridStart.plus(TEN), first.to());
            List<String> seen = new java.util.ArrayList<>(first.dataAs(String.class));
            for (int i = 0; i < 5 && seen.size() < 3; i++) {
                h.round().ifPresent(w -> {
                    assertEquals(Duration.between(w.from(), w.to()), TEN);
                    for (Message m : w.messages()) {
                        assertTrue(!m.created().isBefore(w.from()) && m.created().isBefore(w.to()),
                                m + " in its own window " + w.from() + ".." + w.to());
                    }
                    seen.addAll(w.dataAs(String.class));
                });
            }
            assertEquals(List.of("a", "b", "c"), seen, "each message in the window of its own timestamp");
            assertEquals(3, h.emitted().size(), "one window per message: each is 20 s after the last");
        }
    }

    @Test
    void noWindowClosesWhileTheWatermarkIsUnknown() {
        EventTimeEmitter emitter = new EventTimeEmitter(new FixedTimeWindow(TEN));
        try (EmitterHarness h = EmitterHarness.memory(emitter)) {
            h.append("x").advance(Duration.ofMinutes(1));
            emitter.watermark = null;
            assertTrue(h.round().isEmpty());
            assertTrue(h.round().isEmpty(), "no watermark yet (nothing fetched): the grid waits");
            emitter.watermark = created(h, "x").plus(Duration.ofSeconds(20));
            Optional<Window> w = h.round().or(h::round); // the first round starts the grid, the next emits
            assertEquals(List.of("x"), w.orElseThrow().dataAs(String.class));
        }
    }

    @Test
    void graceHoldsAWindowOpenPastItsEndAndALaterMessageGoesToTheNextWindow() {
        EventTimeEmitter emitter = new EventTimeEmitter(new FixedTimeWindow(TEN, Duration.ofSeconds(3)));
        try (EmitterHarness h = EmitterHarness.memory(emitter)) {
            h.append("on-time");
            Instant t = created(h, "on-time");
            Instant end = Instant.ofEpochMilli(Math.floorDiv(t.toEpochMilli(), TEN.toMillis()) * TEN.toMillis()).plus(TEN);
            emitter.watermark = end.plusSeconds(2); // past the end, inside the grace
            assertTrue(h.round().isEmpty());
            assertTrue(h.round().isEmpty(), "held open 3 s past its end");
            // a record stamped inside the window, seen now (within the grace): it is in time
            h.clock().set(end.minusMillis(500));
            h.append("within-grace");
            emitter.watermark = end.plusSeconds(3);
            assertEquals(List.of("on-time", "within-grace"), h.roundValues(String.class));
            // later than the grace: not lost, it goes to the next window
            h.clock().set(end.minusMillis(400));
            h.append("too-late");
            emitter.watermark = end.plus(TEN).plusSeconds(3);
            Window next = h.round().orElseThrow();
            assertEquals(List.of("too-late"), next.dataAs(String.class));
            assertEquals(end, next.from());
        }
    }

    private static Instant created(EmitterHarness h, String value) {
        return h.pending().stream().filter(m -> value.equals(m.data().asText())).findFirst().orElseThrow().created();
    }

    /**
     * Drives a time window under event time: its context's watermark is {@link #watermark} (null: not
     * known yet), its {@code lastRead} kept here (a new grid, as on a store without a shared one).
     */
    private static final class EventTimeEmitter implements WindowEmitter {
        private final WindowEmitter inner;
        volatile Instant watermark;
        private Instant lastRead;

        EventTimeEmitter(WindowEmitter inner) {
            this.inner = inner;
        }

        private EmitterContext scoped(EmitterContext parent) {
            return new ForwardingEmitterContext(parent) {
                @Override
                public Optional<Instant> watermark() {
                    return Optional.ofNullable(watermark);
                }

                @Override
                public boolean eventTime() {
                    return true;
                }

                @Override
                public Optional<Instant> lastRead() {
                    return Optional.ofNullable(lastRead);
                }

                @Override
                public boolean compareAndSetLastRead(Instant expected, Instant next) {
                    if (!Objects.equals(lastRead, expected)) {
                        return false;
                    }
                    lastRead = next;
                    return true;
                }
            };
        }

        @Override
        public Optional<WindowQuery> windowReady(EmitterContext context) {
            return inner.windowReady(scoped(context));
        }

        @Override
        public Selection query(EmitterContext context, WindowQuery query) {
            return inner.query(scoped(context), query);
        }

        @Override
        public Claim process(EmitterContext context, WindowQuery query, Selection selection) {
            return inner.process(scoped(context), query, selection);
        }

        @Override
        public Optional<Window> emit(EmitterContext context, WindowQuery query, Claim claim) {
            return inner.emit(scoped(context), query, claim);
        }

        @Override
        public Duration pollDelay(EmitterContext context) {
            return inner.pollDelay(scoped(context));
        }
    }
}
