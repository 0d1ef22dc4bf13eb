package dev.minibatch;

import dev.minibatch.spi.store.StoreCapabilities;
import dev.minibatch.spi.store.StreamStore;
import dev.minibatch.pipeline.StageEmitter;
import com.fasterxml.jackson.databind.JsonNode;
import dev.minibatch.model.ConsumerHandle;
import dev.minibatch.model.ConsumerStats;
import dev.minibatch.model.Message;
import dev.minibatch.model.Window;
import dev.minibatch.internal.Json;
import dev.minibatch.internal.Names;
import dev.minibatch.keyed.KeySelector;
import dev.minibatch.spi.store.NewMessage;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Builds a stage: input streams → per-message operators → an output stream. Operators run in the
 * order they are added, on each input message's value (a read-only {@link JsonNode}); results are
 * encoded like {@code Stream.append} values.
 *
 * <p><b>Delivery.</b> Each input window (up to {@link #batch} messages) is claimed under a lease,
 * its messages run through the operators, and the outputs are appended <em>with</em> the inputs'
 * commit: in one transaction on memory and SQLite (exactly once per input: a crash, a lost lease or
 * a retry never duplicates or loses an output), append-then-commit elsewhere: there each output
 * carries an origin (input stream, input id, output index) the store derives its id from, so a
 * retried window appends nothing twice (MongoDB skips ids already stored; {@code IdempotentAppends}).
 * With one worker on SQLite the claim is deferred ({@code DeferredClaims}): nothing is written
 * until the commit (or a renewal, for a window that runs a third of its lease), so each input is
 * written once, and the next window is read while one is computed (it commits after it); a competing instance that takes the same inputs meanwhile makes this window's
 * commit change nothing, and its outputs are dropped — repeated work, never a repeated output.
 * An operator that throws on a message, or whose output cannot be stored (not JSON-serialisable,
 * over {@code maxMessageBytes}), sends that message alone to the input's dead-letter stream, with
 * the reason; the rest of the window goes on.
 *
 * <p><b>Ordering.</b> With one instance and {@code workers(1)}, outputs are appended in input
 * order (an input's outputs together, in operator order). With competing instances or more
 * workers, order holds within each input window only. With {@link #merge} each input is consumed
 * by its own consumer: order holds per input, interleaving between inputs is arbitrary.
 *
 * <p>A builder is not thread-safe; {@link #start()} may be called once per stage instance, in as
 * many processes as wanted (competing instances).
 */
public final class Stage {

    private final Minibatch minibatch;
    private final Set<String> inputs = new LinkedHashSet<>();
    private final List<Operator> operators = new ArrayList<>();
    private String output;
    private int batch = 100;
    private int workers = 1;
    private int maxAttempts = 5;
    private Duration lease = Duration.ofSeconds(30);
    private Duration pollInterval = Duration.ofMillis(10);
    private Duration stopTimeout = Duration.ofSeconds(30);

    /**
     * Use {@code Minibatch.stage(inputs…)}.
     *
     * @param minibatch the client
     * @param inputStreams the names of the input streams
     */
    public Stage(Minibatch minibatch, String... inputStreams) {
        this.minibatch = Objects.requireNonNull(minibatch, "minibatch");
        for (String in : inputStreams) {
            merge(in);
        }
    }

    /**
     * Adds an input stream. Merge: every input's messages flow through the same operators into the
     * same output; order holds per input.
     *
     * @param inputStream the stream's name
     * @return this
     */
    public Stage merge(String inputStream) {
        inputs.add(Names.checkStreamName(inputStream));
        return this;
    }

    /**
     * One output per input value: {@code fn(value)}. Delivery as the stage's; order kept.
     * A null result is an error (use {@link #filter} to drop values).
     *
     * @param fn maps a value to the output value
     * @return this
     */
    public Stage map(Function<JsonNode, ?> fn) {
        Objects.requireNonNull(fn, "map function");
        operators.add(new Operator("map", (in, out) -> {
            Object result = fn.apply(in.value());
            if (result == null) {
                throw new IllegalArgumentException("map returned null");
            }
            out.add(new Element(result, in.key));
        }));
        return this;
    }

    /**
     * Keeps the values the predicate accepts (zero or one output per input); order kept.
     *
     * @param predicate true for the values to keep
     * @return this
     */
    public Stage filter(Predicate<JsonNode> predicate) {
        Objects.requireNonNull(predicate, "filter predicate");
        operators.add(new Operator("filter", (in, out) -> {
            if (predicate.test(in.value())) {
                out.add(in);
            }
        }));
        return this;
    }

    /**
     * Zero or more outputs per input value, in the iterable's order, appended together (all of an
     * input's outputs or none). Null elements are errors.
     *
     * @param fn maps a value to the output values
     * @return this
     */
    public Stage flatMap(Function<JsonNode, ? extends Iterable<?>> fn) {
        Objects.requireNonNull(fn, "flatMap function");
        operators.add(new Operator("flatMap", (in, out) -> {
            Iterable<?> results = fn.apply(in.value());
            if (results == null) {
                throw new IllegalArgumentException("flatMap returned null");
            }
            for (Object r : results) {
                if (r == null) {
                    throw new IllegalArgumentException("flatMap returned a null element");
                }
                out.add(new Element(r, in.key));
            }
        }));
        return this;
    }

    /**
     * Sets each value's message key (kept by later operators and stored with the output, so
     * keyed consumers of the output window by it). A null key or an exception dead-letters the input.
     *
     * @param keyFn maps a value to its key
     * @return this
     */
    public Stage keyBy(Function<JsonNode, String> keyFn) {
        Objects.requireNonNull(keyFn, "key function");
        operators.add(new Operator("keyBy", (in, out) -> {
            String key = keyFn.apply(in.value());
            if (key == null) {
                throw new IllegalArgumentException("keyBy returned null");
            }
            out.add(in.withKey(key));
        }));
        return this;
    }

    /**
     * Sets each value's key to a field of it, e.g. {@code keyBy("word")}; a missing field dead-letters the input.
     *
     * @param fieldPath the field holding the key
     * @return this
     */
    public Stage keyBy(String fieldPath) {
        KeySelector selector = KeySelector.field(fieldPath);
        operators.add(new Operator("keyBy(" + fieldPath + ")", (in, out) ->
                out.add(in.withKey(selector.keyOf(new Message("-", "-", Instant.EPOCH, in.value(),
                        dev.minibatch.model.MessageState.PENDING, 0, null))))));
        return this;
    }

    /**
     * The output stream (required).
     *
     * @param outputStream the output stream's name
     * @return this
     */
    public Stage to(String outputStream) {
        this.output = Names.checkStreamName(outputStream);
        return this;
    }

    /**
     * Most input messages per window (one transaction); default 100.
     *
     * @param messages the most input messages per window
     * @return this
     */
    public Stage batch(int messages) {
        if (messages < 1) {
            throw new IllegalArgumentException("batch must be >= 1, was " + messages);
        }
        this.batch = messages;
        return this;
    }

    /**
     * Input windows processed in parallel per input (default 1: outputs in input order).
     *
     * @param n the number of workers
     * @return this
     */
    public Stage workers(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("workers must be >= 1, was " + n);
        }
        this.workers = n;
        return this;
    }

    /**
     * Tries of a window whose commit fails before its messages are dead-lettered (default 5).
     *
     * @param n tries per window
     * @return this
     */
    public Stage maxAttempts(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("maxAttempts must be >= 1, was " + n);
        }
        this.maxAttempts = n;
        return this;
    }

    /**
     * The lease on each input window (default 30 s), renewed while it runs.
     *
     * @param duration the lease
     * @return this
     */
    public Stage lease(Duration duration) {
        this.lease = Objects.requireNonNull(duration, "lease");
        return this;
    }

    /**
     * Idle poll interval (default 10 ms).
     *
     * @param every the poll interval
     * @return this
     */
    public Stage pollInterval(Duration every) {
        this.pollInterval = Objects.requireNonNull(every, "pollInterval");
        return this;
    }

    /**
     * How long {@code stop()} waits for running windows (default 30 s).
     *
     * @param timeout how long stop waits
     * @return this
     */
    public Stage stopTimeout(Duration timeout) {
        this.stopTimeout = Objects.requireNonNull(timeout, "stopTimeout");
        return this;
    }

    /**
     * Starts one consumer per input on daemon threads; the handle stops them all.
     *
     * @return one handle for all of the stage's consumers
     */
    public ConsumerHandle start() {
        if (inputs.isEmpty()) {
            throw new IllegalStateException("a stage needs at least one input stream: mb.stage(\"in\") or merge(\"in\")");
        }
        if (output == null) {
            throw new IllegalStateException("stage of " + inputs + " needs an output stream: .to(\"out\")");
        }
        if (inputs.contains(output)) {
            throw new IllegalStateException("stage output '" + output + "' is also one of its inputs " + inputs);
        }
        List<Operator> ops = List.copyOf(operators);
        List<ConsumerHandle> handles = new ArrayList<>();
        try {
            // where consumers compete per message (kafka://), a stage consumes in order: its commits carry offsets
            StreamStore view = StoreCapabilities.ordered(minibatch.store(), null);
            for (String input : inputs) {
                ConsumerAssembly.refuseIfUnsupported(view, dev.minibatch.spi.store.ConsumerFeatures.Feature.STAGES,
                        input, "a stage");
                ConcurrentHashMap<String, Map<String, List<NewMessage>>> outputs = new ConcurrentHashMap<>();
                String dead = Names.deadLetterStream(input);
                Streaming consumer = minibatch.streaming(input);
                if (view != minibatch.store()) {
                    consumer.ordered();
                }
                handles.add(consumer
                        .emitterFactory(() -> new StageEmitter(batch, outputs))
                        .workers(workers).maxAttempts(maxAttempts).lease(lease).pollInterval(pollInterval)
                        .stopTimeout(stopTimeout)
                        .map(window -> {
                            outputs.put(window.id(), run(ops, window, dead));
                            return null;
                        })
                        .start());
            }
        } catch (RuntimeException e) {
            handles.forEach(ConsumerHandle::stop);
            throw e;
        }
        return new StageHandle(output, handles);
    }

    /** Runs the operators over a window's messages: outputs and dead letters by stream. */
    private Map<String, List<NewMessage>> run(List<Operator> ops, Window window, String dead) {
        Instant now = minibatch.clock().instant().truncatedTo(ChronoUnit.MILLIS);
        List<NewMessage> out = new ArrayList<>();
        List<NewMessage> rejected = new ArrayList<>();
        for (Message m : window.messages()) {
            List<Element> elements = List.of(new Element(m.data(), m.key()));
            String failed = null;
            for (Operator op : ops) {
                List<Element> next = new ArrayList<>(elements.size());
                try {
                    for (Element e : elements) {
                        op.step.apply(e, next);
                    }
                } catch (RuntimeException e) {
                    failed = "stage operator " + op.name + " failed on message " + m.id() + " of '" + window.stream()
                            + "': " + e.getClass().getName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
                    break;
                }
                elements = next;
            }
            // origins name each output by its input, so where outputs are appended before the
            // input's commit (MongoDB) a retried window appends nothing twice
            String origin = window.stream() + "/" + m.id() + "#";
            List<NewMessage> encoded = new ArrayList<>(elements.size());
            if (failed == null) {
                try {
                    int index = 0;
                    for (Element e : elements) {
                        encoded.add(e.encode(now).withOrigin(origin + index++));
                    }
                } catch (RuntimeException e) {
                    failed = "stage output of message " + m.id() + " of '" + window.stream() + "' cannot be stored: "
                            + e.getMessage();
                }
            }
            if (failed != null) {
                rejected.add(NewMessage.ofTree(m.created(), m.data(), m.attempts() + 1, failed).withKey(m.key())
                        .withOrigin(origin + "dead"));
                continue;
            }
            out.addAll(encoded); // all of an input's outputs, or none
        }
        Map<String, List<NewMessage>> appends = new HashMap<>();
        appends.put(output, out);
        if (!rejected.isEmpty()) {
            appends.put(dead, rejected);
        }
        return appends;
    }


    @Override
    public String toString() {
        List<String> names = new ArrayList<>();
        operators.forEach(o -> names.add(o.name));
        return "Stage[" + inputs + " → " + String.join(" → ", names) + " → " + output + "]";
    }

    /**
     * A value on its way through the operators, with its key. An operator's result stays as it was
     * returned until a later operator reads it as a tree; the last one is encoded to JSON text in
     * one pass, as {@code Stream.append} encodes values, so a plain map pays for no tree.
     */
    private final class Element {
        private final Object raw;
        private final String key;
        private JsonNode tree;

        Element(Object value, String key) {
            this.raw = value;
            this.key = key;
            this.tree = value instanceof JsonNode node ? node : null;
        }

        JsonNode value() {
            if (tree == null) {
                try {
                    tree = minibatch.mapper().valueToTree(raw);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("output " + raw + " is not JSON-serialisable: " + e.getMessage(), e);
                }
            }
            return tree;
        }

        Element withKey(String newKey) {
            Element e = new Element(raw, newKey);
            e.tree = tree;
            return e;
        }

        /** The output message: JSON text checked against the size limit (a tree only if one was built anyway). */
        NewMessage encode(Instant created) {
            String json = tree != null ? Json.toText(tree) : Json.encode(minibatch.mapper(), raw, output);
            int limit = minibatch.maxMessageBytes();
            if ((long) json.length() * 3 > limit) { // a char is at most 3 UTF-8 bytes: count only when it could matter
                long bytes = Json.utf8Length(json);
                if (bytes > limit) {
                    throw new IllegalArgumentException("output of " + bytes + " bytes exceeds the limit of " + limit + " bytes");
                }
            }
            return new NewMessage(created, tree, json, 0, null, key);
        }
    }

    @FunctionalInterface
    private interface Step {
        void apply(Element in, List<Element> out);
    }

    private record Operator(String name, Step step) {
    }

    /** The consumers of a stage (one per input), stopped together. */
    private static final class StageHandle implements ConsumerHandle {
        private final String output;
        private final List<ConsumerHandle> handles;

        StageHandle(String output, List<ConsumerHandle> handles) {
            this.output = output;
            this.handles = List.copyOf(handles);
        }

        @Override
        public String stream() {
            return output;
        }

        @Override
        public void requestStop() {
            handles.forEach(ConsumerHandle::requestStop);
        }

        @Override
        public void stop() {
            requestStop();
            handles.forEach(ConsumerHandle::stop);
        }

        @Override
        public boolean awaitTermination(Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            for (ConsumerHandle h : handles) {
                if (!h.awaitTermination(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())))) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public boolean isRunning() {
            return handles.stream().anyMatch(ConsumerHandle::isRunning);
        }

        @Override
        public ConsumerStats stats() {
            long w = 0, m = 0, f = 0, d = 0, l = 0;
            int in = 0;
            for (ConsumerHandle h : handles) {
                ConsumerStats s = h.stats();
                w += s.windows();
                m += s.messages();
                f += s.failures();
                d += s.deadLettered();
                l += s.leasesLost();
                in += s.inFlight();
            }
            return new ConsumerStats(w, m, f, d, l, in);
        }

        @Override
        public Throwable failure() {
            for (ConsumerHandle h : handles) {
                if (h.failure() != null) {
                    return h.failure();
                }
            }
            return null;
        }
    }
}
