package dev.minibatch.mqtt;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.minibatch.ConfigurationException;
import dev.minibatch.InvalidMessageException;
import dev.minibatch.StoreException;
import dev.minibatch.Stream;
import dev.minibatch.spi.Options;
import dev.minibatch.spi.Source;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.client.mqttv3.IMqttToken;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.MqttTopic;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Subscribes to an MQTT topic filter and appends every message to the stream it is attached to
 * (Python minibatch's {@code MQTTSource}, with QoS, persistent sessions, reconnects, credentials and
 * TLS). Messages have the shape described in {@link MqttMessages}: by default
 * {@code {topic, payload, qos, retain}}.
 *
 * <pre>{@code
 * stream.attach(new MqttSource("tcp://localhost:1883", "sensors/+/temp",
 *         Map.of("qos", 1, "clientId", "plant-7-ingest")));   // persistent session
 * }</pre>
 *
 * <p><b>Delivery.</b> Acknowledgements are manual: a QoS 1 or 2 message is acknowledged to the
 * broker only after {@code stream.appendAll} (and {@code flush}) returned for it, so a crash or a
 * failing store never loses an acknowledged message; the broker redelivers the rest. Into the stream
 * this is at-least-once: a message appended just before a crash, but not yet acknowledged, is
 * appended again when redelivered. QoS 0 messages are appended as they come and can be lost with
 * the connection, as MQTT defines.
 *
 * <p><b>Sessions.</b> Giving a {@code clientId} makes the session persistent (clean session false)
 * unless {@code cleanSession=true}: the broker then keeps the subscription and queues QoS 1/2
 * messages published while the source is down, and delivers them when a source with that id
 * returns. Without a {@code clientId} the id is random and the session clean, as in Python; then
 * messages published while the source is down are not kept. Two sources must never share a
 * client id (the broker disconnects the older one).
 *
 * <p><b>Reconnects.</b> The first connect fails fast with an {@link MqttConnectionException}
 * (wrong credentials, unreachable broker, TLS failure) within {@code connectTimeout}; the
 * attachment reports it. A connection lost later is re-established with backoff up to
 * {@code maxReconnectDelay}; with a clean session the subscription is renewed. Retained messages
 * are delivered on every subscribe (with {@code retain: true}), so a restart appends them again.
 *
 * <p><b>QoS 2.</b> Paho acknowledges the first half of the QoS 2 handshake (PUBREC) itself and keeps
 * the message in its client persistence until we complete it. That persistence is in memory unless
 * {@code persistenceDir} is set; only with a folder does a QoS 2 message survive a crash of this
 * JVM between PUBREC and the append. Either way delivery into the stream is at-least-once, like QoS 1.
 *
 * <p><b>Bad input and failures.</b> A message the stream rejects (e.g. larger than the stream's
 * size limit) goes to the dead-letter stream with the reason and is acknowledged. If the store
 * fails, the append is retried with backoff for {@code appendTimeout}; after that the source stops
 * with a {@link StoreException}, leaving the messages unacknowledged for the broker to redeliver.
 *
 * <p><b>Lifecycle and threading.</b> Construction validates options and opens nothing;
 * {@link #stream(Stream)} connects, subscribes and appends on the calling (attachment) thread until
 * {@link #cancel()}; Paho's threads only hand messages over through a bounded queue. One instance
 * runs one {@code stream} call at a time and is done once cancelled; to resume a persistent session,
 * attach a new source with the same {@code clientId}. All threads are daemon threads.
 */
public final class MqttSource implements Source {

    private static final Logger LOG = LoggerFactory.getLogger(MqttSource.class);
    private static final int QUEUE_CAPACITY = 10_000;

    private final MqttSettings settings;
    private final String topicFilter;
    private final MqttMessages.Format format;
    private final String topicField;
    private final int batchSize;
    private final Duration appendTimeout;
    private final BlockingQueue<Arrival> queue = new ArrayBlockingQueue<>(QUEUE_CAPACITY);
    private volatile boolean cancelled;
    private volatile boolean running;
    private volatile MqttConnection current;
    private volatile boolean subscribed;

    private record Arrival(String topic, MqttMessage message) {
    }

    /** A source with default options: QoS 1, random client id, clean session. */
    public MqttSource(String brokerUrl, String topicFilter) {
        this(brokerUrl, topicFilter, Map.of());
    }

    /**
     * A source with options named as in {@link MqttOptions} (e.g. {@code qos}, {@code clientId},
     * {@code username}, {@code password}, {@code tls.caFile}); validated here.
     *
     * @throws ConfigurationException naming the bad option
     */
    public MqttSource(String brokerUrl, String topicFilter, Map<String, ?> options) {
        this(MqttSettings.validate("MQTT source", MqttOptions.source(), brokerUrl, topicFilter, options));
    }

    /** A source from options already validated against {@link MqttOptions#source()} (the provider's path). */
    public MqttSource(Options options) {
        this.settings = MqttSettings.forSource(options);
        this.topicFilter = settings.topic;
        try {
            MqttTopic.validate(topicFilter, true);
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException(settings.role + " " + settings.brokerUrl + ": topic filter '"
                    + topicFilter + "' is invalid: " + e.getMessage());
        }
        String formatName = options.getString(MqttOptions.FORMAT, "envelope").toUpperCase(Locale.ROOT);
        try {
            this.format = MqttMessages.Format.valueOf(formatName);
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException(settings.role + " " + settings.brokerUrl + ": option 'format' must be "
                    + "'envelope' or 'payload', was '" + options.getString(MqttOptions.FORMAT) + "'");
        }
        this.topicField = options.getString(MqttOptions.TOPIC_FIELD, MqttMessages.TOPIC);
        this.batchSize = options.getInt(MqttOptions.BATCH_SIZE, 500);
        if (batchSize < 1) {
            throw new ConfigurationException(settings.role + " " + settings.brokerUrl + ": option 'batchSize' must be at least 1");
        }
        Duration timeout = options.getDuration(MqttOptions.APPEND_TIMEOUT);
        this.appendTimeout = timeout == null ? Duration.ofSeconds(30) : timeout;
    }

    /** The client id, e.g. to start a later source on the same persistent session. */
    public String clientId() {
        return settings.clientId;
    }

    /** Whether the broker keeps this source's session while it is away. */
    public boolean persistentSession() {
        return !settings.cleanSession;
    }

    @Override
    public void stream(Stream stream) throws Exception {
        if (running) {
            throw new IllegalStateException(this + " is already running; create one source per attachment");
        }
        if (cancelled) {
            return; // cancelled before it started (e.g. attach then stop at once): nothing to do
        }
        running = true;
        queue.clear();
        MqttConnection connection = new MqttConnection(settings, new MqttConnection.Listener() {
            @Override
            public void messageArrived(String topic, MqttMessage message) {
                enqueue(topic, message);
            }

            @Override
            public void reconnected(boolean sessionPresent) {
                if (!sessionPresent) {
                    resubscribe();
                }
            }

            private void resubscribe() {
                // runs on the reconnect thread; the connection object is known by then
                MqttConnection c = current;
                if (c != null) {
                    try {
                        subscribe(c);
                    } catch (RuntimeException e) {
                        LOG.error("{}: renewing the subscription to '{}' after a reconnect failed", settings.describe(),
                                topicFilter, e);
                    }
                }
            }
        }, true);
        current = connection;
        try {
            connection.connect();
            subscribe(connection);
            subscribed = true;
            LOG.info("{} subscribed to '{}' at QoS {}, appending to stream '{}'", settings.describe(), topicFilter,
                    settings.qos, stream.name());
            List<Arrival> batch = new ArrayList<>(batchSize);
            while (!cancelled) {
                Arrival first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, batchSize - 1);
                deliver(stream, batch, connection);
                batch.clear();
            }
            // messages already handed over are appended and acknowledged; later ones stay with the broker
            queue.drainTo(batch);
            if (!batch.isEmpty()) {
                deliver(stream, batch, connection);
            }
        } finally {
            subscribed = false;
            current = null;
            connection.close();
            queue.clear();
            running = false;
        }
    }

    private void enqueue(String topic, MqttMessage message) {
        Arrival arrival = new Arrival(topic, message);
        try {
            // blocking here slows Paho's reader: back-pressure instead of unbounded memory
            while (!cancelled) {
                if (queue.offer(arrival, 100, TimeUnit.MILLISECONDS)) {
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        // not handed over and not acknowledged: the broker redelivers it to the next session
    }

    private void subscribe(MqttConnection connection) {
        try {
            IMqttToken token = connection.client().subscribe(topicFilter, settings.qos);
            token.waitForCompletion(settings.connectTimeout.toMillis());
            int[] granted = token.getGrantedQos();
            if (granted != null && granted.length > 0 && granted[0] == 0x80) {
                throw new MqttConnectionException(settings.describe() + ": the broker refused the subscription to '"
                        + topicFilter + "' (not allowed for this user?)");
            }
            if (granted != null && granted.length > 0 && granted[0] < settings.qos) {
                LOG.warn("{}: the broker granted QoS {} for '{}' instead of {}", settings.describe(), granted[0],
                        topicFilter, settings.qos);
            }
        } catch (MqttException e) {
            throw new MqttConnectionException(settings.describe() + ": subscribing to '" + topicFilter + "' failed: "
                    + connection.explain(e), e);
        }
    }

    /** Appends a batch (retrying a failing store), then acknowledges it in arrival order. */
    private void deliver(Stream stream, List<Arrival> batch, MqttConnection connection) throws InterruptedException {
        List<ObjectNode> values = new ArrayList<>(batch.size());
        for (Arrival a : batch) {
            values.add(MqttMessages.toStreamMessage(a.topic(), a.message().getPayload(), a.message().getQos(),
                    a.message().isRetained(), format, topicField));
        }
        try {
            withStoreRetry(stream, batch.size(), () -> {
                stream.appendAll(values);
                stream.flush();
            });
        } catch (InvalidMessageException e) {
            // one bad value fails the whole batch: append one by one and dead-letter the bad ones
            for (int i = 0; i < values.size(); i++) {
                ObjectNode value = values.get(i);
                try {
                    withStoreRetry(stream, 1, () -> {
                        stream.append(value);
                        stream.flush();
                    });
                } catch (InvalidMessageException bad) {
                    deadLetter(stream, batch.get(i), value, bad);
                }
            }
        }
        for (Arrival a : batch) {
            acknowledge(connection, a.message());
        }
    }

    private void deadLetter(Stream stream, Arrival arrival, ObjectNode value, InvalidMessageException reason)
            throws InterruptedException {
        LOG.warn("{}: message on '{}' rejected by stream '{}', dead-lettered: {}", settings.describe(),
                arrival.topic(), stream.name(), reason.getMessage());
        withStoreRetry(stream, 1, () -> {
            try {
                stream.deadLetter(value, reason.getMessage());
            } catch (InvalidMessageException tooBig) {
                // the value itself cannot be stored: keep a record of it without the payload
                Map<String, Object> summary = new LinkedHashMap<>();
                summary.put(MqttMessages.TOPIC, arrival.topic());
                summary.put(MqttMessages.QOS, arrival.message().getQos());
                summary.put(MqttMessages.RETAIN, arrival.message().isRetained());
                summary.put("payloadBytes", arrival.message().getPayload().length);
                stream.deadLetter(summary, reason.getMessage() + " (payload left out)");
            }
        });
    }

    private void acknowledge(MqttConnection connection, MqttMessage message) {
        if (message.getQos() == 0) {
            return;
        }
        try {
            connection.client().messageArrivedComplete(message.getId(), message.getQos());
        } catch (MqttException | RuntimeException e) {
            // the connection dropped after the append: the broker redelivers it (a duplicate, never a loss)
            LOG.debug("{}: acknowledging message {} failed ({}); the broker will redeliver it", settings.describe(),
                    message.getId(), e.getMessage());
        }
    }

    private void withStoreRetry(Stream stream, int count, Runnable append) throws InterruptedException {
        long deadline = System.nanoTime() + appendTimeout.toNanos();
        long pauseMs = 50;
        int attempt = 0;
        while (true) {
            try {
                append.run();
                if (attempt > 0) {
                    LOG.info("{}: stream '{}' accepts appends again", settings.describe(), stream.name());
                }
                return;
            } catch (InvalidMessageException e) {
                throw e;
            } catch (RuntimeException e) {
                attempt++;
                if (cancelled || System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(pauseMs) > deadline) {
                    throw new StoreException(settings.describe() + ": appending " + count + " message(s) to stream '"
                            + stream.name() + "' failed for " + appendTimeout.toMillis() + " ms (appendTimeout); "
                            + (persistentSession() ? "they were not acknowledged, and the broker redelivers them to "
                            + "the next source with client id '" + settings.clientId + "'"
                            : "they were not acknowledged, but with a clean session the broker does not keep them")
                            + ": " + e.getMessage(), e);
                }
                if (attempt == 1) {
                    LOG.warn("{}: appending to stream '{}' failed ({}); retrying for up to {} ms", settings.describe(),
                            stream.name(), e.getMessage(), appendTimeout.toMillis());
                }
                Thread.sleep(pauseMs);
                pauseMs = Math.min(pauseMs * 2, 2_000);
            }
        }
    }

    /**
     * Whether the subscription is in place and the connection up right now: messages published
     * from now on reach this source (and, with a persistent session, also while it is away).
     */
    public boolean isSubscribed() {
        MqttConnection c = current;
        return subscribed && c != null && c.isConnected();
    }

    /** Stops after appending and acknowledging what was already received. */
    @Override
    public void cancel() {
        cancelled = true;
    }

    @Override
    public String toString() {
        return "MqttSource[" + settings.brokerUrl + " '" + topicFilter + "' qos " + settings.qos + ", client id '"
                + settings.clientId + "']";
    }
}
