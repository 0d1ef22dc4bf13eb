package dev.minibatch.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.minibatch.Minibatch;
import dev.minibatch.Stream;
import dev.minibatch.emitter.CountWindow;
import dev.minibatch.emitter.FixedTimeWindow;
import dev.minibatch.internal.Json;
import dev.minibatch.spi.store.Claim;
import dev.minibatch.spi.store.Lease;
import dev.minibatch.spi.store.NewMessage;
import dev.minibatch.spi.store.Selection;
import dev.minibatch.spi.store.StreamStore;
import dev.minibatch.store.memory.MemoryStore;
import dev.minibatch.test.EmitterHarness;
import dev.minibatch.test.ManualClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * JMH micro-benchmarks of the hot paths: JSON encoding of a message, the append path, the
 * claim/commit path of the memory store, and an emitter's decision. Run with
 * {@code java -jar minibatch-bench/target/benchmarks.jar}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class MicroBenchmarks {

    /** Encoding a ~100-byte reading: Map → tree → UTF-8 bytes, as {@code Stream.append} does. */
    @State(Scope.Benchmark)
    public static class Encoding {
        Map<String, Object> value = Payloads.reading(42);
        String text = Payloads.readingJson(42);
    }

    @Benchmark
    public String jsonEncode(Encoding e) {
        return Json.encode(Json.mapper(), e.value, "bench");
    }

    @Benchmark
    public JsonNode jsonDecode(Encoding e) {
        return Json.parse(e.text);
    }

    /** The full append path on the memory store (validation, encoding, store). */
    @State(Scope.Benchmark)
    public static class Appending {
        Minibatch mb;
        Stream stream;
        Map<String, Object> value = Payloads.reading(7);

        @Setup(Level.Iteration)
        public void setUp() {
            mb = Minibatch.builder().url("memory:").shutdownHook(false).build();
            stream = mb.stream("bench");
        }

        @TearDown(Level.Iteration)
        public void tearDown() {
            mb.close();
        }
    }

    @Benchmark
    public void appendOneToMemory(Appending a) {
        a.stream.append(a.value);
    }

    /** Claim and commit windows of {@code size} on the memory store, backlog refilled as needed. */
    @State(Scope.Benchmark)
    public static class Claiming {
        @Param({"1", "100", "1000"})
        int size;
        StreamStore store;
        List<NewMessage> refill;
        Instant now = Instant.parse("2025-01-01T10:00:00Z");

        @Setup(Level.Iteration)
        public void setUp() {
            store = new MemoryStore();
            refill = new ArrayList<>();
            for (int i = 0; i < 10_000; i++) {
                JsonNode data = Json.parse(Json.encode(Json.mapper(), Payloads.reading(i), "bench"));
                refill.add(NewMessage.ofTree(now, data, 0, null));
            }
            store.append("bench", refill);
        }
    }

    @Benchmark
    public int claimAndCommitWindow(Claiming c) {
        Lease lease = new Lease(UUID.randomUUID().toString(), "bench", c.now, c.now.plusSeconds(30));
        Claim claim = c.store.claim("bench", Selection.pending().limit(c.size).minCount(c.size), lease);
        if (claim.isEmpty()) {
            c.store.append("bench", c.refill);
            return 0;
        }
        return c.store.commit("bench", claim.token(), false);
    }

    /** One time-window decision (windowReady) with nothing due: the idle poll's cost. */
    @State(Scope.Benchmark)
    public static class Deciding {
        EmitterHarness fixed;
        EmitterHarness count;

        @Setup(Level.Trial)
        public void setUp() {
            fixed = new EmitterHarness(new MemoryStore(), ManualClock.startingAt2025(),
                    new FixedTimeWindow(Duration.ofSeconds(10)), "fixed");
            count = new EmitterHarness(new MemoryStore(), ManualClock.startingAt2025(), new CountWindow(100), "count");
            count.append(1, 2, 3);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            fixed.close();
            count.close();
        }
    }

    @Benchmark
    public boolean idleRoundFixedTimeWindow(Deciding d) {
        return d.fixed.round().isPresent();
    }

    @Benchmark
    public boolean idleRoundCountWindow(Deciding d) {
        return d.count.round().isPresent();
    }
}
