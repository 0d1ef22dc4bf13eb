package dev.minibatch.mongo;

import com.mongodb.client.MongoClient;
import dev.minibatch.StoreException;
import dev.minibatch.spi.StoreProvider;
import dev.minibatch.spi.StreamStore;
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
 *   <li>{@code windows=true|false} (default true): write Python-compatible {@code window}
 *       documents for each claim, so Python's {@code Stream.window()} sees Java windows; false saves
 *       two writes per window.</li>
 *   <li>{@code recovery=true|false} (default true): before claiming, make the messages of expired
 *       Java leases pending again ({@code attempts + 1}). It touches only documents carrying a Java
 *       lease; false reproduces Python's behaviour (a crashed consumer's messages stay
 *       {@code processed: true}).</li>
 * </ul>
 * Opening pings the server: an unreachable one fails within the server selection timeout with a
 * {@link StoreException} naming the hosts, password removed.
 */
public final class MongoStoreProvider implements StoreProvider {

    static final Set<String> OPTIONS = Set.of("windows", "recovery");

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
        boolean windows = MongoConnection.flag(target, what, "windows", true);
        boolean recovery = MongoConnection.flag(target, what, "recovery", true);
        MongoClient client = MongoConnection.open(target, what);
        try {
            return new MongoStore(target.redacted(), client, true, target.database(), windows, recovery);
        } catch (RuntimeException e) {
            client.close();
            throw e;
        }
    }
}
