package dev.minibatch.mqtt;

import dev.minibatch.spi.OptionSpec;
import dev.minibatch.spi.OptionSpec.Type;
import java.util.ArrayList;
import java.util.List;

/**
 * The option names of the {@code mqtt} source and sink, and their declarations. The same names are
 * used by the providers (CLI, {@code streaming().sink("mqtt", …)}) and by the {@code Map} passed to
 * the {@link MqttSource} and {@link MqttSink} constructors, so one vocabulary works everywhere.
 *
 * <p>Values are validated before anything connects; {@value #PASSWORD} and the TLS store passwords
 * are never logged or put in exception messages.
 */
public final class MqttOptions {

    /** Broker URL: {@code tcp://host:1883}, {@code ssl://host:8883} ({@code mqtt://}, {@code mqtts://} accepted). */
    public static final String URL = "url";
    /** Source: the topic filter (wildcards {@code +} and {@code #} allowed). Sink: the topic or topic template. */
    public static final String TOPIC = "topic";
    /** Quality of service 0, 1 or 2. */
    public static final String QOS = "qos";
    /** MQTT client id; a stable id makes the source's session persistent. */
    public static final String CLIENT_ID = "clientId";
    /** Whether the broker forgets the session on disconnect. */
    public static final String CLEAN_SESSION = "cleanSession";
    public static final String USERNAME = "username";
    public static final String PASSWORD = "password";
    public static final String KEEP_ALIVE = "keepAlive";
    public static final String CONNECT_TIMEOUT = "connectTimeout";
    public static final String MAX_RECONNECT_DELAY = "maxReconnectDelay";
    /** Source: {@code envelope} (default) or {@code payload}. */
    public static final String FORMAT = "format";
    /** Source, {@code format=payload}: the field that receives the topic. */
    public static final String TOPIC_FIELD = "topicField";
    /** Source: most messages appended in one round trip. */
    public static final String BATCH_SIZE = "batchSize";
    /** Source: how long a failing stream store is retried before the source gives up. */
    public static final String APPEND_TIMEOUT = "appendTimeout";
    /** Source: folder for the client's in-flight QoS 2 state; in memory when absent. */
    public static final String PERSISTENCE_DIR = "persistenceDir";
    /** Sink: the retained flag of published messages. */
    public static final String RETAINED = "retained";
    /** Sink: publish each element of a list result as its own message. */
    public static final String EXPAND = "expand";
    /** Sink: most unacknowledged publishes at a time. */
    public static final String MAX_INFLIGHT = "maxInflight";
    /** Sink: how long {@code flush()} waits for the broker's acknowledgements, reconnects included. */
    public static final String PUBLISH_TIMEOUT = "publishTimeout";

    public static final String TLS_CA_FILE = "tls.caFile";
    public static final String TLS_TRUST_STORE = "tls.trustStore";
    public static final String TLS_TRUST_STORE_PASSWORD = "tls.trustStorePassword";
    public static final String TLS_TRUST_STORE_TYPE = "tls.trustStoreType";
    public static final String TLS_KEY_STORE = "tls.keyStore";
    public static final String TLS_KEY_STORE_PASSWORD = "tls.keyStorePassword";
    public static final String TLS_KEY_STORE_TYPE = "tls.keyStoreType";
    public static final String TLS_HOSTNAME_VERIFICATION = "tls.hostnameVerification";
    public static final String TLS_PROTOCOL = "tls.protocol";

    private MqttOptions() {
    }

