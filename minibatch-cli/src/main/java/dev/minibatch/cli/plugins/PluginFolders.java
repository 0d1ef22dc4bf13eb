package dev.minibatch.cli.plugins;

import dev.minibatch.plugin.Providers;
import dev.minibatch.plugin.Providers.Entry;
import dev.minibatch.plugin.Providers.Kind;
import dev.minibatch.plugin.PluginFolder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The command's providers: the class path, then the plugins bundled with the distribution
 * ({@code <distribution>/plugins}, named by the launcher with {@code -D}{@value #BUNDLED_PROPERTY}),
 * then the user's plugins folder ({@link Providers#pluginsDirectory()}: {@code -Dminibatch.plugins},
 * {@code $MINIBATCH_PLUGINS}, else {@code ~/.minibatch/plugins}).
 *
 * <p>A provider of one kind and name in both folders is taken from the user's folder (a plugin a
 * user dropped in is meant to be used) and the bundled one is listed as {@link #shadowed()}, so two
 * copies never make a name unusable. Everything else follows {@link Providers}: a plugin that fails
 * to load is an error in {@link Providers#errors()}, the others load.
 *
 * <p>Immutable once built; {@link #defaults()} builds it once per JVM. Thread-safe.
 */
public final class PluginFolders {

    /** The system property the launchers set to the distribution's own plugins folder. */
    public static final String BUNDLED_PROPERTY = "minibatch.bundled.plugins";

    /** Which of the two folders. */
    public enum Role {
        /** shipped with the distribution, next to its {@code bin/} */
        BUNDLED("bundled"),
        /** the user's own plugins folder */
        USER("user");

        private final String label;

        Role(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    /** One plugins folder and whether it exists. */
    public record Folder(Role role, Path path, boolean exists) {
    }

    /** A bundled provider not used because the user's folder has one of the same kind and name. */
    public record Shadowed(Entry bundled, Entry used) {
    }

    private static volatile PluginFolders defaults;

    private final Providers providers;
    private final List<Folder> folders;
    private final Map<Entry, Folder> folderOf;
    private final List<Shadowed> shadowed;

    private PluginFolders(Providers providers, List<Folder> folders, Map<Entry, Folder> folderOf, List<Shadowed> shadowed) {
        this.providers = providers;
        this.folders = List.copyOf(folders);
        this.folderOf = folderOf;
        this.shadowed = List.copyOf(shadowed);
    }

    /** The command's providers, loaded once per JVM from the folders the launcher and the user name. */
    public static PluginFolders defaults() {
        PluginFolders p = defaults;
        if (p == null) {
            synchronized (PluginFolders.class) {
                if (defaults == null) {
                    defaults = load(bundledDirectory(), Providers.pluginsDirectory());
                }
                p = defaults;
            }
        }
        return p;
    }

    /** The bundled folder named by {@value #BUNDLED_PROPERTY}, if any. */
    public static Optional<Path> bundledDirectory() {
        String configured = System.getProperty(BUNDLED_PROPERTY);
        return configured == null || configured.isBlank() ? Optional.empty() : Optional.of(Path.of(configured.trim()));
    }

    /**
     * Class-path providers plus the plugins of {@code bundled} (optional) and of {@code user}; the
     * same folder given twice is read once, as the user's.
     */
    public static PluginFolders load(Optional<Path> bundled, Path user) {
        ClassLoader loader = PluginFolders.class.getClassLoader();
        Path userPath = user.toAbsolutePath().normalize();
        Optional<Path> bundledPath = bundled.map(p -> p.toAbsolutePath().normalize()).filter(p -> !p.equals(userPath));

        List<Folder> folders = new ArrayList<>();
        Map<Entry, Folder> folderOf = new IdentityHashMap<>();
        Providers fromUser = PluginFolder.load(userPath, loader);
        Folder userFolder = new Folder(Role.USER, userPath, Files.isDirectory(userPath));

        Providers result = Providers.discover(loader);
        List<Shadowed> shadowed = new ArrayList<>();
        if (bundledPath.isPresent()) {
            Folder bundledFolder = new Folder(Role.BUNDLED, bundledPath.get(), Files.isDirectory(bundledPath.get()));
            folders.add(bundledFolder);
            Providers fromBundle = PluginFolder.load(bundledPath.get(), loader);
            Set<String> userNames = new HashSet<>();
            fromUser.list().forEach(e -> userNames.add(key(e.kind(), e.name())));
            List<Entry> kept = new ArrayList<>();
            for (Entry e : fromBundle.list()) {
                folderOf.put(e, bundledFolder);
                if (userNames.contains(key(e.kind(), e.name()))) {
                    Entry used = fromUser.list().stream().filter(u -> u.kind() == e.kind() && u.name().equals(e.name()))
                            .findFirst().orElseThrow();
                    shadowed.add(new Shadowed(e, used));
                } else {
                    kept.add(e);
                }
            }
            result = result.plus(Providers.of(kept, fromBundle.errors()));
        }
        folders.add(userFolder);
        fromUser.list().forEach(e -> folderOf.put(e, userFolder));
        result = result.plus(fromUser); // plus() keeps the entry instances, so folderOf still finds them
        return new PluginFolders(result, folders, folderOf, shadowed);
    }

    private static String key(Kind kind, String name) {
        return kind.label() + ":" + name;
    }

    /** Every usable provider: class path, bundled and user plugins. */
    public Providers providers() {
        return providers;
    }

    /** The folders read, bundled first. */
    public List<Folder> folders() {
        return folders;
    }

    /** The folder a provider (listed or {@linkplain #shadowed() shadowed}) was loaded from; empty for class-path providers. */
    public Optional<Folder> folderOf(Entry entry) {
        return Optional.ofNullable(folderOf.get(entry));
    }

    /** Bundled providers replaced by the user's. */
    public List<Shadowed> shadowed() {
        return shadowed;
    }
}
