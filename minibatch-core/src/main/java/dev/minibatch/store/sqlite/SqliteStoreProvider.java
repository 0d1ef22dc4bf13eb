package dev.minibatch.store.sqlite;

import dev.minibatch.model.ConfigurationException;
import dev.minibatch.internal.Home;
import dev.minibatch.spi.Options;
import dev.minibatch.spi.store.StoreProvider;
import dev.minibatch.spi.store.StreamStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * {@code sqlite:} — the embedded default. {@code sqlite:} alone is {@code ~/.minibatch/minibatch.db}
 * (or under {@code MINIBATCH_HOME}); {@code sqlite:/abs/file.db}, {@code sqlite:relative.db} and
 * {@code sqlite:///abs/file.db} name a file. Query options: {@code synchronous=NORMAL|FULL},
 * {@code busyTimeout=10s}, {@code crossProcessWakeups=true|false} (default true: appends by other
 * processes wake idle consumers through a watch of the file's log; false: they poll at their
 * interval).
 */
public final class SqliteStoreProvider implements StoreProvider {

    @Override
    public String name() {
        return "sqlite";
    }

    @Override
    public String description() {
        return "embedded SQLite file (WAL), shared by processes on one machine; the default";
    }

    @Override
    public StreamStore open(String url) {
        String rest = url.substring("sqlite:".length());
        Map<String, String> params = new LinkedHashMap<>();
        int q = rest.indexOf('?');
        if (q >= 0) {
            for (String pair : rest.substring(q + 1).split("&")) {
                if (pair.isEmpty()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                if (eq <= 0) {
                    throw new ConfigurationException("SQLite URL " + url + ": option '" + pair + "' needs name=value");
                }
                params.put(pair.substring(0, eq), pair.substring(eq + 1));
            }
            rest = rest.substring(0, q);
        }
        if (rest.startsWith("//")) {
            rest = rest.substring(2);
        }
        Path file = rest.isEmpty() ? Home.directory().resolve("minibatch.db") : Path.of(rest);
        String synchronous = "NORMAL";
        Duration busy = Duration.ofSeconds(10);
        boolean crossProcessWakeups = true;
        for (Map.Entry<String, String> p : params.entrySet()) {
            switch (p.getKey()) {
                case "synchronous" -> {
                    synchronous = p.getValue().toUpperCase(Locale.ROOT);
                    if (!synchronous.equals("NORMAL") && !synchronous.equals("FULL")) {
                        throw new ConfigurationException("SQLite URL " + url + ": synchronous must be NORMAL or FULL, was "
                                + p.getValue());
                    }
                }
                case "busyTimeout" -> busy = Options.parseDuration(p.getValue());
                case "crossProcessWakeups" -> {
                    String v = p.getValue().toLowerCase(Locale.ROOT);
                    if (!v.equals("true") && !v.equals("false")) {
                        throw new ConfigurationException("SQLite URL " + url + ": crossProcessWakeups must be true or false, was "
                                + p.getValue());
                    }
                    crossProcessWakeups = v.equals("true");
                }
                default -> throw new ConfigurationException("SQLite URL " + url + ": unknown option '" + p.getKey()
                        + "'; valid options: synchronous, busyTimeout, crossProcessWakeups");
            }
        }
        return new SqliteStore(url, file, synchronous, busy, crossProcessWakeups);
    }
}
