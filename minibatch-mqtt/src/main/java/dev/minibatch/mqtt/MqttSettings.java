package dev.minibatch.mqtt;

import dev.minibatch.model.ConfigurationException;
import dev.minibatch.spi.OptionSpec;
import dev.minibatch.spi.Options;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;

/**
 * Connection settings shared by source and sink, parsed once from validated options. Holds the
 * password only inside the Paho connect options; {@link #toString()} shows no secret.
 */
final class MqttSettings {

    final String role;
    final String brokerUrl;
    final String topic;
    final int qos;
    final String clientId;
    final boolean cleanSession;
    final String username;
    final Duration keepAlive;
    final Duration connectTimeout;
    final Duration maxReconnectDelay;
    final Path persistenceDir;
    private final char[] password;
    private final SSLSocketFactory socketFactory;
    private final boolean hostnameVerification;

    private MqttSettings(String role, Options options, boolean cleanSessionDefault, boolean persistentNeedsClientId) {
        this.role = role;
        this.brokerUrl = normaliseUrl(options.getString(MqttOptions.URL), role);
        this.topic = options.getString(MqttOptions.TOPIC);
        this.qos = options.getInt(MqttOptions.QOS, 1);
        if (qos < 0 || qos > 2) {
            throw new ConfigurationException(role + " " + brokerUrl + ": option 'qos' must be 0, 1 or 2, was " + qos);
        }
        String givenId = options.getString(MqttOptions.CLIENT_ID);
        Boolean clean = options.getBoolean(MqttOptions.CLEAN_SESSION);
        if (persistentNeedsClientId) {
            // a stable id is what makes a persistent session findable again: giving one asks for it
            clean = clean != null ? clean : givenId == null;
            if (!clean && givenId == null) {
                throw new ConfigurationException(role + " " + brokerUrl + ": cleanSession=false needs a stable 'clientId'"
                        + " (the broker keeps the session under that id)");
            }
        } else if (clean == null) {
            clean = cleanSessionDefault;
        }
        this.cleanSession = clean;
        if (givenId != null && (givenId.length() > 65535 || givenId.isBlank())) {
            throw new ConfigurationException(role + " " + brokerUrl + ": option 'clientId' must be 1 to 65535 characters");
        }
        this.clientId = givenId != null ? givenId
                : "mb-" + (role.contains("source") ? "src" : "snk") + "-" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
        this.username = options.getString(MqttOptions.USERNAME);
        String secret = options.getString(MqttOptions.PASSWORD);
        if (secret != null && username == null) {
            throw new ConfigurationException(role + " " + brokerUrl + ": option 'password' needs 'username' too");
        }
        this.password = secret == null ? null : secret.toCharArray();
        this.keepAlive = duration(options, MqttOptions.KEEP_ALIVE, Duration.ofSeconds(30));
        this.connectTimeout = duration(options, MqttOptions.CONNECT_TIMEOUT, Duration.ofSeconds(10));
        this.maxReconnectDelay = duration(options, MqttOptions.MAX_RECONNECT_DELAY, Duration.ofSeconds(30));
        if (connectTimeout.isZero() || connectTimeout.isNegative()) {
            throw new ConfigurationException(role + " " + brokerUrl + ": option 'connectTimeout' must be positive");
        }
        String dir = options.getString(MqttOptions.PERSISTENCE_DIR);
        this.persistenceDir = dir == null ? null : Path.of(dir);
        this.hostnameVerification = options.getBoolean(MqttOptions.TLS_HOSTNAME_VERIFICATION, true);
        this.socketFactory = tls(options);
    }

    /** Settings of a source: a given clientId means a persistent session unless cleanSession=true. */
    static MqttSettings forSource(Options options) {
        return new MqttSettings("MQTT source", options, true, true);
    }

    /** Settings of a sink: clean session unless told otherwise. */
    static MqttSettings forSink(Options options) {
        return new MqttSettings("MQTT sink", options, true, false);
    }

