package dev.minibatch.cli.status;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.minibatch.ConsumerHandle;
import dev.minibatch.ConsumerStats;
import dev.minibatch.Message;
import dev.minibatch.Minibatch;
import dev.minibatch.Stream;
import dev.minibatch.StreamOptions;
import dev.minibatch.cli.JsonOutput;
import dev.minibatch.spi.Selection;
import dev.minibatch.spi.StreamStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Consumer heartbeats, kept in the store itself so that {@code minibatch serve} in another process
 * (or on another machine, with a shared store) can list consumers and their window rates.
 *
 * <p>Why a stream: the store SPI has no consumer registry yet, and a stream is the one thing every
 * store shares. Each consumer started by the command ({@code consume}, {@code demo}) appends its
 * cumulative counters to {@value #STREAM} every {@link #INTERVAL}; nobody consumes that stream,
 * readers only {@code read} it, and messages expire after {@link #RETENTION} (expired by every
 * publisher and by {@code serve}). Consumers started by library code publish nothing unless they
 * use {@link #start}. A core SPI for this is proposed in the CLI's README section.
 */
public final class Heartbeats {

    /** The stream heartbeats are appended to; hidden from listings. */
    public static final String STREAM = "_minibatch.heartbeats";
    /** How often a consumer publishes. */
    public static final Duration INTERVAL = Duration.ofSeconds(1);
    /** How long heartbeats are kept. */
    public static final Duration RETENTION = Duration.ofMinutes(2);

    private static final Logger LOG = LoggerFactory.getLogger(Heartbeats.class);
    private static final AtomicInteger SEQUENCE = new AtomicInteger();

    private Heartbeats() {
    }

    /** One heartbeat: a consumer's identity and its counters at {@code at}. */
    public record Heartbeat(String consumer, String stream, String host, long pid, String command, String emitter,
                            boolean keep, String state, Instant started, Instant at, long windows, long messages,
                            long failures, long deadLettered, int inFlight) {

        static Heartbeat parse(JsonNode n) {
            return new Heartbeat(n.path("consumer").asText(), n.path("stream").asText(), n.path("host").asText(),
                    n.path("pid").asLong(), n.path("command").asText(), n.path("emitter").asText(),
                    n.path("keep").asBoolean(), n.path("state").asText("running"),
                    instant(n.path("started")), instant(n.path("at")), n.path("windows").asLong(),
                    n.path("messages").asLong(), n.path("failures").asLong(), n.path("deadLettered").asLong(),
                    n.path("inFlight").asInt());
        }

        private static Instant instant(JsonNode n) {
            try {
                return n.isTextual() ? Instant.parse(n.asText()) : null;
            } catch (RuntimeException e) {
                return null;
            }
        }
    }

    /**
     * Starts publishing for {@code consumer} on a daemon thread, every {@link #INTERVAL}; close the
     * publisher when the consumer stops (it then publishes a last {@code stopped} heartbeat).
     */
    public static Publisher start(Minibatch mb, ConsumerHandle consumer, String command, String emitter, boolean keep) {
        return new Publisher(mb, consumer, command, emitter, keep);
    }

    /**
     * Heartbeats created at or after {@code since}, oldest first; empty when none was ever
     * published. Reads only: never creates the heartbeat stream.
     */
    public static List<Heartbeat> read(StreamStore store, Instant since) {
        List<Heartbeat> out = new ArrayList<>();
        for (Message m : store.read(STREAM, Selection.pending().createdFrom(since), null)) {
            if (m.data().isObject() && m.data().hasNonNull("consumer")) {
                out.add(Heartbeat.parse(m.data()));
            }
        }
        return out;
    }

    /** Publishes one consumer's heartbeats until closed. Thread-safe; close is idempotent. */
    public static final class Publisher implements AutoCloseable {
        private final ConsumerHandle consumer;
        private final Stream stream;
        private final ObjectNode identity;
        private final ScheduledExecutorService timer;
        private volatile boolean closed;

        private Publisher(Minibatch mb, ConsumerHandle consumer, String command, String emitter, boolean keep) {
            this.consumer = consumer;
            // maxAge: this handle expires old heartbeats in the background while it is open
            this.stream = mb.stream(STREAM, StreamOptions.defaults().maxAge(RETENTION));
            String owner = mb.ownerId();
            identity = JsonOutput.mapper().createObjectNode();
            identity.put("consumer", owner + ":" + consumer.stream() + "#" + SEQUENCE.incrementAndGet());
            identity.put("stream", consumer.stream());
            identity.put("host", owner.substring(0, Math.max(0, owner.indexOf(':'))));
            identity.put("pid", ProcessHandle.current().pid());
            identity.put("command", command);
            identity.put("emitter", emitter);
            identity.put("keep", keep);
            identity.put("started", Instant.now().toString());
            timer = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "minibatch-heartbeat-" + consumer.stream());
                t.setDaemon(true);
                return t;
            });
            timer.scheduleAtFixedRate(() -> publish("running"), 0, INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
        }

        private void publish(String state) {
            try {
                ConsumerStats stats = consumer.stats();
                ObjectNode beat = identity.deepCopy();
                beat.put("state", consumer.isRunning() || "stopped".equals(state) ? state : "stopped");
                beat.put("at", Instant.now().toString());
                beat.put("windows", stats.windows());
                beat.put("messages", stats.messages());
                beat.put("failures", stats.failures());
                beat.put("deadLettered", stats.deadLettered());
                beat.put("inFlight", stats.inFlight());
                stream.append(beat);
            } catch (RuntimeException e) {
                // a status aid: the consumer must not suffer when the store hiccups or is closing
                LOG.debug("heartbeat of the consumer of '{}' not published: {}", consumer.stream(), e.toString());
            }
        }

        /** Stops publishing, after a last heartbeat saying the consumer stopped. */
        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            timer.shutdownNow();
            try {
                timer.awaitTermination(2, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            publish("stopped");
            try {
                stream.close();
            } catch (RuntimeException e) {
                LOG.debug("closing the heartbeat stream handle failed: {}", e.toString());
            }
        }
    }
}
