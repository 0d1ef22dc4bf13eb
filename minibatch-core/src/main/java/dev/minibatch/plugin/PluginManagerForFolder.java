package dev.minibatch.plugin;

import dev.minibatch.plugin.Providers.LoadError;
import java.io.IOException;
import java.lang.reflect.Modifier;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.pf4j.AbstractPluginManager;
import org.pf4j.DefaultPluginManager;
import org.pf4j.Plugin;
import org.pf4j.PluginDescriptor;
import org.pf4j.PluginDescriptorFinder;
import org.pf4j.PluginLoader;
import org.pf4j.PluginRepository;
import org.pf4j.PluginRuntimeException;
import org.pf4j.PluginState;
import org.pf4j.PluginWrapper;

/**
 * PF4J's plugin manager, set up the minibatch way for one plugins folder: plugins are the folder's
 * {@code *.jar} and {@code *.zip} files and plugin directories (PF4J layout: {@code classes/},
 * {@code lib/}); descriptors come from manifests ({@link ManifestDescriptors}); each plugin gets an
 * {@link IsolatingClassLoader} under the given parent; and every failure is recorded against its
 * file instead of only logged, so one bad plugin is reported and skipped while the others load.
 *
 * <p>Used once by {@link PluginFolder#load} on one thread, then dropped; the class loaders it made
 * live on through the providers loaded from them.
 */
final class PluginManagerForFolder extends DefaultPluginManager {

    private final Path folder;
    private final ClassLoader parent;
    /** Failures by the plugin file they concern, in discovery order. */
    private final Map<Path, String> failures = new LinkedHashMap<>();
    /** Unpacked zip folder → the zip it came from (to name the file the operator dropped in). */
    private final Map<Path, Path> unpackedFrom = new LinkedHashMap<>();
    private final List<Path> attempted = new ArrayList<>();

    PluginManagerForFolder(Path folder, ClassLoader parent, String systemVersion) {
        super(folder);
        this.folder = folder;
        this.parent = parent;
        setSystemVersion(systemVersion);
        // a plugin whose Plugin-Dependencies are missing is skipped (and reported), not fatal to all
        resolveRecoveryStrategy = AbstractPluginManager.ResolveRecoveryStrategy.IGNORE_PLUGIN_AND_CONTINUE;
    }

    // ---- PF4J factory methods (called from the super constructor: no fields may be read here) ----

    @Override
    protected PluginRepository createPluginRepository() {
        return new PluginRepository() {
            @Override
            public List<Path> getPluginPaths() {
                return listPluginFiles();
            }

            @Override
            public boolean deletePluginPath(Path pluginPath) {
                return false; // operators own the plugins folder; minibatch never deletes from it
            }
        };
    }

    @Override
    protected PluginDescriptorFinder createPluginDescriptorFinder() {
        return new ManifestDescriptors();
    }

    @Override
    protected PluginLoader createPluginLoader() {
        return new PluginLoader() {
            @Override
            public boolean isApplicable(Path pluginPath) {
                return true;
            }

            @Override
            public ClassLoader loadPlugin(Path pluginPath, PluginDescriptor descriptor) {
                return classLoaderFor(pluginPath, descriptor);
            }
        };
    }

    // ---- loading ---------------------------------------------------------------------------------

