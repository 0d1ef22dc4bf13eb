package dev.minibatch.plugin;

import dev.minibatch.plugin.Providers.Entry;
import dev.minibatch.plugin.Providers.Kind;
import dev.minibatch.plugin.Providers.LoadError;
import dev.minibatch.spi.Provider;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.Set;
import org.pf4j.PluginWrapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads the providers of a plugins folder: each {@code *.jar} (no dependencies) or {@code *.zip}
 * ({@code lib/} with dependencies) in it is a PF4J plugin whose providers are declared exactly like
 * class-path ones, in {@code META-INF/services/dev.minibatch.spi.*Provider} files.
 *
 * <p>What happens, per plugin file: the manifest descriptor is read ({@code Plugin-Id},
 * {@code Plugin-Version}, {@code Plugin-Requires}); a plugin whose {@code Plugin-Requires} range
 * does not accept this core ({@link CoreVersion#semver()}) is refused; the plugin gets its own
 * class loader ({@link IsolatingClassLoader}: plugin first, except the API shared with the core);
 * PF4J starts it (running its optional {@code Plugin-Class}); then {@link ServiceLoader} runs over
 * its class loader and keeps only providers defined by that loader (the parent's providers are
 * visible through it too and would otherwise appear twice). Their origin reads
 * {@code plugin <id>@<version> (<file name>)}.
 *
 * <p>Nothing here is fatal: an unreadable jar, a missing descriptor entry, a wrong core version, a
 * plugin id present twice, a provider that cannot be created — each becomes a
 * {@link LoadError} naming the file and the reason, is logged at WARN, and that plugin (or provider)
 * is skipped while the rest load. A missing folder means no plugins and no error.
 *
 * <p>Thread-safe (no shared state); each call loads the folder anew. Class loaders stay open for as
 * long as the returned providers are used.
 */
public final class PluginFolder {

    private static final Logger LOG = LoggerFactory.getLogger(PluginFolder.class);

    private PluginFolder() {
    }

    /** The providers of the plugins in {@code folder}, with the core's class loader as parent. */
    public static Providers load(Path folder) {
        return load(folder, Providers.class.getClassLoader());
    }

    /**
     * The providers of the plugins in {@code folder}.
     *
     * @param folder the plugins folder; missing = no plugins
     * @param parent the class loader plugins see the core (and anything else shared) through
     */
    public static Providers load(Path folder, ClassLoader parent) {
        Objects.requireNonNull(parent, "parent class loader");
        if (folder == null || !Files.exists(folder)) {
            return Providers.of(List.of(), List.of());
        }
        if (!Files.isDirectory(folder)) {
            LoadError error = new LoadError(folder.toString(), "the plugins folder is a file, not a folder; no plugins loaded");
            LOG.warn("{}: {}", error.origin(), error.message());
            return Providers.of(List.of(), List.of(error));
        }
        try {
            return loadFolder(folder, parent);
        } catch (RuntimeException | LinkageError e) {
            // never fatal: without plugins, the class path's providers still work
            LoadError error = new LoadError(folder.toString(), "loading the plugins folder failed: "
                    + describe(e) + "; no plugins loaded");
            LOG.warn("{}: {}", error.origin(), error.message(), e);
            return Providers.of(List.of(), List.of(error));
        }
    }

    private static Providers loadFolder(Path folder, ClassLoader parent) {
        PluginManagerForFolder manager = new PluginManagerForFolder(folder, parent, CoreVersion.semver());
        List<LoadError> folderErrors = new ArrayList<>();
        try {
            manager.loadPlugins();
            manager.startPlugins();
        } catch (RuntimeException e) {
            // e.g. plugins that depend on each other in a cycle: PF4J cannot resolve any of them
            folderErrors.add(new LoadError(folder.toString(), "resolving the plugins failed: "
                    + PluginManagerForFolder.describe(e) + "; the plugins folder is skipped"));
        }
        List<Entry> entries = new ArrayList<>();
        for (PluginWrapper plugin : manager.started()) {
            List<String> shadowed = new ArrayList<>();
            List<Entry> found = providersOf(plugin, manager, shadowed);
            if (!shadowed.isEmpty()) {
                // e.g. a connector both in the application and dropped in as a plugin: one copy wins
                LOG.warn("{}: provider(s) {} are also on the class path; the class path's are used, the plugin's ignored",
                        manager.origin(plugin), shadowed);
            }
            if (found.isEmpty() && shadowed.isEmpty() && !manager.hasFailed(plugin)) {
                manager.fail(plugin, "plugin '" + plugin.getPluginId() + "' declares no providers: add"
                        + " META-INF/services/dev.minibatch.spi.emitter.EmitterProvider (or SourceProvider, SinkProvider,"
                        + " StoreProvider) listing its provider classes");
            }
            entries.addAll(found);
            LOG.info("loaded {} with {} provider(s)", manager.origin(plugin), found.size());
        }
        List<LoadError> errors = new ArrayList<>(manager.failures());
        errors.addAll(folderErrors);
        for (LoadError e : errors) {
            LOG.warn("plugin {}: {}", e.origin(), e.message());
        }
        return Providers.of(entries, errors);
    }

    private static List<Entry> providersOf(PluginWrapper plugin, PluginManagerForFolder manager, List<String> shadowed) {
        ClassLoader loader = plugin.getPluginClassLoader();
        String origin = manager.origin(plugin);
        List<Entry> entries = new ArrayList<>();
        for (Kind kind : Kind.values()) {
            Set<String> ownListed = listedInPlugin(loader, kind);
            Iterator<? extends ServiceLoader.Provider<? extends Provider>> it =
                    ServiceLoader.load(kind.type(), loader).stream().iterator();
            int broken = 0;
            while (broken < 100) { // a service loader makes a best effort past errors; bound it anyway
                ServiceLoader.Provider<? extends Provider> candidate;
                try {
                    if (!it.hasNext()) {
                        break;
                    }
                    candidate = it.next();
                } catch (ServiceConfigurationError | LinkageError e) {
                    broken++;
                    manager.fail(plugin, kind.label() + " provider listed in META-INF/services/" + kind.type().getName()
                            + " cannot be loaded: " + PluginManagerForFolder.describe(e));
                    continue;
                }
                Class<?> type;
                try {
                    type = candidate.type();
                } catch (ServiceConfigurationError | LinkageError e) {
                    manager.fail(plugin, kind.label() + " provider cannot be loaded: " + PluginManagerForFolder.describe(e));
                    continue;
                }
                if (type.getClassLoader() != loader) {
                    // the parent's (class path) provider, seen through the plugin's loader
                    if (ownListed.contains(type.getName())) {
                        shadowed.add(type.getName());
                    }
                    continue;
                }
                try {
                    Provider provider = candidate.get();
                    entries.add(entry(kind, provider, origin, plugin.getDescriptor().getVersion()));
                } catch (ServiceConfigurationError | RuntimeException | LinkageError e) {
                    manager.fail(plugin, kind.label() + " provider " + type.getName() + " failed to load: "
                            + PluginManagerForFolder.describe(e));
                }
            }
        }
        return entries;
    }

    /** Provider class names listed in the plugin's own service files (not the parent's). */
    private static Set<String> listedInPlugin(ClassLoader loader, Kind kind) {
        Set<String> names = new HashSet<>();
        if (!(loader instanceof URLClassLoader own)) {
            return names;
        }
        try {
            Enumeration<URL> files = own.findResources("META-INF/services/" + kind.type().getName());
            while (files.hasMoreElements()) {
                try (BufferedReader in = new BufferedReader(new InputStreamReader(files.nextElement().openStream(),
                        StandardCharsets.UTF_8))) {
                    in.lines().map(line -> line.replaceAll("#.*", "").trim()).filter(line -> !line.isEmpty())
                            .forEach(names::add);
                }
            }
        } catch (IOException e) {
            // only used to explain a shadowed provider; the service loader reports unreadable files
        }
        return names;
    }

    private static Entry entry(Kind kind, Provider provider, String origin, String pluginVersion) {
        String name = provider.name();
        if (name == null || name.isBlank()) {
            throw new IllegalStateException("provider " + provider.getClass().getName() + " has no name");
        }
        String version = provider.version();
        if (version == null || "unknown".equals(version)) {
            version = pluginVersion; // a provider's version is its plugin's unless it says otherwise
        }
        return new Entry(kind, name.toLowerCase(Locale.ROOT), version, provider.description(), origin, provider);
    }

    /**
     * A throwable as one line: PF4J's and our own plugin exceptions by message alone (they are
     * written for people), others with their type; causes appended. Refers to no PF4J class, so it
     * works even when PF4J itself is missing.
     */
    static String describe(Throwable e) {
        boolean ours = e.getClass().getName().startsWith("org.pf4j.") && e.getMessage() != null;
        StringBuilder text = new StringBuilder(ours ? e.getMessage()
                : e.getClass().getSimpleName() + ": " + (e.getMessage() == null ? "" : e.getMessage()));
        Throwable seen = e;
        Throwable cause = e.getCause();
        while (cause != null && cause != seen) {
            text.append(" (caused by ").append(cause).append(')');
            seen = cause;
            cause = cause.getCause();
        }
        return text.toString();
    }
}
