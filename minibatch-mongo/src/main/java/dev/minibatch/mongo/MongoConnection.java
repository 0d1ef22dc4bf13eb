package dev.minibatch.mongo;

import com.mongodb.ConnectionString;
import com.mongodb.MongoClientSettings;
import com.mongodb.MongoException;
import com.mongodb.MongoSecurityException;
import com.mongodb.MongoTimeoutException;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import dev.minibatch.model.ConfigurationException;
import dev.minibatch.model.StoreException;
import dev.minibatch.internal.Urls;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.UuidRepresentation;

/**
 * URL rules and client creation shared by the store, the source and the sink: one place decides
 * what a minibatch MongoDB URL means, so all three fail the same clear way.
 *
 * <ul>
 *   <li>{@code mongodb://} and {@code mongodb+srv://} only; the database is the URL path and is
 *       required (Python would silently use {@code test}).</li>
 *   <li>minibatch's own query options (e.g. {@code windows}) are taken out before the driver sees
 *       the URL; every other option goes to the driver unchanged.</li>
 *   <li>With credentials and no {@code authSource}, {@code authSource=admin} is added (for
 *       {@code mongodb://} only), as Python minibatch does, so one URL authenticates the same
 *       way in both.</li>
 *   <li>Fail fast: server selection times out after {@value #DEFAULT_SELECTION_TIMEOUT_MS} ms
 *       unless the URL sets {@code serverSelectionTimeoutMS}, and a {@code ping} at open turns an
 *       unreachable server into a {@link StoreException} naming the hosts, password removed.</li>
 * </ul>
 */
final class MongoConnection {

    /** Default server selection timeout: long enough for a failover, short enough not to look hung. */
    static final long DEFAULT_SELECTION_TIMEOUT_MS = 5_000;

    /**
     * A parsed URL.
     *
     * @param redacted         the URL as given, password removed (for messages)
     * @param connectionString what the driver gets
     * @param database         the database (URL path or an explicit override)
     * @param ownOptions       minibatch's options taken out of the query, lower-case keys
     * @param selectionTimeout the effective server selection timeout
     */
    record Target(String redacted, ConnectionString connectionString, String database, Map<String, String> ownOptions,
                  Duration selectionTimeout, boolean explicitSelectionTimeout) {

        /** The hosts of the URL, e.g. {@code db1:27017,db2:27017}. */
        String hosts() {
            return String.join(",", connectionString.getHosts());
        }
    }

    private MongoConnection() {
    }

    /**
     * Parses and checks a URL.
     *
     * @param what             names the user of the URL in messages, e.g. {@code "MongoDB store"}
     * @param ownOptionNames   lower-case minibatch option names allowed in the query
     * @param databaseOverride a database that wins over the URL path, or null
     * @throws ConfigurationException naming what is wrong
     */
    static Target parse(String url, String what, Set<String> ownOptionNames, String databaseOverride) {
        if (url == null || url.isBlank()) {
            throw new ConfigurationException(what + ": no MongoDB URL given; use mongodb://host[:port]/database");
        }
        String trimmed = url.trim();
        String redacted = Urls.redact(trimmed);
        String lower = trimmed.toLowerCase(Locale.ROOT);
        boolean srv = lower.startsWith("mongodb+srv://");
        if (!srv && !lower.startsWith("mongodb://")) {
            throw new ConfigurationException(what + ": URL " + redacted
                    + " is not a MongoDB URL; use mongodb://host[:port]/database or mongodb+srv://host/database");
        }
        String base = trimmed;
        String query = "";
        int q = trimmed.indexOf('?');
        if (q >= 0) {
            base = trimmed.substring(0, q);
            query = trimmed.substring(q + 1);
        }
        Map<String, String> own = new LinkedHashMap<>();
        List<String> driverPairs = new ArrayList<>();
        boolean hasAuthSource = false;
        boolean hasSelectionTimeout = false;
        long selectionMillis = DEFAULT_SELECTION_TIMEOUT_MS;
        for (String pair : query.split("[&;]")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String key = (eq < 0 ? pair : pair.substring(0, eq)).toLowerCase(Locale.ROOT);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            if (ownOptionNames.contains(key)) {
                own.put(key, value);
                continue;
            }
            if (key.equals("authsource")) {
                hasAuthSource = true;
            }
            if (key.equals("serverselectiontimeoutms")) {
                hasSelectionTimeout = true;
                try {
                    selectionMillis = Long.parseLong(value);
                } catch (NumberFormatException e) {
                    throw new ConfigurationException(what + ": URL " + redacted
                            + ": serverSelectionTimeoutMS must be a whole number of milliseconds, was '" + value + "'");
                }
            }
            driverPairs.add(pair);
        }
        String authority = base.substring(base.indexOf("://") + 3);
        int slash = authority.indexOf('/');
        String hostPart = slash < 0 ? authority : authority.substring(0, slash);
        if (hostPart.contains("@") && !hasAuthSource && !srv) {
            driverPairs.add("authSource=admin"); // as Python minibatch's connectdb
        }
        String driverUrl = driverPairs.isEmpty() ? base : base + "?" + String.join("&", driverPairs);
        if (slash < 0 && !driverPairs.isEmpty()) {
            // the driver needs the '/' before the options; the database check below still fails
            driverUrl = base + "/?" + String.join("&", driverPairs);
        }
        ConnectionString connectionString;
        try {
            connectionString = new ConnectionString(driverUrl);
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException(what + ": invalid MongoDB URL " + redacted + ": "
                    + Urls.redact(String.valueOf(e.getMessage())), e);
        }
        String database = databaseOverride != null && !databaseOverride.isBlank() ? databaseOverride
                : connectionString.getDatabase();
        if (database == null || database.isBlank()) {
            throw new ConfigurationException(what + ": MongoDB URL " + redacted + " names no database; add it as the"
                    + " path, e.g. " + exampleWithDatabase(base, query) + " (Python minibatch would silently use 'test')");
        }
        return new Target(redacted, connectionString, database, own, Duration.ofMillis(selectionMillis),
                hasSelectionTimeout);
    }

