package dev.minibatch.omegaml;

import com.mongodb.ConnectionString;
import com.mongodb.MongoClientSettings;
import com.mongodb.MongoException;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoDatabase;
import dev.minibatch.model.ConfigurationException;
import dev.minibatch.Minibatch;
import dev.minibatch.model.StoreException;
import dev.minibatch.internal.Urls;
import dev.minibatch.mongo.MongoStore;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.UuidRepresentation;

/**
 * A connection to an omega|ml database, as omega|ml 0.18 makes it: the streams facade
 * ({@link #streams()}, omega|ml's {@code om.streams}) and dataset access for
 * {@link DatasetSource} and {@link DatasetSink}, all in the database that holds omega|ml's
 * {@code metadata} collection, so Python notebooks and Java services share streams and datasets.
 *
 * <p>URL: the argument, else {@code OMEGA_MONGO_URL}, else {@code MONGO_URL}, else omega|ml's
 * default {@code mongodb://admin:foobar@localhost:27017/omega}. With {@code OMEGA_TEST_MODE} set,
 * the database {@code omega} becomes {@code testdb}, as in omega|ml. Client options follow
 * omega|ml: {@code authSource=admin} with credentials, standard UUIDs, connect and server
 * selection timeout {@code OMEGA_MONGO_TIMEOUT} ms (2500), TLS when {@code OMEGA_USESSL} is true.
 *
 * <p>Thread-safe. {@link #close()} stops the streams' consumers and closes the client (unless you
 * passed your own).
 */
public final class Omega implements AutoCloseable {

    /** omega|ml's default URL. */
    public static final String DEFAULT_URL = "mongodb://admin:foobar@localhost:27017/omega";

    /** omega|ml's default bucket. */
    public static final String DEFAULT_BUCKET = "omegaml";

    private final MongoClient client;
    private final boolean ownsClient;
    private final MongoDatabase database;
    private final String bucket;
    private final boolean hashedNames;
    private final String redactedUrl;
    private final Minibatch minibatch;
    private final OmegaStreams streams;
    private final OmegaDatasets datasets;

    private Omega(MongoClient client, boolean ownsClient, String databaseName, String bucket, boolean hashedNames,
                  String redactedUrl, boolean recoverExpiredLeases) {
        this.client = client;
        this.ownsClient = ownsClient;
        this.database = client.getDatabase(databaseName);
        this.bucket = bucket;
        this.hashedNames = hashedNames;
        this.redactedUrl = redactedUrl;
        this.minibatch = Minibatch.builder()
                .store(new MongoStore(client, databaseName, true, recoverExpiredLeases))
                .build();
        this.streams = new OmegaStreams(this);
        this.datasets = new OmegaDatasets(this);
    }

    /** Connects as omega|ml does, from the environment. */
    public static Omega connect() {
        return builder().build();
    }