    /**
     * Validates a constructor's arguments and options map like the provider does, so both paths
     * give the same errors.
     */
    static Options validate(String owner, List<OptionSpec> specs, String brokerUrl, String topic, Map<String, ?> options) {
        Map<String, Object> all = new LinkedHashMap<>();
        if (options != null) {
            all.putAll(options);
        }
        for (String key : List.of(MqttOptions.URL, MqttOptions.TOPIC)) {
            if (all.containsKey(key)) {
                throw new ConfigurationException(owner + ": option '" + key
                        + "' is given as a constructor argument; leave it out of the options");
            }
        }
        if (brokerUrl == null || brokerUrl.isBlank()) {
            throw new ConfigurationException(owner + ": the broker URL must not be empty (e.g. tcp://localhost:1883)");
        }
        if (topic == null || topic.isEmpty()) {
            throw new ConfigurationException(owner + " " + brokerUrl + ": the topic must not be empty");
        }
        all.put(MqttOptions.URL, brokerUrl);
        all.put(MqttOptions.TOPIC, topic);
        return Options.validate(owner, specs, all);
    }

    private static Duration duration(Options options, String key, Duration fallback) {
        Duration d = options.getDuration(key);
        return d == null ? fallback : d;
    }

    /** Paho understands tcp, ssl, ws and wss; mqtt and mqtts are the names users often write. */
    static String normaliseUrl(String url, String role) {
        String trimmed = url.trim();
        URI uri;
        try {
            uri = new URI(trimmed);
        } catch (URISyntaxException e) {
            throw new ConfigurationException(role + ": broker URL '" + redact(trimmed) + "' is not a URL: "
                    + e.getReason() + " (e.g. tcp://localhost:1883)");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        String mapped = switch (scheme) {
            case "tcp", "mqtt" -> "tcp";
            case "ssl", "mqtts", "tls" -> "ssl";
            case "ws", "wss" -> scheme;
            default -> throw new ConfigurationException(role + ": broker URL '" + redact(trimmed)
                    + "' must start with tcp://, ssl://, mqtt://, mqtts://, ws:// or wss://");
        };
        if (uri.getRawUserInfo() != null) {
            throw new ConfigurationException(role + ": broker URL '" + redact(trimmed)
                    + "' carries credentials; give them as options 'username' and 'password'");
        }
        if (uri.getHost() == null || uri.getHost().isEmpty()) {
            throw new ConfigurationException(role + ": broker URL '" + trimmed + "' names no host (e.g. tcp://localhost:1883)");
        }
        int port = uri.getPort() >= 0 ? uri.getPort() : (mapped.equals("ssl") ? 8883 : mapped.equals("tcp") ? 1883 : -1);
        String path = mapped.startsWith("ws") && uri.getRawPath() != null ? uri.getRawPath() : "";
        String host = uri.getHost().contains(":") && !uri.getHost().startsWith("[") ? "[" + uri.getHost() + "]" : uri.getHost();
        return mapped + "://" + host + (port >= 0 ? ":" + port : "") + path;
    }

    private static String redact(String url) {
        return url.replaceAll("(//[^/@:]*):[^/@]*@", "$1:***@");
    }

    private boolean isTls() {
        return brokerUrl.startsWith("ssl://") || brokerUrl.startsWith("wss://");
    }

    private SSLSocketFactory tls(Options options) {
        boolean anyTls = options.has(MqttOptions.TLS_CA_FILE) || options.has(MqttOptions.TLS_TRUST_STORE)
                || options.has(MqttOptions.TLS_KEY_STORE);
        if (!isTls()) {
            if (anyTls) {
                throw new ConfigurationException(role + " " + brokerUrl + ": TLS options need an ssl:// (or mqtts://) URL");
            }
            return null;
        }
        if (!anyTls && !options.has(MqttOptions.TLS_PROTOCOL)) {
            return null; // the JVM's default trust, as Paho does
        }
        try {
            TrustManagerFactory tmf = null;
            if (options.has(MqttOptions.TLS_CA_FILE) && options.has(MqttOptions.TLS_TRUST_STORE)) {
                throw new ConfigurationException(role + " " + brokerUrl + ": give either 'tls.caFile' or 'tls.trustStore', not both");
            }
            if (options.has(MqttOptions.TLS_CA_FILE)) {
                Path file = existing(options, MqttOptions.TLS_CA_FILE);
                KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
                trust.load(null, null);
                Collection<? extends Certificate> certificates;
                try (InputStream in = Files.newInputStream(file)) {
                    certificates = CertificateFactory.getInstance("X.509").generateCertificates(in);
                }
                if (certificates.isEmpty()) {
                    throw new ConfigurationException(role + " " + brokerUrl + ": 'tls.caFile' " + file + " holds no certificate");
                }
                int i = 0;
                for (Certificate certificate : certificates) {
                    trust.setCertificateEntry("ca-" + i++, certificate);
                }
                tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(trust);
            } else if (options.has(MqttOptions.TLS_TRUST_STORE)) {
                KeyStore trust = load(options, MqttOptions.TLS_TRUST_STORE, MqttOptions.TLS_TRUST_STORE_PASSWORD,
                        MqttOptions.TLS_TRUST_STORE_TYPE);
                tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(trust);
            }
            KeyManagerFactory kmf = null;
            if (options.has(MqttOptions.TLS_KEY_STORE)) {
                KeyStore keys = load(options, MqttOptions.TLS_KEY_STORE, MqttOptions.TLS_KEY_STORE_PASSWORD,
                        MqttOptions.TLS_KEY_STORE_TYPE);
                String secret = options.getString(MqttOptions.TLS_KEY_STORE_PASSWORD);
                kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(keys, secret == null ? new char[0] : secret.toCharArray());
            }
            SSLContext context = SSLContext.getInstance(options.getString(MqttOptions.TLS_PROTOCOL, "TLS"));
            context.init(kmf == null ? null : kmf.getKeyManagers(), tmf == null ? null : tmf.getTrustManagers(), null);
            return context.getSocketFactory();
        } catch (GeneralSecurityException e) {
            // the JDK's messages name files and algorithms, never passwords
            throw new ConfigurationException(role + " " + brokerUrl + ": TLS setup failed: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new ConfigurationException(role + " " + brokerUrl + ": TLS files could not be read: " + e.getMessage(), e);
        }
    }

    private Path existing(Options options, String key) {
        Path file = Path.of(options.getString(key));
        if (!Files.isReadable(file)) {
            throw new ConfigurationException(role + " " + brokerUrl + ": option '" + key + "' names " + file
                    + ", which does not exist or cannot be read");
        }
        return file;
    }

    private KeyStore load(Options options, String fileKey, String passwordKey, String typeKey)
            throws GeneralSecurityException, IOException {
        Path file = existing(options, fileKey);
        String type = options.getString(typeKey);
        if (type == null) {
            String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
            type = name.endsWith(".jks") ? "JKS" : name.endsWith(".p12") || name.endsWith(".pfx") ? "PKCS12"
                    : KeyStore.getDefaultType();
        }
        KeyStore store = KeyStore.getInstance(type);
        String secret = options.getString(passwordKey);
        try (InputStream in = Files.newInputStream(file)) {
            store.load(in, secret == null ? null : secret.toCharArray());
        } catch (IOException e) {
            throw new ConfigurationException(role + " " + brokerUrl + ": cannot open " + type + " store " + file
                    + " given as '" + fileKey + "' (wrong '" + passwordKey + "' or type?): " + e.getMessage(), e);
        }
        return store;
    }

    /** Fresh Paho connect options: MQTT 3.1.1 only, so a refusal is reported as it is, not retried as 3.1. */
    MqttConnectOptions connectOptions() {
        MqttConnectOptions o = new MqttConnectOptions();
        o.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
        o.setCleanSession(cleanSession);
        o.setAutomaticReconnect(false); // our own reconnect loop runs on daemon threads
        o.setKeepAliveInterval((int) Math.max(1, keepAlive.toSeconds()));
        o.setConnectionTimeout((int) Math.max(1, (connectTimeout.toMillis() + 999) / 1000));
        o.setMaxInflight(65535);
        if (username != null) {
            o.setUserName(username);
        }
        if (password != null) {
            o.setPassword(password.clone());
        }
        if (socketFactory != null) {
            o.setSocketFactory(socketFactory);
        }
        o.setHttpsHostnameVerificationEnabled(hostnameVerification);
        return o;
    }

    /** What error messages and logs call this connection: broker URL and client id, no secrets. */
    String describe() {
        return role + " (broker " + brokerUrl + ", client id '" + clientId + "')";
    }

    @Override
    public String toString() {
        return describe();
    }
}