    private static String exampleWithDatabase(String base, String query) {
        String b = Urls.redact(base.endsWith("/") ? base.substring(0, base.length() - 1) : base);
        return b + "/dbname" + (query.isEmpty() ? "" : "?…");
    }

    /**
     * Creates a client and pings the database, failing within about the selection timeout.
     *
     * @param what names the user of the client in messages
     */
    static MongoClient open(Target target, String what) {
        MongoClientSettings.Builder settings = MongoClientSettings.builder()
                .applyConnectionString(target.connectionString())
                .uuidRepresentation(UuidRepresentation.STANDARD);
        if (!target.explicitSelectionTimeout()) {
            settings.applyToClusterSettings(c -> c.serverSelectionTimeout(DEFAULT_SELECTION_TIMEOUT_MS, TimeUnit.MILLISECONDS));
        }
        if (target.connectionString().getApplicationName() == null) {
            settings.applicationName("minibatch");
        }
        MongoClient client;
        try {
            client = MongoClients.create(settings.build());
        } catch (IllegalArgumentException | MongoException e) {
            throw new ConfigurationException(what + ": cannot create a MongoDB client for " + target.redacted() + ": "
                    + Urls.redact(String.valueOf(e.getMessage())), e);
        }
        try {
            client.getDatabase(target.database()).runCommand(new BsonDocument("ping", new BsonInt32(1)));
            return client;
        } catch (RuntimeException e) {
            client.close();
            throw unreachable(target, what, e);
        }
    }

    /** The exception for a server that cannot be used, naming hosts and URL (password removed). */
    static StoreException unreachable(Target target, String what, RuntimeException e) {
        if (e instanceof MongoTimeoutException) {
            return new StoreException(what + ": cannot reach MongoDB at " + target.hosts() + " (" + target.redacted()
                    + "): no server answered within " + target.selectionTimeout().toMillis()
                    + " ms (serverSelectionTimeoutMS); driver: " + shorten(e.getMessage()), e);
        }
        if (e instanceof MongoSecurityException) {
            return new StoreException(what + ": MongoDB at " + target.hosts() + " (" + target.redacted()
                    + ") refused the credentials: " + shorten(e.getMessage()), e);
        }
        return new StoreException(what + ": MongoDB at " + target.hosts() + " (" + target.redacted() + ") failed: "
                + shorten(e.getMessage()), e);
    }

    static String shorten(String message) {
        String text = Urls.redact(String.valueOf(message));
        return text.length() > 600 ? text.substring(0, 600) + "…" : text;
    }

    /** Parses a boolean option value or fails naming the option. */
    static boolean flag(Target target, String what, String option, boolean fallback) {
        String value = target.ownOptions().get(option);
        if (value == null) {
            return fallback;
        }
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "true", "yes", "1", "on" -> true;
            case "false", "no", "0", "off" -> false;
            default -> throw new ConfigurationException(what + ": URL " + target.redacted() + ": option '" + option
                    + "' must be true or false, was '" + value + "'");
        };
    }
}
