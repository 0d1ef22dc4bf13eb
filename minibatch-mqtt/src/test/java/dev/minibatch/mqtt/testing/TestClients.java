package dev.minibatch.mqtt.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import java.util.function.IntFunction;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

/** Plain Paho clients the tests publish and subscribe with, independent of the code under test. */
public final class TestClients {

    public static final ObjectMapper JSON = new ObjectMapper();

    private TestClients() {
    }

    private static MqttAsyncClient connect(String url, String prefix) throws MqttException {
        MqttAsyncClient client = new MqttAsyncClient(url, prefix + "-" + UUID.randomUUID().toString().substring(0, 8),
                new MemoryPersistence());
        MqttConnectOptions options = new MqttConnectOptions();
        options.setCleanSession(true);
        options.setMaxInflight(1000);
        options.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
        client.connect(options).waitForCompletion(10_000);
        return client;
    }

    /**
     * Publishes {@code count} messages, pipelined (at most 500 unacknowledged), and returns when the
     * broker acknowledged all of them.
     */
    public static void publish(String url, int count, int qos, IntFunction<String> topic, IntFunction<byte[]> payload)
            throws MqttException {
        publish(url, count, qos, topic, payload, 500);
    }

    /**
     * As above with at most {@code window} unacknowledged publishes. Like a real device, the
     * publisher reconnects when the broker drops its connection (moquette does, now and then, under
     * load) and sends again from the oldest unacknowledged message; the subscriber counts distinct
     * messages, so the repeats QoS 1 allows do not matter.
     */
    public static void publish(String url, int count, int qos, IntFunction<String> topic, IntFunction<byte[]> payload,
                               int window) throws MqttException {
        int next = 0;
        int reconnects = 0;
        while (true) {
            MqttAsyncClient client = connect(url, "test-pub");
            ArrayDeque<Object[]> inFlight = new ArrayDeque<>(); // {index, token}
            try {
                while (next < count || !inFlight.isEmpty()) {
                    if (next < count && inFlight.size() < window) {
                        inFlight.add(new Object[] {next, publishOne(client, topic.apply(next), payload.apply(next), qos)});
                        next++;
                    } else {
                        awaitAck(client, inFlight.peek(), qos, topic, payload);
                        inFlight.poll();
                    }
                }
                return;
            } catch (MqttException e) {
                boolean lost = e.getReasonCode() == MqttException.REASON_CODE_CONNECTION_LOST
                        || e.getReasonCode() == MqttException.REASON_CODE_CLIENT_NOT_CONNECTED;
                if (!lost || ++reconnects > 5) {
                    throw e;
                }
                if (!inFlight.isEmpty()) {
                    next = (Integer) inFlight.peek()[0];
                }
            } finally {
                closeQuietly(client); // everything was acknowledged (or we reconnect); the goodbye does not matter
            }
        }
    }

    /** Waits for one acknowledgement; a publisher that hears nothing for 10 s sends again, as real ones do. */
    private static void awaitAck(MqttAsyncClient client, Object[] entry, int qos, IntFunction<String> topic,
                                 IntFunction<byte[]> payload) throws MqttException {
        int i = (Integer) entry[0];
        IMqttDeliveryToken token = (IMqttDeliveryToken) entry[1];
        for (int attempt = 1; ; attempt++) {
            try {
                token.waitForCompletion(10_000);
                return;
            } catch (MqttException e) {
                if (e.getReasonCode() != MqttException.REASON_CODE_CLIENT_TIMEOUT || attempt == 3) {
                    throw e;
                }
                token = publishOne(client, topic.apply(i), payload.apply(i), qos);
            }
        }
    }