    private List<Path> listPluginFiles() {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(folder)) {
            for (Path p : entries) {
                String name = p.getFileName().toString();
                if (name.startsWith(".")) {
                    continue; // hidden: .unpacked and editor leftovers
                }
                if (PluginZips.isJar(p) || PluginZips.isZip(p) || Files.isDirectory(p)) {
                    out.add(p);
                }
            }
        } catch (IOException e) {
            failures.put(folder, "cannot list the plugins folder: " + e.getMessage());
        }
        out.sort(null); // a stable order, so "loaded first" means the same on every start
        return out;
    }

    private ClassLoader classLoaderFor(Path pluginPath, PluginDescriptor descriptor) {
        IsolatingClassLoader loader = new IsolatingClassLoader(this, descriptor, parent);
        if (Files.isRegularFile(pluginPath)) {
            loader.addFile(pluginPath.toFile());
            return loader;
        }
        Path classes = pluginPath.resolve("classes");
        Path lib = pluginPath.resolve("lib");
        boolean any = false;
        if (Files.isDirectory(classes)) {
            loader.addFile(classes.toFile());
            any = true;
        }
        if (Files.isDirectory(lib)) {
            List<Path> jars = new ArrayList<>();
            try (DirectoryStream<Path> stream = Files.newDirectoryStream(lib, "*.jar")) {
                stream.forEach(jars::add);
            } catch (IOException e) {
                throw new PluginRuntimeException("cannot list lib/: " + e.getMessage());
            }
            jars.sort(null);
            for (Path jar : jars) {
                loader.addFile(jar.toFile());
                any = true;
            }
        }
        if (!any) {
            throw new PluginRuntimeException("it has neither classes/ nor lib/*.jar");
        }
        return loader;
    }

    @Override
    protected PluginWrapper loadPluginFromPath(Path pluginPath) {
        Path original = pluginPath;
        attempted.add(original);
        try {
            Path path = pluginPath;
            if (PluginZips.isZip(pluginPath)) {
                try {
                    path = PluginZips.unpack(pluginPath);
                } catch (IOException e) {
                    throw new PluginRuntimeException("cannot unpack the zip: " + e.getMessage());
                }
                unpackedFrom.put(path, original);
            }
            PluginDescriptor descriptor = getPluginDescriptorFinder().find(path);
            PluginWrapper loaded = getPlugin(descriptor.getPluginId());
            if (loaded != null) {
                throw new PluginRuntimeException("plugin id '" + descriptor.getPluginId() + "' is already loaded from "
                        + originalOf(loaded.getPluginPath()).getFileName() + "; two files hold the same plugin, remove one");
            }
            return super.loadPluginFromPath(path);
        } catch (RuntimeException | LinkageError e) {
            // PluginRuntimeException from PF4J or us; anything else is a bug in a plugin's packaging
            failures.putIfAbsent(original, describe(e) + "; plugin skipped");
            return null;
        }
    }

    @Override
    protected boolean isPluginValid(PluginWrapper plugin) {
        PluginDescriptor d = plugin.getDescriptor();
        String requires = d.getRequires() == null ? "*" : d.getRequires().trim();
        if (!isExactVersionAllowed() && requires.matches("^\\d+\\.\\d+\\.\\d+$")) {
            requires = ">=" + requires; // PF4J's rule: a bare version means "this or newer"
        }
        String system = getSystemVersion();
        try {
            if ("0.0.0".equals(system) || getVersionManager().checkVersionConstraint(system, requires)) {
                return true;
            }
        } catch (RuntimeException e) {
            failures.putIfAbsent(originalOf(plugin.getPluginPath()), label(d) + ": Plugin-Requires '" + d.getRequires()
                    + "' is not a SemVer range such as >=" + system + " (" + e.getMessage() + "); plugin skipped");
            return false;
        }
        failures.putIfAbsent(originalOf(plugin.getPluginPath()), label(d) + " requires minibatch core " + d.getRequires()
                + ", but this core is " + CoreVersion.version() + " (checked as " + system + "); plugin skipped");
        return false;
    }

    // ---- results ---------------------------------------------------------------------------------

    /** Plugins that loaded and started, in file order. */
    List<PluginWrapper> started() {
        List<PluginWrapper> out = new ArrayList<>();
        for (PluginWrapper w : getPlugins()) {
            if (w.getPluginState() == PluginState.STARTED) {
                out.add(w);
            }
        }
        out.sort((a, b) -> originalOf(a.getPluginPath()).compareTo(originalOf(b.getPluginPath())));
        return out;
    }

    /** Every plugin file that was refused or failed, with why, plus folder-level problems. */
    List<LoadError> failures() {
        Map<Path, String> all = new LinkedHashMap<>(failures);
        for (PluginWrapper w : getPlugins()) {
            Path file = originalOf(w.getPluginPath());
            if (w.getPluginState() == PluginState.FAILED && !all.containsKey(file)) {
                all.put(file, label(w.getDescriptor()) + " failed to start: " + startFailure(w) + "; plugin skipped");
            }
        }
        // loaded but dropped while resolving Plugin-Dependencies
        for (Path file : attempted) {
            if (!all.containsKey(file) && getPlugins().stream().noneMatch(w -> originalOf(w.getPluginPath()).equals(file))) {
                all.put(file, "plugin not loaded: its Plugin-Dependencies could not be resolved (a required plugin is"
                        + " missing or has the wrong version); plugin skipped");
            }
        }
        List<LoadError> out = new ArrayList<>();
        all.forEach((file, why) -> out.add(new LoadError(file.toString(), why)));
        return out;
    }

    /** Why a plugin did not start, in the author's terms (PF4J reports a missing Plugin-Class as an NPE). */
    private static String startFailure(PluginWrapper w) {
        String pluginClass = w.getDescriptor().getPluginClass();
        if (pluginClass != null && !pluginClass.equals(Plugin.class.getName())) {
            try {
                Class<?> type = w.getPluginClassLoader().loadClass(pluginClass);
                if (!Plugin.class.isAssignableFrom(type) || Modifier.isAbstract(type.getModifiers())) {
                    return "its Plugin-Class " + pluginClass + " is not a concrete subclass of " + Plugin.class.getName();
                }
            } catch (ClassNotFoundException | LinkageError e) {
                return "its Plugin-Class " + pluginClass + " is not in the plugin (" + e + ")";
            }
        }
        Throwable why = w.getFailedException();
        return (pluginClass == null ? "" : "Plugin-Class " + pluginClass + ": ") + (why == null ? "unknown error" : describe(why));
    }

    /** Whether a problem has been recorded against this plugin's file. */
    boolean hasFailed(PluginWrapper plugin) {
        return failures.containsKey(originalOf(plugin.getPluginPath()));
    }

    /** Records a problem found after loading (e.g. a provider that cannot be created). */
    void fail(PluginWrapper plugin, String why) {
        failures.merge(originalOf(plugin.getPluginPath()), why, (a, b) -> a + "; " + b);
    }

    /** The file the operator dropped in: the zip for an unpacked zip, else the path itself. */
    Path originalOf(Path pluginPath) {
        return unpackedFrom.getOrDefault(pluginPath, pluginPath);
    }

    /** {@code plugin <id>@<version> (<file name>)}: where a plugin's providers say they came from. */
    String origin(PluginWrapper plugin) {
        PluginDescriptor d = plugin.getDescriptor();
        return "plugin " + d.getPluginId() + "@" + d.getVersion() + " (" + originalOf(plugin.getPluginPath()).getFileName() + ")";
    }

    private static String label(PluginDescriptor d) {
        return "plugin '" + d.getPluginId() + "' " + d.getVersion();
    }

    static String describe(Throwable e) {
        return PluginFolder.describe(e);
    }
}
