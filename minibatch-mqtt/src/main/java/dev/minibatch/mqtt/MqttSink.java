package dev.minibatch.mqtt;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.minibatch.model.ConfigurationException;
import dev.minibatch.model.InvalidMessageException;
import dev.minibatch.spi.Options;
import dev.minibatch.spi.connector.Sink;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes window results to an MQTT broker as JSON (Python minibatch's {@code MQTTSink}, but with
 * one lasting connection instead of one per put, and QoS 1 by default instead of 0).
 *
 * <pre>{@code
 * mb.streaming("readings").size(100)
 *   .map(window -> averagesPerSensor(window))                  // a list of {id, avg}
 *   .sink(new MqttSink("tcp://localhost:1883", "sensors/{id}/avg"))
 *   .start();
 * }</pre>
 *
 * <p><b>What is published.</b> Each value is encoded as JSON (a {@code byte[]} is sent as it is).
 * With {@code expand=true} (the default) a list result — such as a window's data — is published
 * element by element, so each message can go to its own topic; {@code expand=false} publishes the
 * whole result as one JSON document, as Python does. The topic may hold {@code {field}}
 * placeholders filled from each message ({@code sensors/{id}/avg}, nested {@code {site.name}}); a
 * message lacking the field fails the window with an {@link InvalidMessageException}, so it is
 * retried and finally dead-lettered rather than published to a wrong topic.
 *
 * <p><b>Delivery.</b> Publishes are pipelined (at most {@code maxInflight} unacknowledged: 1000 by
 * default, 20 at QoS 2 because brokers such as mosquitto silently drop QoS 2 publishes beyond their
 * own in-flight limit — raise it only together with the broker's {@code max_inflight_messages});
 * {@link #flush()} — which the consumer calls before committing a window — returns only when the
 * broker acknowledged every message put so far (QoS 1/2). A publish lost with the connection is
 * sent again after the reconnect, within {@code publishTimeout}; after that {@code flush} throws
 * and the consumer retries the window. Subscribers may therefore see a message twice, never zero
 * times (QoS 0 excepted, which MQTT does not acknowledge).
 *
 * <p><b>Lifecycle and threading.</b> The constructor connects (failing within
 * {@code connectTimeout} with an {@link MqttConnectionException} that names the broker);
 * {@link #close()} flushes briefly and disconnects. Thread-safe: calls are serialised, so windows
 * of a multi-worker consumer are published one call at a time; {@code flush} waits for all puts so
 * far, whichever thread made them. The connection is re-established in the background after a loss.
 */
public final class MqttSink implements Sink {

    private static final Logger LOG = LoggerFactory.getLogger(MqttSink.class);

    private final MqttSettings settings;
    private final TopicTemplate topic;
    private final boolean retained;
    private final boolean expand;
    private final int maxInflight;
    private final Duration publishTimeout;
    private final MqttConnection connection;
    private final ArrayDeque<Pending> pending = new ArrayDeque<>();
    private long published;
    private boolean closed;

    /** One published message until the broker acknowledged it; resent if its connection is lost. */
    private static final class Pending {
        final String topic;
        final byte[] payload;
        IMqttDeliveryToken token;

        Pending(String topic, byte[] payload) {
            this.topic = topic;
            this.payload = payload;
        }
    }

    /** A sink with default options (QoS 1, not retained, expand lists), connected at once. */
    public MqttSink(String brokerUrl, String topic) {
        this(brokerUrl, topic, Map.of());
    }

    /**
     * A sink with options named as in {@link MqttOptions} (e.g. {@code qos}, {@code retained},
     * {@code username}, {@code password}, {@code tls.caFile}), connected at once.
     *
     * @throws ConfigurationException  naming a bad option
     * @throws MqttConnectionException if the broker cannot be reached or refuses the connection
     */
    public MqttSink(String brokerUrl, String topic, Map<String, ?> options) {
        this(MqttSettings.validate("MQTT sink", MqttOptions.sink(), brokerUrl, topic, options));
    }

    /** A sink from options already validated against {@link MqttOptions#sink()} (the provider's path). */
    public MqttSink(Options options) {
        this.settings = MqttSettings.forSink(options);
        this.topic = new TopicTemplate(settings.topic, settings.describe());
        this.retained = options.getBoolean(MqttOptions.RETAINED, false);
        this.expand = options.getBoolean(MqttOptions.EXPAND, true);
        // mosquitto (max_inflight_messages, default 20) and EMQX (max_awaiting_rel) complete the QoS 2
        // handshake for publishes beyond their in-flight limit but drop the message: stay below it
        this.maxInflight = options.getInt(MqttOptions.MAX_INFLIGHT, settings.qos == 2 ? 20 : 1000);
        if (maxInflight < 1 || maxInflight > 65535) {
            throw new ConfigurationException(settings.describe() + ": option 'maxInflight' must be 1 to 65535, was " + maxInflight);
        }
        Duration timeout = options.getDuration(MqttOptions.PUBLISH_TIMEOUT);
        this.publishTimeout = timeout == null ? Duration.ofSeconds(30) : timeout;
        this.connection = new MqttConnection(settings, (t, m) -> { }, false);
        connection.connect();
    }

    /**
     * Publishes a value, or each element of a list when {@code expand} is on. Waits (up to
     * {@code publishTimeout}) while {@code maxInflight} publishes are unacknowledged or the
     * connection is down; a value it throws for was not accepted.
     */
    @Override
    public synchronized void put(Object message) throws InterruptedException {
        if (closed) {
            throw new IllegalStateException(this + " is closed");
        }
        long deadline = System.nanoTime() + publishTimeout.toNanos();
        List<Object> values = new ArrayList<>();
        if (expand && message instanceof JsonNode node && node.isArray()) {
            node.forEach(values::add);
        } else if (expand && !(message instanceof JsonNode) && message instanceof Iterable<?> elements) {
            elements.forEach(values::add);
        } else if (expand && message instanceof Object[] elements) {
            values.addAll(Arrays.asList(elements));
        } else {
            values.add(message);
        }
        // encode and address everything first: a bad element fails the put before anything is sent
        List<Pending> encoded = new ArrayList<>(values.size());
        for (Object value : values) {
            encoded.add(encode(value));
        }
        for (Pending p : encoded) {
            while (pending.size() >= maxInflight) {
                awaitDelivered(pending.peekFirst(), deadline);
                pending.pollFirst();
            }
            send(p, deadline);
            pending.addLast(p);
            published++;
        }
    }

    private Pending encode(Object value) {
        if (value == null) {
            throw new InvalidMessageException(settings.describe() + ": cannot publish null");
        }
        if (value instanceof byte[] raw) {
            if (topic.hasPlaceholders()) {
                throw new InvalidMessageException(settings.describe() + ": topic template '" + topic
                        + "' needs JSON messages, got raw bytes");
            }
            return new Pending(topic.resolve(null), raw);
        }
        JsonNode node;
        byte[] payload;
        try {
            node = value instanceof JsonNode n ? n : MqttMessages.MAPPER.valueToTree(value);
            payload = MqttMessages.MAPPER.writeValueAsBytes(node);
        } catch (IllegalArgumentException | JsonProcessingException e) {
            throw new InvalidMessageException(settings.describe() + ": value of type " + value.getClass().getName()
                    + " is not JSON-serialisable: " + e.getMessage(), e);
        }
        return new Pending(topic.resolve(node), payload);
    }

    /** Publishes once, waiting for a reconnect if the connection is down. */
    private void send(Pending p, long deadline) throws InterruptedException {
        MqttException last = null;
        while (true) {
            try {
                p.token = connection.client().publish(p.topic, p.payload, settings.qos, retained);
                return;
            } catch (MqttException e) {
                last = e;
                if (e.getReasonCode() == MqttException.REASON_CODE_MAX_INFLIGHT) {
                    if (System.nanoTime() > deadline) {
                        throw timeout("Paho's in-flight window stayed full", e);
                    }
                    if (!pending.isEmpty() && pending.peekFirst() != p) {
                        awaitDelivered(pending.peekFirst(), deadline);
                        pending.pollFirst();
                    } else {
                        Thread.sleep(10);
                    }
                    continue;
                }
                if (!isConnectionProblem(e)) {
                    throw new MqttConnectionException(settings.describe() + ": publishing to '" + p.topic + "' failed: "
                            + connection.explain(e), e);
                }
            }
            if (!connection.awaitConnected(deadline)) {
                throw new MqttConnectionException(settings.describe() + ": could not publish to '" + p.topic
                        + "' within publishTimeout " + publishTimeout.toMillis() + " ms: the connection is down"
                        + (connection.lastErrorText() == null ? "" : " (" + connection.lastErrorText() + ")"), last);
            }
        }
    }

    private static boolean isConnectionProblem(MqttException e) {
        return switch (e.getReasonCode()) {
            case MqttException.REASON_CODE_CLIENT_NOT_CONNECTED, MqttException.REASON_CODE_CONNECTION_LOST,
                    MqttException.REASON_CODE_CLIENT_DISCONNECTING, MqttException.REASON_CODE_CONNECT_IN_PROGRESS,
                    MqttException.REASON_CODE_WRITE_TIMEOUT, MqttException.REASON_CODE_MAX_INFLIGHT,
                    MqttException.REASON_CODE_NO_MESSAGE_IDS_AVAILABLE, MqttException.REASON_CODE_CLIENT_EXCEPTION -> true;
            default -> false;
        };
    }

    /** Waits until the broker acknowledged {@code p}, publishing it again if its connection was lost. */
    private void awaitDelivered(Pending p, long deadline) throws InterruptedException {
        while (true) {
            if (p.token == null) {
                send(p, deadline);
            }
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (left <= 0) {
                throw timeout("not acknowledged in time", null);
            }
            try {
                p.token.waitForCompletion(left);
                return;
            } catch (MqttException e) {
                if (e.getReasonCode() == MqttException.REASON_CODE_CLIENT_TIMEOUT) {
                    p.token = null; // Paho marks a timed-out token failed; a later flush sends it again
                    throw timeout("not acknowledged in time", e);
                }
                if (!isConnectionProblem(e)) {
                    throw new MqttConnectionException(settings.describe() + ": the broker did not accept a message to '"
                            + p.topic + "': " + connection.explain(e), e);
                }
                LOG.debug("{}: publish to '{}' lost with the connection ({}); sending it again", settings.describe(),
                        p.topic, e.getMessage());
                p.token = null; // the next round publishes it again once connected
            }
        }
    }

    private MqttConnectionException timeout(String why, Throwable cause) {
        return new MqttConnectionException(settings.describe() + ": " + pending.size()
                + " published message(s) not acknowledged within publishTimeout " + publishTimeout.toMillis()
                + " ms: " + why + "; they are sent again on the next flush", cause);
    }

    /**
     * Returns when the broker acknowledged everything put so far, re-sending what a lost connection
     * took, for at most {@code publishTimeout}.
     *
     * @throws MqttConnectionException if that does not happen in time (nothing is dropped: the
     *                                 unacknowledged messages stay queued for the next flush)
     */
    @Override
    public synchronized void flush() throws InterruptedException {
        long deadline = System.nanoTime() + publishTimeout.toNanos();
        while (!pending.isEmpty()) {
            awaitDelivered(pending.peekFirst(), deadline);
            pending.pollFirst();
        }
    }

    /** Messages published and not yet acknowledged. */
    public synchronized int unacknowledged() {
        return pending.size();
    }

    /** Messages published by this sink so far (sent again after a connection loss counts once). */
    public synchronized long published() {
        return published;
    }

    /** Whether the connection to the broker is up right now. */
    public boolean isConnected() {
        return connection.isConnected();
    }

    /** Flushes for up to 5 s (less if {@code publishTimeout} is shorter), then disconnects. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            long deadline = System.nanoTime() + Math.min(publishTimeout.toNanos(), TimeUnit.SECONDS.toNanos(5));
            while (!pending.isEmpty()) {
                awaitDelivered(pending.peekFirst(), deadline);
                pending.pollFirst();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.warn("{}: closing with {} unacknowledged message(s): {}", settings.describe(), pending.size(), e.getMessage());
        } finally {
            connection.close();
        }
    }

    @Override
    public String toString() {
        return "MqttSink[" + settings.brokerUrl + " '" + topic + "' qos " + settings.qos
                + (retained ? " retained" : "") + ", client id '" + settings.clientId + "']";
    }
}
