package dev.minibatch.plugin;

import dev.minibatch.model.ConfigurationException;
import dev.minibatch.internal.Home;
import dev.minibatch.internal.Urls;
import dev.minibatch.spi.emitter.EmitterProvider;
import dev.minibatch.spi.Options;
import dev.minibatch.spi.Provider;
import dev.minibatch.spi.connector.Sink;
import dev.minibatch.spi.connector.SinkProvider;
import dev.minibatch.spi.connector.Source;
import dev.minibatch.spi.connector.SourceProvider;
import dev.minibatch.spi.store.StoreProvider;
import dev.minibatch.spi.store.StreamStore;
import dev.minibatch.spi.emitter.WindowEmitter;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.TreeMap;

/**
 * The registry of named providers: stores by URL scheme; sources, sinks and emitters by lower-case
 * name. Built from {@link ServiceLoader} over a class loader (Maven modules on the class path) plus
 * the PF4J plugins of a plugins folder ({@link #discover(ClassLoader, Path)}, loaded by
 * {@link dev.minibatch.plugin.PluginFolder}), and, with {@link #plus(Providers)}, any other origin.
 * {@link #defaults()} does both once per JVM. A provider that fails to
 * load is recorded in {@link #errors()} and skipped; two providers claiming one name make that name
 * unusable, with an error naming both origins, while every other name keeps working.
 *
 * <p>Immutable and thread-safe.
 */
public final class Providers {

    /** A discovered provider and where it came from. */
    public record Entry(Kind kind, String name, String version, String description, String origin, Provider provider) {
    }

    /** A provider that could not be loaded, and why. */
    public record LoadError(String origin, String message) {
    }

    /** The four kinds of provider. */
    public enum Kind {
        /** Stores ({@link StoreProvider}), found by URL scheme. */
        STORE(StoreProvider.class, "store"),
        /** Sources ({@link SourceProvider}). */
        SOURCE(SourceProvider.class, "source"),
        /** Sinks ({@link SinkProvider}). */
        SINK(SinkProvider.class, "sink"),
        /** Window emitters ({@link EmitterProvider}). */
        EMITTER(EmitterProvider.class, "emitter");

        final Class<? extends Provider> type;
        final String label;

        Kind(Class<? extends Provider> type, String label) {
            this.type = type;
            this.label = label;
        }

        /**
         * The kind's lower-case name in messages, e.g. {@code "emitter"}.
         *
         * @return the label
         */
        public String label() {
            return label;
        }

        /**
         * The provider interface of this kind, e.g. {@code EmitterProvider.class}.
         *
         * @return the provider interface
         */
        public Class<? extends Provider> type() {
            return type;
        }
    }

    private static volatile Providers defaults;

    private final Map<Kind, Map<String, List<Entry>>> byName;
    private final List<LoadError> errors;

    private Providers(Map<Kind, Map<String, List<Entry>>> byName, List<LoadError> errors) {
        this.byName = byName;
        this.errors = List.copyOf(errors);
    }

    /**
     * Providers on the class path of minibatch's own class loader plus those of the plugins folder
     * ({@link #pluginsDirectory()}), loaded once per JVM and cached. Plugins that fail to load are in
     * {@link #errors()}; a missing plugins folder means no plugins.
     *
     * @return the cached registry
     */
    public static Providers defaults() {
        Providers p = defaults;
        if (p == null) {
            synchronized (Providers.class) {
                if (defaults == null) {
                    defaults = discover(Providers.class.getClassLoader(), pluginsDirectory());
                }
                p = defaults;
            }
        }
        return p;
    }

    /**
     * Providers visible through {@code loader}'s {@code META-INF/services} plus the plugins in
     * {@code pluginsDir} (each in its own class loader under {@code loader}); not cached. A missing
     * or null folder adds no plugins. For the command line and tests.
     *
     * @param loader the class loader to search
     * @param pluginsDir the plugins folder, or null
     * @return a new registry
     */
    public static Providers discover(ClassLoader loader, Path pluginsDir) {
        Providers classPath = discover(loader, (String) null);
        return pluginsDir == null ? classPath : classPath.plus(PluginFolder.load(pluginsDir, loader));
    }