    /**
     * Paho completes a delivery token before it lowers its in-flight count, so a fast publisher can
     * see "too many publishes in progress" (32202) with fewer tokens open than the limit: retry.
     */
    private static IMqttDeliveryToken publishOne(MqttAsyncClient client, String topic, byte[] payload, int qos)
            throws MqttException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (true) {
            try {
                return client.publish(topic, payload, qos, false);
            } catch (MqttException e) {
                if (e.getReasonCode() != MqttException.REASON_CODE_MAX_INFLIGHT || System.nanoTime() > deadline) {
                    throw e;
                }
                try {
                    Thread.sleep(5);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    private static void closeQuietly(MqttAsyncClient client) {
        try {
            if (client.isConnected()) {
                client.disconnect(0).waitForCompletion(2_000);
            }
        } catch (MqttException e) {
            // forced below
        }
        try {
            if (client.isConnected()) {
                client.disconnectForcibly(0, 100, false);
            }
            client.close(true);
        } catch (MqttException e) {
            // closing after a failure: the failure is what the test reports
        }
    }

    /** JSON bytes of {@code {"seq": i, "sensor": "s<i%10>", "value": i*0.5}}. */
    public static byte[] reading(int i) {
        return ("{\"seq\":" + i + ",\"sensor\":\"s" + (i % 10) + "\",\"value\":" + (i * 0.5) + "}")
                .getBytes(StandardCharsets.UTF_8);
    }

    /** Polls until the condition holds or fails with the description after the timeout. */
    public static void await(Duration timeout, BooleanSupplier condition, java.util.function.Supplier<String> describe)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout.toMillis() + " ms: " + describe.get());
            }
            Thread.sleep(20);
        }
    }

    /** A subscriber that records every message it receives (acknowledged by Paho automatically). */
    public static final class Collector implements AutoCloseable {
        private final MqttAsyncClient client;
        private final List<Received> received = new CopyOnWriteArrayList<>();
        private final ConcurrentHashMap<String, Boolean> distinct = new ConcurrentHashMap<>();
        private volatile boolean closed;

        /** One received message. */
        public record Received(String topic, byte[] payload, int qos, boolean retained) {
            public JsonNode json() {
                try {
                    return JSON.readTree(payload);
                } catch (IOException e) {
                    throw new AssertionError("not JSON: " + new String(payload, StandardCharsets.UTF_8), e);
                }
            }
        }

        public Collector(String url, String filter, int qos) throws MqttException {
            // a persistent session, reconnected when the broker drops it (moquette does, now and
            // then, under load): the broker keeps what arrives meanwhile, so the count stays honest
            client = new MqttAsyncClient(url, "test-sub-" + UUID.randomUUID().toString().substring(0, 8), new MemoryPersistence());
            MqttConnectOptions options = new MqttConnectOptions();
            options.setCleanSession(false);
            options.setMaxInflight(1000);
            options.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
            client.setCallback(new MqttCallback() {
                @Override
                public void connectionLost(Throwable cause) {
                    Thread again = new Thread(() -> reconnect(options, filter, qos), "test-sub-reconnect");
                    again.setDaemon(true);
                    again.start();
                }

                @Override
                public void messageArrived(String topic, MqttMessage message) {
                    received.add(new Received(topic, message.getPayload(), message.getQos(), message.isRetained()));
                    distinct.put(topic + " " + new String(message.getPayload(), StandardCharsets.UTF_8), Boolean.TRUE);
                }

                @Override
                public void deliveryComplete(IMqttDeliveryToken token) {
                }
            });
            // the first connect and subscribe are retried too: moquette has closed the connection right at
            // the first SUBSCRIBE ("SUBSCRIBE received on already closed connection"), before any callback helps
            connectAndSubscribe(options, filter, qos);
        }

        private void reconnect(MqttConnectOptions options, String filter, int qos) {
            try {
                connectAndSubscribe(options, filter, qos);
            } catch (MqttException | RuntimeException e) {
                // gave up after 30 s, or closed: the test's count shows what was missed
            }
        }

        /** Connects (unless connected) and subscribes, retrying for up to 30 s; the last failure after that. */
        private void connectAndSubscribe(MqttConnectOptions options, String filter, int qos) throws MqttException {
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (!closed) {
                try {
                    if (!client.isConnected()) {
                        client.connect(options).waitForCompletion(10_000);
                    }
                    client.subscribe(filter, qos).waitForCompletion(10_000);
                    return;
                } catch (MqttException e) {
                    if (System.nanoTime() > deadline) {
                        throw e;
                    }
                    try {
                        Thread.sleep(200);
                    } catch (InterruptedException ie) {
                        Thread.currentThread().interrupt();
                        throw e;
                    }
                }
            }
        }

        public List<Received> received() {
            return new ArrayList<>(received);
        }

        /** Distinct (topic, payload) pairs: duplicates from redelivery count once. */
        public int distinctCount() {
            return distinct.size();
        }

        @Override
        public void close() {
            closed = true;
            try {
                if (client.isConnected()) {
                    client.disconnect().waitForCompletion(5_000);
                }
            } catch (MqttException ignored) {
                // closing anyway
            }
            closeQuietly(client);
        }
    }
}
