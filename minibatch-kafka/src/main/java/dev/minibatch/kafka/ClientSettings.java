package dev.minibatch.kafka;

import dev.minibatch.model.ConfigurationException;
import dev.minibatch.spi.Options;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Client properties shared by the source, the sink and the {@code kafka://} store (internal to this
 * module: public only for its {@code store} package): the {@code kafka.*} pass-through, the set of
 * secret values to keep out of messages, and the bounded start-up reachability check. Immutable.
 */
public final class ClientSettings {

    private static final Logger LOG = LoggerFactory.getLogger(ClientSettings.class);

    /** Prefix of pass-through client properties in options. */
    public static final String PREFIX = "kafka.";

    /** Names that hold secrets even when no Kafka ConfigDef declares them (custom login modules). */
    private static final Pattern SECRET_NAME = Pattern.compile("(?i).*(password|secret|jaas|token|credential|\\.key$).*");

    /** {@code name="value"} or {@code name=value} pairs inside JAAS configuration text. */
    private static final Pattern JAAS_PAIR = Pattern.compile("([A-Za-z0-9_.-]+)\\s*=\\s*(\"([^\"]*)\"|([^\\s;\"]+))");

    private final String servers;
    private final Map<String, Object> passThrough;
    private final List<String> secretValues;

    private ClientSettings(String servers, Map<String, Object> passThrough, List<String> secretValues) {
        this.servers = servers;
        this.passThrough = passThrough;
        this.secretValues = secretValues;
    }

    /**
     * Reads the {@code kafka.*} options; a key in {@code managed} is rejected with the reason given,
     * because setting it would break what the connector promises (e.g. auto commit).
     */
    public static ClientSettings from(Options options, String servers, Map<String, String> managed, String owner) {
        Map<String, Object> props = new LinkedHashMap<>();
        List<String> secrets = new ArrayList<>();
        for (Map.Entry<String, String> e : options.withPrefix("kafka").entrySet()) {
            String key = e.getKey();
            String why = managed.get(key);
            if (why != null) {
                throw new ConfigurationException(owner + ": option 'kafka." + key + "' cannot be set: " + why);
            }
            props.put(key, e.getValue());
            if (isSecret(key)) {
                addSecret(secrets, e.getValue());
                Matcher m = JAAS_PAIR.matcher(e.getValue());
                while (m.find()) {
                    addSecret(secrets, m.group(3) != null ? m.group(3) : m.group(4));
                }
            }
        }
        // longest first, so a secret containing another is hidden whole
        secrets.sort(Comparator.comparingInt(String::length).reversed());
        return new ClientSettings(servers, props, List.copyOf(secrets));
    }

    private static void addSecret(List<String> secrets, String value) {
        if (value != null && value.length() >= 3 && !secrets.contains(value)) {
            secrets.add(value);
        }
    }

    /** Whether a client property holds a secret: Kafka declares it a password, or its name says so. */
    public static boolean isSecret(String key) {
        for (ConfigDef def : List.of(ConsumerConfig.configDef(), ProducerConfig.configDef(), AdminClientConfig.configDef())) {
            ConfigDef.ConfigKey k = def.configKeys().get(key);
            if (k != null && k.type == ConfigDef.Type.PASSWORD) {
                return true;
            }
        }
        return SECRET_NAME.matcher(key).matches();
    }

    /** The bootstrap servers as given. */
    public String servers() {
        return servers;
    }

    /** The pass-through properties (never log them: they may hold secrets). */
    public Map<String, Object> passThrough() {
        return passThrough;
    }

    /** Whether the user set this client property through {@code kafka.*}. */
    public boolean has(String key) {
        return passThrough.containsKey(key);
    }

    /** {@code text} with every secret value replaced by {@code [hidden]}. */
    public String scrub(String text) {
        if (text == null) {
            return null;
        }
        String out = text;
        for (String secret : secretValues) {
            out = out.replace(secret, "[hidden]");
        }
        return out;
    }

    /** The cause chain of {@code e} as one line, secrets removed, for exception messages. */
    public String describe(Throwable e) {
        StringBuilder sb = new StringBuilder();
        Throwable t = e;
        int depth = 0;
        while (t != null && depth++ < 4) {
            if (t instanceof ExecutionException && t.getCause() != null) {
                t = t.getCause();
                continue;
            }
            String msg = t.getMessage();
            if (sb.length() > 0) {
                sb.append(" <- ");
            }
            sb.append(t.getClass().getSimpleName());
            if (msg != null && !msg.isBlank()) {
                sb.append(": ").append(msg);
            }
            if (t.getCause() == t) {
                break;
            }
            t = t.getCause();
        }
        return scrub(sb.toString());
    }