    /**
     * The plugins folder: system property {@code minibatch.plugins}, else environment variable
     * {@code MINIBATCH_PLUGINS}, else {@code plugins} under minibatch's home ({@code ~/.minibatch}).
     *
     * @return the plugins folder
     */
    public static Path pluginsDirectory() {
        String configured = System.getProperty("minibatch.plugins");
        if (configured == null || configured.isBlank()) {
            configured = System.getenv("MINIBATCH_PLUGINS");
        }
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured.trim());
        }
        return Home.directory().resolve("plugins");
    }

    /**
     * Providers visible through {@code loader}'s {@code META-INF/services}.
     *
     * @param loader the class loader to search
     * @return a new registry
     */
    public static Providers discover(ClassLoader loader) {
        return discover(loader, (String) null);
    }

    /**
     * Providers visible through {@code loader}, with {@code origin} overriding where they say they
     * came from (a plugin id), or null to use each class's jar.
     *
     * @param loader the class loader to search
     * @param origin where the providers came from, or null
     * @return a new registry
     */
    public static Providers discover(ClassLoader loader, String origin) {
        List<Entry> entries = new ArrayList<>();
        List<LoadError> errors = new ArrayList<>();
        for (Kind kind : Kind.values()) {
            ServiceLoader<? extends Provider> loaded = ServiceLoader.load(kind.type, loader);
            var iterator = loaded.stream().iterator();
            while (true) {
                try {
                    if (!iterator.hasNext()) {
                        break;
                    }
                    ServiceLoader.Provider<? extends Provider> candidate = iterator.next();
                    Class<? extends Provider> type = candidate.type();
                    try {
                        Provider provider = candidate.get();
                        entries.add(entry(kind, provider, origin != null ? origin : originOf(type)));
                    } catch (ServiceConfigurationError | RuntimeException | LinkageError e) {
                        errors.add(new LoadError(origin != null ? origin : originOf(type),
                                kind.label + " provider " + type.getName() + " failed to load: " + describe(e)));
                    }
                } catch (ServiceConfigurationError | LinkageError e) {
                    errors.add(new LoadError(origin != null ? origin : "class path",
                            kind.label + " provider failed to load: " + describe(e)));
                }
            }
        }
        return of(entries, errors);
    }

    /**
     * A registry of exactly these entries (tests, explicit registration).
     *
     * @param entries the providers
     * @param errors the load errors
     * @return a new registry
     */
    public static Providers of(List<Entry> entries, List<LoadError> errors) {
        Map<Kind, Map<String, List<Entry>>> byName = new java.util.EnumMap<>(Kind.class);
        for (Kind kind : Kind.values()) {
            byName.put(kind, new TreeMap<>());
        }
        for (Entry e : entries) {
            List<Entry> same = byName.get(e.kind()).computeIfAbsent(e.name(), n -> new ArrayList<>());
            // one class seen twice through one origin (e.g. parent and child loaders) is not a conflict
            boolean duplicate = same.stream().anyMatch(x -> x.provider().getClass().getName()
                    .equals(e.provider().getClass().getName()) && x.origin().equals(e.origin()));
            if (!duplicate) {
                same.add(e);
            }
            if (e.provider() instanceof StoreProvider store) {
                for (String alias : store.schemes()) {
                    if (!alias.equals(e.name())) {
                        byName.get(Kind.STORE).computeIfAbsent(alias, n -> new ArrayList<>()).add(e);
                    }
                }
            }
        }
        return new Providers(byName, errors);
    }

    /**
     * This registry plus another's entries and errors (e.g. class path + plugins folder).
     *
     * @param other the other registry
     * @return a new registry
     */
    public Providers plus(Providers other) {
        List<Entry> all = new ArrayList<>();
        for (Providers p : List.of(this, other)) {
            p.byName.values().forEach(m -> m.forEach((name, list) -> list.stream()
                    .filter(e -> e.name().equals(name)).forEach(all::add)));
        }
        List<LoadError> errs = new ArrayList<>(errors);
        errs.addAll(other.errors);
        return of(all, errs);
    }

    private static Entry entry(Kind kind, Provider provider, String origin) {
        String name = provider.name();
        if (name == null || name.isBlank()) {
            throw new IllegalStateException("provider " + provider.getClass().getName() + " has no name");
        }
        return new Entry(kind, name.toLowerCase(Locale.ROOT), provider.version(), provider.description(), origin, provider);
    }

    private static String originOf(Class<?> type) {
        try {
            CodeSource source = type.getProtectionDomain().getCodeSource();
            return source == null || source.getLocation() == null ? type.getName() : source.getLocation().toString();
        } catch (SecurityException e) {
            return type.getName();
        }
    }

    private static String describe(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root == e ? String.valueOf(e) : e.getMessage() + " (caused by " + root + ")";
    }

    /**
     * Every usable provider, by kind and name.
     *
     * @return the providers
     */
    public List<Entry> list() {
        List<Entry> out = new ArrayList<>();
        byName.forEach((kind, names) -> names.forEach((name, list) -> list.stream()
                .filter(e -> e.name().equals(name)).forEach(out::add)));
        return Collections.unmodifiableList(out);
    }

    /**
     * Providers that failed to load, with where and why.
     *
     * @return the load errors
     */
    public List<LoadError> errors() {
        return errors;
    }

    /**
     * The names known for a kind (URL schemes for stores).
     *
     * @param kind the kind
     * @return the names
     */
    public List<String> names(Kind kind) {
        return List.copyOf(byName.get(kind).keySet());
    }

    /**
     * The single provider of a kind and name, or a clear error listing the known names.
     *
     * @param kind the kind
     * @param name the provider's name
     * @return the provider's entry
     */
    public Entry find(Kind kind, String name) {
        if (name == null || name.isBlank()) {
            throw new ConfigurationException(kind.label + " name must not be empty; known: " + String.join(", ", names(kind)));
        }
        List<Entry> found = byName.get(kind).get(name.toLowerCase(Locale.ROOT));
        if (found == null || found.isEmpty()) {
            throw new ConfigurationException("unknown " + kind.label + " '" + name + "'; known "
                    + kind.label + (kind == Kind.STORE ? " schemes" : "s") + ": "
                    + (names(kind).isEmpty() ? "(none)" : String.join(", ", names(kind)))
                    + (errors.isEmpty() ? "" : " (" + errors.size() + " provider(s) failed to load; see 'minibatch plugins')"));
        }
        if (found.size() > 1) {
            StringBuilder origins = new StringBuilder();
            for (Entry e : found) {
                origins.append(origins.length() == 0 ? "" : " and ").append(e.provider().getClass().getName())
                        .append(" from ").append(e.origin());
            }
            throw new ConfigurationException("two " + kind.label + " providers are named '" + name + "': " + origins
                    + "; remove one of them");
        }
        return found.get(0);
    }

    /**
     * Opens a store by URL scheme.
     *
     * @param url the store's URL
     * @return the open store
     */
    public StreamStore openStore(String url) {
        String scheme = Urls.scheme(url);
        if (scheme == null) {
            throw new ConfigurationException("store URL '" + Urls.redact(url) + "' has no scheme; known schemes: "
                    + String.join(", ", names(Kind.STORE)) + " (e.g. sqlite:/path/file.db, memory:, mongodb://host/db)");
        }
        Entry entry = find(Kind.STORE, scheme);
        return ((StoreProvider) entry.provider()).open(url);
    }

    /**
     * A new emitter by name, options validated first.
     *
     * @param name the emitter provider's name
     * @param options the emitter's options
     * @return a new emitter
     */
    public WindowEmitter emitter(String name, Map<String, ?> options) {
        Entry entry = find(Kind.EMITTER, name);
        Options valid = validated(entry, options);
        return created(entry, () -> ((EmitterProvider) entry.provider()).create(valid));
    }

    /**
     * A new source by name, options validated first.
     *
     * @param name the source provider's name
     * @param options the source's options
     * @return a new source
     */
    public Source source(String name, Map<String, ?> options) {
        Entry entry = find(Kind.SOURCE, name);
        Options valid = validated(entry, options);
        return created(entry, () -> ((SourceProvider) entry.provider()).create(valid));
    }

    /**
     * A new sink by name, options validated first.
     *
     * @param name the sink provider's name
     * @param options the sink's options
     * @return a new sink
     */
    public Sink sink(String name, Map<String, ?> options) {
        Entry entry = find(Kind.SINK, name);
        Options valid = validated(entry, options);
        return created(entry, () -> ((SinkProvider) entry.provider()).create(valid));
    }

    private static <T> T created(Entry entry, java.util.function.Supplier<T> factory) {
        try {
            return factory.get();
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException(entry.kind().label + " '" + entry.name() + "': " + e.getMessage(), e);
        }
    }

    private static Options validated(Entry entry, Map<String, ?> options) {
        return Options.validate(entry.kind().label + " '" + entry.name() + "'", entry.provider().options(),
                options == null ? Map.of() : options);
    }
}
