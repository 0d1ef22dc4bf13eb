package dev.minibatch.mqtt;

import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLException;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.IMqttToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttClientPersistence;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.ScheduledExecutorPingSender;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.eclipse.paho.client.mqttv3.persist.MqttDefaultFilePersistence;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Paho client with minibatch's connection policy: the first connect fails fast with a clear
 * {@link MqttConnectionException}; a connection lost later is re-established by a reconnect loop
 * with exponential backoff (250 ms doubling up to {@code maxReconnectDelay}) until {@link #close()}.
 *
 * <p>We run our own reconnect loop instead of Paho's automatic reconnect because Paho's uses a
 * non-daemon {@link java.util.Timer}, which would keep a JVM alive while a broker is down. All of
 * Paho's threads run on a daemon executor owned here.
 *
 * <p>Thread-safe. {@link #close()} is idempotent.
 */
final class MqttConnection implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(MqttConnection.class);
    private static final long FIRST_RECONNECT_DELAY_MS = 250;

    /** Callbacks from the connection; called on Paho's or the reconnect thread. */
    interface Listener {
        /** A message arrived; must not throw (Paho would drop the connection). */
        void messageArrived(String topic, MqttMessage message);

        /** The connection was re-established after a loss; resubscribe here if the session is clean. */
        default void reconnected(boolean sessionPresent) {
        }
    }

    private final MqttSettings settings;
    private final Listener listener;
    private final ScheduledExecutorService executor;
    private final MqttAsyncClient client;
    private final Object stateLock = new Object();
    private volatile boolean closed;
    private volatile boolean connected;
    private volatile Throwable lastError;
    private long reconnectDelayMs = FIRST_RECONNECT_DELAY_MS;

    MqttConnection(MqttSettings settings, Listener listener, boolean manualAcks) {
        this.settings = settings;
        this.listener = listener;
        AtomicInteger counter = new AtomicInteger();
        String prefix = "minibatch-mqtt-" + (settings.role.contains("source") ? "source" : "sink");
        // Paho runs receiver, sender and callback as long tasks here, plus pings and connect work
        this.executor = Executors.newScheduledThreadPool(6, task -> {
            Thread thread = new Thread(task, prefix + "-" + counter.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        try {
            this.client = new MqttAsyncClient(settings.brokerUrl, settings.clientId, persistence(settings),
                    new ScheduledExecutorPingSender(executor), executor);
        } catch (MqttException e) {
            executor.shutdownNow();
            throw new MqttConnectionException(settings.describe() + ": cannot create the MQTT client: " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            executor.shutdownNow();
            throw new MqttConnectionException(settings.describe() + ": " + e.getMessage(), e);
        }
        client.setManualAcks(manualAcks);
        client.setCallback(new MqttCallback() {
            @Override
            public void connectionLost(Throwable cause) {
                onConnectionLost(cause);
            }

            @Override
            public void messageArrived(String topic, MqttMessage message) {
                listener.messageArrived(topic, message);
            }

            @Override
            public void deliveryComplete(IMqttDeliveryToken token) {
                // publishers wait on their tokens
            }
        });
    }

    private static MqttClientPersistence persistence(MqttSettings settings) {
        if (settings.persistenceDir == null) {
            return new MemoryPersistence();
        }
        try {
            Files.createDirectories(settings.persistenceDir);
        } catch (IOException e) {
            throw new MqttConnectionException(settings.describe() + ": cannot create 'persistenceDir' "
                    + settings.persistenceDir + ": " + e.getMessage(), e);
        }
        return new MqttDefaultFilePersistence(settings.persistenceDir.toString());
    }

    /** The Paho client, for publish, subscribe and acknowledgements. */
    MqttAsyncClient client() {
        return client;
    }

    boolean isConnected() {
        return connected && client.isConnected();
    }

    /**
     * Connects for the first time, waiting at most {@code connectTimeout}.
     *
     * @return whether the broker still had a session for this client id
     * @throws MqttConnectionException naming the broker and the reason
     */
    boolean connect() {
        try {
            IMqttToken token = client.connect(settings.connectOptions());
            token.waitForCompletion(settings.connectTimeout.toMillis());
            connected = true;
            LOG.info("{} connected (clean session {}, session present {})", settings.describe(),
                    settings.cleanSession, token.getSessionPresent());
            return token.getSessionPresent();
        } catch (MqttException e) {
            MqttConnectionException failure = connectFailure(e);
            close();
            throw failure;
        }
    }

    /** Turns Paho's reason codes into a message that says what to check. */
    MqttConnectionException connectFailure(MqttException e) {
        return new MqttConnectionException("cannot connect " + settings.describe() + ": " + explain(e), e);
    }

    /** What a Paho failure means, in words (no secrets). */
    String explain(MqttException e) {
        Throwable cause = e.getCause();
        return switch (e.getReasonCode()) {
            case MqttException.REASON_CODE_FAILED_AUTHENTICATION, MqttException.REASON_CODE_NOT_AUTHORIZED ->
                    "the broker refused the connection: not authorized"
                            + (settings.username == null ? " (no username given; does the broker require one?)"
                            : " (check username '" + settings.username + "' and its password)");
            case MqttException.REASON_CODE_INVALID_CLIENT_ID -> "the broker rejected the client id";
            case MqttException.REASON_CODE_BROKER_UNAVAILABLE -> "the broker says it is unavailable";
            case MqttException.REASON_CODE_INVALID_PROTOCOL_VERSION -> "the broker does not speak MQTT 3.1.1";
            case MqttException.REASON_CODE_CLIENT_TIMEOUT -> "no answer within connectTimeout "
                    + settings.connectTimeout.toMillis() + " ms (is it an MQTT broker, and reachable?)";
            default -> describeCause(e, cause);
        };
    }

    private String describeCause(MqttException e, Throwable cause) {
        if (cause instanceof ConnectException) {
            return "connection refused (is the broker running and listening on that port?)";
        }
        if (cause instanceof UnknownHostException) {
            return "unknown host " + cause.getMessage();
        }
        if (cause instanceof SocketTimeoutException || cause instanceof NoRouteToHostException) {
            return "host unreachable within connectTimeout " + settings.connectTimeout.toMillis() + " ms: " + cause.getMessage();
        }
        if (cause instanceof SSLException) {
            return "TLS handshake failed (check tls.caFile / tls.trustStore and the broker's certificate): "
                    + cause.getMessage();
        }
        if (cause instanceof IOException && cause.getMessage() != null) {
            return cause.getClass().getSimpleName() + ": " + cause.getMessage();
        }
        return e.getMessage() + " (Paho reason " + e.getReasonCode() + ")"
                + (cause != null && cause.getMessage() != null ? ": " + cause.getMessage() : "");
    }

    private void onConnectionLost(Throwable cause) {
        connected = false;
        lastError = cause;
        if (closed) {
            return;
        }
        LOG.warn("{} lost its connection ({}); reconnecting", settings.describe(),
                cause == null ? "no reason given" : cause.getMessage());
        synchronized (stateLock) {
            reconnectDelayMs = FIRST_RECONNECT_DELAY_MS;
        }
        schedule(FIRST_RECONNECT_DELAY_MS);
    }

    private void schedule(long delayMs) {
        if (closed) {
            return;
        }
        try {
            executor.schedule(this::reconnect, delayMs, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // closing
        }
    }

    private void reconnect() {
        if (closed || client.isConnected()) {
            return;
        }
        try {
            IMqttToken token = client.connect(settings.connectOptions());
            token.waitForCompletion(settings.connectTimeout.toMillis());
            connected = true;
            lastError = null;
            synchronized (stateLock) {
                reconnectDelayMs = FIRST_RECONNECT_DELAY_MS;
                stateLock.notifyAll();
            }
            LOG.info("{} reconnected (session present {})", settings.describe(), token.getSessionPresent());
            listener.reconnected(token.getSessionPresent());
        } catch (MqttException e) {
            if (e.getReasonCode() == MqttException.REASON_CODE_CLIENT_CONNECTED) {
                connected = true;
                return;
            }
            lastError = e;
            long delay;
            synchronized (stateLock) {
                delay = reconnectDelayMs;
                reconnectDelayMs = Math.min(reconnectDelayMs * 2, Math.max(FIRST_RECONNECT_DELAY_MS,
                        settings.maxReconnectDelay.toMillis()));
            }
            if (e.getReasonCode() == MqttException.REASON_CODE_CLIENT_TIMEOUT) {
                // a connect still pending inside Paho would block the next attempt
                try {
                    client.disconnectForcibly(0, 100, false);
                } catch (MqttException ignored) {
                    // nothing to undo
                }
            }
            LOG.debug("{}: reconnect failed ({}); next attempt in {} ms", settings.describe(),
                    connectFailure(e).getMessage(), delay);
            schedule(delay);
        } catch (RuntimeException e) {
            lastError = e;
            LOG.warn("{}: reconnect attempt failed unexpectedly", settings.describe(), e);
            schedule(settings.maxReconnectDelay.toMillis());
        }
    }

    /**
     * Waits until connected or the deadline passes.
     *
     * @return whether connected
     */
    boolean awaitConnected(long deadlineNanos) throws InterruptedException {
        synchronized (stateLock) {
            while (!isConnected() && !closed) {
                long left = deadlineNanos - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                stateLock.wait(Math.max(1, Math.min(TimeUnit.NANOSECONDS.toMillis(left), 100)));
            }
            return isConnected();
        }
    }

    /** Why the connection is down, for error messages; null if nothing went wrong. */
    String lastErrorText() {
        Throwable e = lastError;
        if (e == null) {
            return null;
        }
        return e instanceof MqttException m ? connectFailure(m).getMessage() : String.valueOf(e.getMessage());
    }

    MqttSettings settings() {
        return settings;
    }

    /**
     * Disconnects (letting queued acknowledgements go out first, up to {@code quiesce}) and releases
     * all threads. Idempotent.
     */
    void close(Duration quiesce) {
        if (closed) {
            return;
        }
        closed = true;
        synchronized (stateLock) {
            stateLock.notifyAll();
        }
        try {
            if (client.isConnected()) {
                client.disconnect(quiesce.toMillis()).waitForCompletion(quiesce.toMillis() + 2_000);
            }
        } catch (MqttException | RuntimeException e) {
            LOG.debug("{}: clean disconnect failed ({}); closing forcibly", settings.describe(), e.getMessage());
        }
        try {
            // also ends a connect attempt that is still waiting for the broker
            client.disconnectForcibly(0, 200, false);
        } catch (MqttException | RuntimeException e) {
            LOG.trace("{}: forced disconnect: {}", settings.describe(), e.getMessage());
        }
        try {
            client.close(true);
        } catch (MqttException | RuntimeException e) {
            LOG.debug("{}: close failed: {}", settings.describe(), e.getMessage());
        }
        executor.shutdownNow();
        connected = false;
    }

    @Override
    public void close() {
        close(Duration.ofMillis(500));
    }
}