    /**
     * {@code cause} if no message in its chain contains a secret (so it can be chained and logged
     * with its stack trace), else null.
     */
    public Throwable chainable(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String m = t.getMessage();
            if (t instanceof ConfigException || (m != null && !m.equals(scrub(m)))) {
                return null;
            }
        }
        return cause;
    }

    /** A client creation failure (bad pass-through property, unresolvable servers) as a clear error. */
    public ConfigurationException configurationError(String owner, RuntimeException e) {
        Throwable t = e;
        while (t != null && !(t instanceof ConfigException)) {
            t = t.getCause();
        }
        String detail = t != null ? scrub(t.getMessage()) : describe(e);
        // the cause is not chained: Kafka's config exceptions may carry the raw property values
        return new ConfigurationException(owner + " (bootstrap.servers " + servers + "): invalid Kafka client configuration: "
                + detail);
    }

    /** Admin client properties: the pass-through keys Admin knows, so it logs no "unused" warnings. */
    private Map<String, Object> adminProperties(Duration timeout) {
        Map<String, Object> props = new LinkedHashMap<>();
        Set<String> known = AdminClientConfig.configNames();
        passThrough.forEach((k, v) -> {
            if (known.contains(k)) {
                props.put(k, v);
            }
        });
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, servers);
        int ms = (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, ms);
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, ms);
        props.putIfAbsent(AdminClientConfig.CLIENT_ID_CONFIG, "minibatch-check");
        return props;
    }

    /**
     * Asks the cluster for its id, waiting at most {@code timeout}, and warns about topics that do
     * not exist yet.
     *
     * @return false if cancelled while waiting
     * @throws KafkaUnavailableException if no broker answered in time
     * @throws KafkaConnectorException   if authentication or authorization failed
     */
    public boolean checkReachable(String owner, List<String> topics, Duration timeout, BooleanSupplier cancelled) {
        long deadline = System.nanoTime() + timeout.toNanos() + TimeUnit.SECONDS.toNanos(2);
        Admin admin;
        try {
            admin = KafkaClassLoading.withModuleClassLoader(() -> Admin.create(adminProperties(timeout)));
        } catch (RuntimeException e) {
            throw configurationError(owner, e);
        }
        try {
            int ms = (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
            KafkaFuture<String> clusterId = admin.describeCluster(new DescribeClusterOptions().timeoutMs(ms)).clusterId();
            if (!await(clusterId, deadline, cancelled)) {
                return false;
            }
            KafkaFuture<Set<String>> names = admin.listTopics(new ListTopicsOptions().timeoutMs(ms)).names();
            if (!await(names, deadline, cancelled)) {
                return false;
            }
            Set<String> existing = names.get();
            for (String topic : topics) {
                if (!existing.contains(topic)) {
                    LOG.warn("{}: topic '{}' does not exist at {} yet; waiting for it", owner, topic, servers);
                }
            }
            return true;
        } catch (ExecutionException e) {
            throw reachabilityError(owner, e.getCause() != null ? e.getCause() : e, timeout);
        } catch (java.util.concurrent.TimeoutException e) {
            throw reachabilityError(owner, new TimeoutException("no answer"), timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            admin.close(Duration.ZERO);
        }
    }

    private static boolean await(KafkaFuture<?> future, long deadline, BooleanSupplier cancelled)
            throws ExecutionException, InterruptedException, java.util.concurrent.TimeoutException {
        while (true) {
            if (cancelled.getAsBoolean()) {
                return false;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new java.util.concurrent.TimeoutException();
            }
            try {
                future.get(Math.min(left, TimeUnit.MILLISECONDS.toNanos(200)), TimeUnit.NANOSECONDS);
                return true;
            } catch (java.util.concurrent.TimeoutException stillWaiting) {
                // loop: check for cancellation, then wait again
            }
        }
    }

    private RuntimeException reachabilityError(String owner, Throwable cause, Duration timeout) {
        if (cause instanceof AuthenticationException) {
            return new KafkaConnectorException(owner + ": authentication with Kafka at " + servers + " failed: "
                    + describe(cause) + " (check the kafka.sasl.* / kafka.ssl.* options)", chainable(cause));
        }
        if (cause instanceof AuthorizationException) {
            return new KafkaConnectorException(owner + ": Kafka at " + servers + " refused access: " + describe(cause),
                    chainable(cause));
        }
        return new KafkaUnavailableException(owner + ": no Kafka broker at " + servers + " answered within "
                + format(timeout) + " (" + describe(cause) + "); check bootstrap.servers and that the brokers are running",
                chainable(cause));
    }

    /** A duration as people write it: {@code 15s}, {@code 500ms}. */
    public static String format(Duration d) {
        long ms = d.toMillis();
        if (ms % 1000 == 0) {
            return (ms / 1000) + "s";
        }
        return ms + "ms";
    }

    /** Lower-case trimmed text. */
    static String lower(String s) {
        return s == null ? null : s.trim().toLowerCase(Locale.ROOT);
    }

    /** Splits a comma-separated list, dropping blanks. */
    static List<String> list(String text) {
        List<String> out = new ArrayList<>();
        if (text != null) {
            for (String part : text.split(",")) {
                if (!part.isBlank()) {
                    out.add(part.trim());
                }
            }
        }
        return out;
    }
}