    /** Connects to {@code url} (its path names the database). */
    public static Omega connect(String url) {
        return builder().url(url).build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The facade mirroring {@code om.streams}. */
    public OmegaStreams streams() {
        return streams;
    }

    /** Dataset metadata and collection names, as omega|ml stores them. */
    public OmegaDatasets datasets() {
        return datasets;
    }

    /** The minibatch client on omega|ml's database (stream names are qualified by {@link OmegaStreams}). */
    public Minibatch minibatch() {
        return minibatch;
    }

    /** The bucket, e.g. {@code omegaml}. */
    public String bucket() {
        return bucket;
    }

    /** Whether dataset collections get hashed names ({@code OMEGA_STORE_HASHEDNAMES}). */
    public boolean hashedNames() {
        return hashedNames;
    }

    /** The omega|ml database. */
    public MongoDatabase database() {
        return database;
    }

    /** The URL, password removed. */
    public String url() {
        return redactedUrl;
    }

    /** The same database with another bucket. */
    public Omega bucket(String other) {
        Objects.requireNonNull(other, "bucket");
        return new Omega(client, false, database.getName(), other, hashedNames, redactedUrl, true);
    }

    @Override
    public void close() {
        minibatch.close();
        if (ownsClient) {
            client.close();
        }
    }

    @Override
    public String toString() {
        return "Omega[" + redactedUrl + ", bucket " + bucket + "]";
    }

    /** Configures an {@link Omega}. */
    public static final class Builder {
        private String url;
        private MongoClient client;
        private String database;
        private String bucket = DEFAULT_BUCKET;
        private Boolean hashedNames;
        private boolean recoverExpiredLeases = true;

        private Builder() {
        }

        /** The MongoDB URL; default from {@code OMEGA_MONGO_URL}, {@code MONGO_URL}, then omega|ml's default. */
        public Builder url(String mongoUrl) {
            this.url = mongoUrl;
            return this;
        }

        /** A client you manage (not closed by {@link Omega#close()}) and the database to use. */
        public Builder client(MongoClient mongoClient, String databaseName) {
            this.client = Objects.requireNonNull(mongoClient, "client");
            this.database = Objects.requireNonNull(databaseName, "database");
            return this;
        }

        public Builder bucket(String name) {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("bucket must not be empty");
            }
            this.bucket = name;
            return this;
        }

        /** Overrides {@code OMEGA_STORE_HASHEDNAMES} (default true). */
        public Builder hashedNames(boolean hashed) {
            this.hashedNames = hashed;
            return this;
        }

        /**
         * Whether expired leases are recovered (default true). Turn off when Python consumers share
         * the streams (see the mongo module's notes on mixed Java/Python use).
         */
        public Builder recoverExpiredLeases(boolean recover) {
            this.recoverExpiredLeases = recover;
            return this;
        }

        public Omega build() {
            boolean hashed = hashedNames != null ? hashedNames : !isFalse(System.getenv("OMEGA_STORE_HASHEDNAMES"));
            if (client != null) {
                return new Omega(client, false, database, bucket, hashed, "mongodb (client)/" + database, recoverExpiredLeases);
            }
            String resolved = withAdminAuthSource(resolveUrl(url));
            ConnectionString connection;
            try {
                connection = new ConnectionString(resolved);
            } catch (IllegalArgumentException e) {
                throw new ConfigurationException("omega|ml URL " + Urls.redact(resolved) + " is not a MongoDB URL: "
                        + e.getMessage(), e);
            }
            String db = connection.getDatabase();
            if (db == null || db.isBlank()) {
                throw new ConfigurationException("omega|ml URL " + Urls.redact(resolved)
                        + " names no database; add it as the path, e.g. mongodb://host:27017/omega");
            }
            long timeout = timeoutMillis();
            MongoClientSettings.Builder settings = MongoClientSettings.builder()
                    .applyConnectionString(connection)
                    .uuidRepresentation(UuidRepresentation.STANDARD)
                    .applyToSocketSettings(s -> s.connectTimeout((int) timeout, TimeUnit.MILLISECONDS))
                    .applyToClusterSettings(s -> s.serverSelectionTimeout(timeout, TimeUnit.MILLISECONDS));
            if (isTrue(System.getenv("OMEGA_USESSL"))) {
                settings.applyToSslSettings(s -> s.enabled(true));
            }
            MongoClient created = MongoClients.create(settings.build());
            try {
                created.getDatabase(db).runCommand(new BsonDocument("ping", new BsonInt32(1)));
            } catch (MongoException e) {
                created.close();
                throw new StoreException("cannot reach omega|ml's MongoDB at " + String.join(",", connection.getHosts())
                        + " (" + Urls.redact(resolved) + ") within " + timeout + " ms: " + e.getMessage(), e);
            }
            return new Omega(created, true, db, bucket, hashed, Urls.redact(resolved), recoverExpiredLeases);
        }

        private static long timeoutMillis() {
            String configured = System.getenv("OMEGA_MONGO_TIMEOUT");
            try {
                return configured == null || configured.isBlank() ? 2500 : Long.parseLong(configured.trim());
            } catch (NumberFormatException e) {
                throw new ConfigurationException("OMEGA_MONGO_TIMEOUT must be milliseconds, was '" + configured + "'");
            }
        }
    }

    /** The URL omega|ml would use: argument → OMEGA_MONGO_URL → MONGO_URL → default; test mode → testdb. */
    static String resolveUrl(String explicit) {
        String url = firstNonBlank(explicit, System.getenv("OMEGA_MONGO_URL"), System.getenv("MONGO_URL"), DEFAULT_URL);
        if (isTrue(System.getenv("OMEGA_TEST_MODE"))) {
            url = url.replaceFirst("/omega(?=$|\\?)", "/testdb");
        }
        return url;
    }

    /** omega|ml authenticates against {@code admin} unless the URL says otherwise. */
    static String withAdminAuthSource(String url) {
        int scheme = url.indexOf("://");
        String rest = scheme < 0 ? url : url.substring(scheme + 3);
        int slash = rest.indexOf('/');
        String authority = slash < 0 ? rest : rest.substring(0, slash);
        if (!authority.contains("@") || url.startsWith("mongodb+srv") || url.contains("authSource=")) {
            return url;
        }
        if (slash < 0) {
            return url; // no database: build() reports that
        }
        return url + (url.contains("?") ? "&" : "?") + "authSource=admin";
    }

    private static String firstNonBlank(String... values) {
        for (String v : values) {
            if (v != null && !v.isBlank()) {
                return v.trim();
            }
        }
        return null;
    }

    private static boolean isTrue(String value) {
        return value != null && switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "1", "true", "yes", "on" -> true;
            default -> false;
        };
    }

    private static boolean isFalse(String value) {
        return value != null && switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "0", "false", "no", "off" -> true;
            default -> false;
        };
    }
}