    private static List<OptionSpec> connection() {
        List<OptionSpec> specs = new ArrayList<>();
        specs.add(OptionSpec.required(URL, Type.STRING, "broker URL, e.g. tcp://localhost:1883 or ssl://host:8883"));
        specs.add(OptionSpec.optional(QOS, Type.INT, "1", "quality of service: 0, 1 or 2"));
        specs.add(OptionSpec.optional(USERNAME, Type.STRING, null, "user name for the broker"));
        specs.add(OptionSpec.optional(PASSWORD, Type.STRING, null, "password for the broker (never logged)"));
        specs.add(OptionSpec.optional(KEEP_ALIVE, Type.DURATION, "30s", "MQTT keep-alive interval"));
        specs.add(OptionSpec.optional(CONNECT_TIMEOUT, Type.DURATION, "10s",
                "how long to wait for the broker to accept a connection"));
        specs.add(OptionSpec.optional(MAX_RECONNECT_DELAY, Type.DURATION, "30s",
                "longest pause between reconnect attempts after the connection is lost"));
        specs.add(OptionSpec.optional(TLS_CA_FILE, Type.STRING, null,
                "PEM file of the CA certificate(s) to trust (ssl:// only)"));
        specs.add(OptionSpec.optional(TLS_TRUST_STORE, Type.STRING, null, "trust store file, PKCS12 or JKS (ssl:// only)"));
        specs.add(OptionSpec.optional(TLS_TRUST_STORE_PASSWORD, Type.STRING, null, "trust store password (never logged)"));
        specs.add(OptionSpec.optional(TLS_TRUST_STORE_TYPE, Type.STRING, null, "PKCS12 or JKS; from the file name if absent"));
        specs.add(OptionSpec.optional(TLS_KEY_STORE, Type.STRING, null,
                "key store with the client certificate, PKCS12 or JKS (ssl:// only)"));
        specs.add(OptionSpec.optional(TLS_KEY_STORE_PASSWORD, Type.STRING, null, "key store password (never logged)"));
        specs.add(OptionSpec.optional(TLS_KEY_STORE_TYPE, Type.STRING, null, "PKCS12 or JKS; from the file name if absent"));
        specs.add(OptionSpec.optional(TLS_HOSTNAME_VERIFICATION, Type.BOOLEAN, "true",
                "check that the broker's certificate names the host"));
        specs.add(OptionSpec.optional(TLS_PROTOCOL, Type.STRING, "TLS", "SSLContext protocol, e.g. TLSv1.3"));
        return specs;
    }

    /** The options of the {@code mqtt} source. */
    public static List<OptionSpec> source() {
        List<OptionSpec> specs = connection();
        specs.add(1, OptionSpec.required(TOPIC, Type.STRING, "topic filter to subscribe to; + and # wildcards allowed"));
        specs.add(OptionSpec.optional(CLIENT_ID, Type.STRING, null,
                "stable client id; given, the session is persistent unless cleanSession=true"));
        specs.add(OptionSpec.optional(CLEAN_SESSION, Type.BOOLEAN, null,
                "false keeps the session (and messages published while down) at the broker; needs clientId"));
        specs.add(OptionSpec.optional(FORMAT, Type.STRING, "envelope",
                "envelope: {topic, payload, qos, retain}; payload: a JSON object payload is the message"));
        specs.add(OptionSpec.optional(TOPIC_FIELD, Type.STRING, "topic", "format=payload: field that gets the topic"));
        specs.add(OptionSpec.optional(BATCH_SIZE, Type.INT, "500", "most messages appended to the stream in one write"));
        specs.add(OptionSpec.optional(APPEND_TIMEOUT, Type.DURATION, "30s",
                "how long a failing stream store is retried before the source stops (unacknowledged)"));
        specs.add(OptionSpec.optional(PERSISTENCE_DIR, Type.STRING, null,
                "folder for the client's QoS 2 in-flight state; in memory if absent"));
        return List.copyOf(specs);
    }

    /** The options of the {@code mqtt} sink. */
    public static List<OptionSpec> sink() {
        List<OptionSpec> specs = connection();
        specs.add(1, OptionSpec.required(TOPIC, Type.STRING,
                "topic to publish to; {field} placeholders are filled from each message, e.g. sensors/{id}/avg"));
        specs.add(OptionSpec.optional(CLIENT_ID, Type.STRING, null, "client id; random if absent"));
        specs.add(OptionSpec.optional(CLEAN_SESSION, Type.BOOLEAN, "true", "whether the broker forgets the session"));
        specs.add(OptionSpec.optional(RETAINED, Type.BOOLEAN, "false", "publish with the retained flag"));
        specs.add(OptionSpec.optional(EXPAND, Type.BOOLEAN, "true",
                "publish each element of a list result (e.g. a window's data) as its own message"));
        specs.add(OptionSpec.optional(MAX_INFLIGHT, Type.INT, null,
                "most unacknowledged publishes at a time; default 1000, at QoS 2 20 (brokers drop QoS 2 beyond their limit)"));
        specs.add(OptionSpec.optional(PUBLISH_TIMEOUT, Type.DURATION, "30s",
                "how long flush() waits for acknowledgements, reconnects included"));
        return List.copyOf(specs);
    }
}
