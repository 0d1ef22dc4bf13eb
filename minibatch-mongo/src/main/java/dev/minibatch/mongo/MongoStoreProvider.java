package dev.minibatch.mongo;

import com.mongodb.client.MongoClient;
import dev.minibatch.model.StoreException;
import dev.minibatch.spi.store.StoreProvider;
import dev.minibatch.spi.store.StreamStore;
import java.util.List;
import java.util.Set;

/**
 * {@code mongodb://host[:port][,host2…]/database[?options]} and {@code mongodb+srv://host/database}:
 * the {@link MongoStore}, sharing streams with Python minibatch 0.6.
 *
 * <p>The database is the URL path and is required. Driver options pass through unchanged
 * ({@code replicaSet}, {@code tls}, {@code w}, {@code serverSelectionTimeoutMS} — default here 5000,
 * …). minibatch's own options:
 * <ul>
 *   <li>{@code windows=true|false} (default false): write Python-compatible {@code window}
 *       documents for each claim, so Python's {@code Stream.window()} sees Java windows; it costs
 *       two more commands per window.</li>
 *   <li>{@code recovery=true|false} (default true): before claiming, make the messages of expired
 *       Java leases pending again ({@code attempts + 1}). It touches only documents carrying a Java
 *       lease; false reproduces Python's behaviour (a crashed consumer's messages stay
 *       {@code processed: true}).</li>
 *   <li>{@code changeStream=auto|true|false} (default auto): wake idle consumers by a change stream
 *       on {@code buffer} where the server has them, else poll; {@code true} requires them (opening
 *       fails naming the server's refusal), {@code false} always polls.</li>
 *   <li>{@code claims=auto|update|locks} (default auto): how claims are made atomic; {@code update}
 *       is one guarded {@code updateMany} (3 commands a window), {@code locks} a unique-key lock
 *       insert per message (5 commands a window) for servers whose update filters are not atomic;
 *       auto picks locks on FerretDB (by its {@code buildInfo}), update elsewhere.</li>
 * </ul>
 * Opening pings the server: an unreachable one fails within the server selection timeout with a
 * {@link StoreException} naming the hosts, password removed.
 */
public final class MongoStoreProvider implements StoreProvider {

    static final Set<String> OPTIONS = Set.of("windows", "recovery", "changestream", "claims");

    @Override
    public String name() {
        return "mongodb";
    }

    @Override
    public List<String> schemes() {
        return List.of("mongodb", "mongodb+srv");
    }

    @Override
    public String description() {
        return "MongoDB (stream/buffer/window collections, compatible with Python minibatch 0.6); many hosts";
    }

    @Override
    public StreamStore open(String url) {
        String what = "MongoDB store";
        MongoConnection.Target target = MongoConnection.parse(url, what, OPTIONS, null);
        MongoStoreOptions options = MongoStoreOptions.defaults()
                .withWindows(MongoConnection.flag(target, what, "windows", false))
                .withRecovery(MongoConnection.flag(target, what, "recovery", true))
                .withChangeStreams(changeStreams(target, what))
                .withClaims(claims(target, what));
        MongoClient client = MongoConnection.open(target, what);
        try {
            return new MongoStore(target.redacted(), client, true, target.database(), options);
        } catch (RuntimeException e) {
            client.close();
            throw e;
        }
    }

    private static MongoStoreOptions.ClaimMode claims(MongoConnection.Target target, String what) {
        String value = target.ownOptions().get("claims");
        if (value == null) {
            return MongoStoreOptions.ClaimMode.AUTO;
        }
        return switch (value.toLowerCase(java.util.Locale.ROOT)) {
            case "auto" -> MongoStoreOptions.ClaimMode.AUTO;
            case "update" -> MongoStoreOptions.ClaimMode.UPDATE;
            case "locks" -> MongoStoreOptions.ClaimMode.LOCKS;
            default -> throw new dev.minibatch.model.ConfigurationException(what + ": URL " + target.redacted()
                    + ": option 'claims' must be auto, update or locks, was '" + value + "'");
        };
    }

    private static MongoSource.ChangeStreams changeStreams(MongoConnection.Target target, String what) {
        String value = target.ownOptions().get("changestream");
        if (value == null || value.equalsIgnoreCase("auto")) {
            return MongoSource.ChangeStreams.AUTO;
        }
        return switch (value.toLowerCase(java.util.Locale.ROOT)) {
            case "true", "yes", "1", "on" -> MongoSource.ChangeStreams.ON;
            case "false", "no", "0", "off" -> MongoSource.ChangeStreams.OFF;
            default -> throw new dev.minibatch.model.ConfigurationException(what + ": URL " + target.redacted()
                    + ": option 'changeStream' must be auto, true or false, was '" + value + "'");
        };
    }
}
