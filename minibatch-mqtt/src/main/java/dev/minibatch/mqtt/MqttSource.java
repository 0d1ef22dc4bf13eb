package dev.minibatch.mqtt;

import dev.minibatch.spi.connector.StreamWriter;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.minibatch.model.ConfigurationException;
import dev.minibatch.model.InvalidMessageException;
import dev.minibatch.model.StoreException;
import dev.minibatch.spi.Options;
import dev.minibatch.spi.connector.Source;
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
 * {@code maxReconnectDelay}; with a clean session the subscription is renewed, and so is one whose
 * SUBSCRIBE was lost with the connection before the broker confirmed it. Retained messages
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
 * {@link #stream(StreamWriter)} connects, subscribes and appends on the calling (attachment) thread until
 * {@link #cancel()}; Paho's threads only hand messages over through a bounded queue, and the
 * reconnect thread only flags that a new SUBSCRIBE is needed. One instance
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
    /** A SUBSCRIBE must be sent on the current connection (first connect, or a reconnect that lost it). */
    private volatile boolean subscribeNeeded;
    /** The SUBSCRIBE sent and not yet answered, and when it was sent; attachment thread only. */
    private IMqttToken pendingSubscribe;
    private long pendingSince;

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
    public void stream(StreamWriter stream) throws Exception {
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
                // runs on the reconnect thread: the attachment thread sends the SUBSCRIBE. Without a
                // session the broker forgot the subscription; with one it kept it, unless it was
                // never confirmed (then subscribeNeeded is already set).
                if (!sessionPresent) {
                    subscribed = false;
                    subscribeNeeded = true;
                }
            }
        }, true);
        current = connection;
        try {
            connection.connect();
            subscribed = false;
            subscribeNeeded = true;
            pendingSubscribe = null;
            List<Arrival> batch = new ArrayList<>(batchSize);
            while (!cancelled) {
                maintainSubscription(connection, stream);
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
            pendingSubscribe = null;
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

    /**
     * Sends the SUBSCRIBE when one is needed and checks its answer, without blocking: meanwhile this
     * thread keeps appending what arrives (a persistent session's backlog may come before the
     * SUBACK, and a full queue would otherwise hold up Paho's thread that reads the SUBACK). A
     * SUBSCRIBE lost with the connection (a broker under load drops clients now and then) is sent
     * again once the reconnect loop is back, as a real client does; only a refusal ends the source.
     */
    private void maintainSubscription(MqttConnection connection, StreamWriter stream) {
        IMqttToken pending = pendingSubscribe;
        if (pending != null) {
            // Paho marks a request lost with its connection by setting its exception, without
            // completing it: look at the exception first
            MqttException failure = pending.getException();
            if (failure == null && !pending.isComplete()) {
                if (System.nanoTime() - pendingSince > settings.connectTimeout.toNanos() && connection.isConnected()) {
                    // no SUBACK within connectTimeout on a live connection: ask again (SUBSCRIBE is idempotent)
                    LOG.warn("{}: no answer to subscribing to '{}' within connectTimeout {} ms; subscribing again",
                            settings.describe(), topicFilter, settings.connectTimeout.toMillis());
                    pendingSubscribe = null;
                    subscribeNeeded = true;
                }
                return;
            }
            pendingSubscribe = null;
            if (failure != null) {
                LOG.info("{}: subscribing to '{}' did not complete ({}); subscribing again once reconnected",
                        settings.describe(), topicFilter, connection.explain(failure));
                subscribeNeeded = true;
                return;
            }
            checkGranted(pending.getGrantedQos());
            subscribed = true;
            LOG.info("{} subscribed to '{}' at QoS {}, appending to stream '{}'", settings.describe(), topicFilter,
                    settings.qos, stream.name());
            return;
        }
        if (subscribeNeeded && connection.isConnected()) {
            subscribeNeeded = false;
            try {
                pendingSubscribe = connection.client().subscribe(topicFilter, settings.qos);
                pendingSince = System.nanoTime();
            } catch (MqttException e) {
                // the connection dropped between the check and the call: the next round tries again
                LOG.debug("{}: subscribing to '{}' failed ({}); trying again once reconnected", settings.describe(),
                        topicFilter, connection.explain(e));
                subscribeNeeded = true;
            }
        }
    }

    private void checkGranted(int[] granted) {
        if (granted != null && granted.length > 0 && granted[0] == 0x80) {
            throw new MqttConnectionException(settings.describe() + ": the broker refused the subscription to '"
                    + topicFilter + "' (not allowed for this user?)");
        }
        if (granted != null && granted.length > 0 && granted[0] < settings.qos) {
            LOG.warn("{}: the broker granted QoS {} for '{}' instead of {}", settings.describe(), granted[0],
                    topicFilter, settings.qos);
        }
    }

    /** Appends a batch (retrying a failing store), then acknowledges it in arrival order. */
    private void deliver(StreamWriter stream, List<Arrival> batch, MqttConnection connection) throws InterruptedException {
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

    private void deadLetter(StreamWriter stream, Arrival arrival, ObjectNode value, InvalidMessageException reason)
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

    private void withStoreRetry(StreamWriter stream, int count, Runnable append) throws InterruptedException {
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
