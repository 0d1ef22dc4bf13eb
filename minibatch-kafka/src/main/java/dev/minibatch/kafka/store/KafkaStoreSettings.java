package dev.minibatch.kafka.store;

import dev.minibatch.kafka.ClientSettings;
import dev.minibatch.model.ConfigurationException;
import dev.minibatch.spi.Options;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * What a {@code kafka://} URL says: {@code kafka://host1:9092,host2:9092/?prefix=mb.&partitions=6&replication=3}
 * plus {@code kafka.*} client properties passed through (SASL, TLS), as the Kafka connector takes
 * them. Immutable.
 *
 * @param url            the URL with secret values hidden (safe to log)
 * @param client         the bootstrap servers and pass-through client properties
 * @param prefix         put before every stream's name to make its topic's name
 * @param partitions     partitions of a topic the store creates
 * @param replication    replication factor of a topic the store creates, or 0 for the broker's default
 * @param minInsync      {@code min.insync.replicas} of a topic the store creates, or 0 for the broker's default
 * @param lanes          share consumers one process may hold records with, per stream
 * @param connectTimeout how long to wait for the cluster when opening
 */
record KafkaStoreSettings(String url, ClientSettings client, String prefix, int partitions, short replication,
                          int minInsync, int lanes, Duration connectTimeout) {

    static final String OWNER = "kafka:// store";

    private static final Set<String> OWN = Set.of("prefix", "partitions", "replication", "mininsync", "lanes",
            "connecttimeout");

    /** Client properties the store sets itself, with why a user may not. */
    private static final Map<String, String> MANAGED = Map.ofEntries(
            Map.entry("bootstrap.servers", "the servers are the URL's host list"),
            Map.entry("group.id", "a stream's consumers form the share group the store names"),
            Map.entry("share.acknowledgement.mode", "the store acknowledges each record explicitly"),
            Map.entry("enable.idempotence", "appends are idempotent"),
            Map.entry("acks", "appends wait for all in-sync replicas (acks=all)"),
            Map.entry("transactional.id", "the store names its own transactions"),
            Map.entry("key.serializer", "the store writes records itself"),
            Map.entry("value.serializer", "the store writes records itself"),
            Map.entry("key.deserializer", "the store reads records itself"),
            Map.entry("value.deserializer", "the store reads records itself"),
            Map.entry("isolation.level", "readers read committed appends"),
            Map.entry("enable.auto.commit", "the store's readers never commit"));

    static KafkaStoreSettings parse(String url) {
        if (url == null || !url.regionMatches(true, 0, "kafka://", 0, 8)) {
            throw new ConfigurationException(OWNER + ": URL must start with kafka://, was " + url);
        }
        String rest = url.substring(8);
        int end = indexOfAny(rest, '/', '?');
        String hosts = end < 0 ? rest : rest.substring(0, end);
        String query = "";
        int q = rest.indexOf('?');
        if (q >= 0) {
            query = rest.substring(q + 1);
        }
        if (hosts.isBlank()) {
            throw new ConfigurationException(OWNER + ": URL " + url + " names no broker: write kafka://host:9092,host2:9092/");
        }
        for (String host : hosts.split(",")) {
            if (!host.matches("[A-Za-z0-9._\\-\\[\\]:]+:\\d{1,5}")) {
                throw new ConfigurationException(OWNER + ": URL names broker '" + host + "'; write host:port");
            }
        }
        Map<String, String> own = new LinkedHashMap<>();
        Map<String, Object> pass = new LinkedHashMap<>();
        for (String pair : query.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String key = decode(eq < 0 ? pair : pair.substring(0, eq));
            String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
            if (key.startsWith(ClientSettings.PREFIX)) {
                pass.put(key, value);
            } else if (OWN.contains(key.toLowerCase(java.util.Locale.ROOT))) {
                own.put(key.toLowerCase(java.util.Locale.ROOT), value);
            } else {
                throw new ConfigurationException(OWNER + ": unknown URL option '" + key + "'; known: "
                        + new TreeSet<>(Set.of("prefix", "partitions", "replication", "minInsync", "lanes", "connectTimeout"))
                        + " and kafka.* client properties");
            }
        }
        ClientSettings client = ClientSettings.from(Options.of(pass), hosts, MANAGED, OWNER);
        String prefix = own.getOrDefault("prefix", "");
        if (!prefix.isEmpty() && !KafkaCatalog.LEGAL.matcher(prefix).matches()) {
            throw new ConfigurationException(OWNER + ": prefix '" + prefix
                    + "' cannot start a Kafka topic name: use letters, digits, '.', '_' and '-'");
        }
        int partitions = positive(own, "partitions", 3);
        int replication = own.containsKey("replication") ? positive(own, "replication", 0) : 0;
        if (replication > Short.MAX_VALUE) {
            throw new ConfigurationException(OWNER + ": replication " + replication + " is too large");
        }
        int minInsync = own.containsKey("mininsync") ? positive(own, "mininsync", 0) : 0;
        if (replication > 0 && minInsync > replication) {
            throw new ConfigurationException(OWNER + ": minInsync " + minInsync + " exceeds replication " + replication
                    + ": no append could ever be acknowledged");
        }
        int lanes = positive(own, "lanes", 4);
        Duration connect = Duration.ofSeconds(10);
        if (own.containsKey("connecttimeout")) {
            try {
                connect = Options.parseDuration(own.get("connecttimeout"));
            } catch (IllegalArgumentException e) {
                throw new ConfigurationException(OWNER + ": URL option 'connectTimeout' must be a duration such as 10s or"
                        + " 500ms, was '" + own.get("connecttimeout") + "'");
            }
        }
        return new KafkaStoreSettings(redact(url), client, prefix, partitions, (short) replication, minInsync, lanes, connect);
    }

    private static int positive(Map<String, String> own, String key, int fallback) {
        String v = own.get(key);
        if (v == null) {
            return fallback;
        }
        try {
            int n = Integer.parseInt(v.trim());
            if (n < 1) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new ConfigurationException(OWNER + ": URL option '" + (key.equals("mininsync") ? "minInsync" : key)
                    + "' must be a whole number >= 1, was '" + v + "'");
        }
    }

    private static int indexOfAny(String s, char a, char b) {
        int i = s.indexOf(a);
        int j = s.indexOf(b);
        return i < 0 ? j : j < 0 ? i : Math.min(i, j);
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    /** The URL with the values of secret client properties replaced. */
    static String redact(String url) {
        int q = url.indexOf('?');
        if (q < 0) {
            return url;
        }
        StringBuilder out = new StringBuilder(url.substring(0, q + 1));
        String[] pairs = url.substring(q + 1).split("&");
        for (int i = 0; i < pairs.length; i++) {
            String pair = pairs[i];
            int eq = pair.indexOf('=');
            String key = decode(eq < 0 ? pair : pair.substring(0, eq));
            if (i > 0) {
                out.append('&');
            }
            if (eq >= 0 && key.startsWith(ClientSettings.PREFIX)
                    && ClientSettings.isSecret(key.substring(ClientSettings.PREFIX.length()))) {
                out.append(pair, 0, eq + 1).append("***");
            } else {
                out.append(pair);
            }
        }
        return out.toString();
    }
}
