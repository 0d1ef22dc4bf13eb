package dev.minibatch.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.minibatch.plugin.Providers;
import dev.minibatch.cli.plugins.PluginFolders;
import dev.minibatch.spi.OptionSpec;
import dev.minibatch.spi.store.StoreProvider;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code minibatch plugins}: the providers discovered on the class path and in the plugins folders
 * ({@link PluginFolders}: the distribution's bundled folder and the user's), by kind (stores by URL
 * scheme, sources, sinks, emitters), with where each came from (class path jar, or folder, file and
 * plugin id), its version and options, and the providers and plugins that failed to load and why.
 * Needs no store.
 */
@Command(name = "plugins", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"List discovered providers and load errors.",
            "Stores (by URL scheme), sources, sinks and emitters found on the class path, in the plugins folder bundled with the distribution (<distribution>/plugins) and in the user's plugins folder (-Dminibatch.plugins, else $MINIBATCH_PLUGINS, else ~/.minibatch/plugins): name, version, where it came from (class path jar, or plugin folder and file) and options. A provider in both plugins folders is taken from the user's."})
final class PluginsCommand extends BaseCommand {

    @Option(names = "--json", description = "One JSON object per provider (NDJSON), then one per load error, then one per plugins folder.")
    boolean json;

    @Option(names = "--options", description = "Also list each provider's options.")
    boolean options;

    /** Where a provider came from: the class path (a jar or classes folder) or a plugin file in a plugins folder. */
    record Origin(String source, String folder, String file, String plugin) {

        /** One line, e.g. {@code /opt/minibatch/plugins/minibatch-kafka-plugin-0.1.0.zip (bundled plugin kafka@0.1.0)}. */
        String text() {
            if (plugin == null) {
                return "class path " + file;
            }
            return Path.of(folder).resolve(file) + " (" + source + " plugin " + plugin + ")";
        }
    }

    static Origin origin(PluginFolders folders, Providers.Entry e) {
        String raw = e.origin();
        var folder = folders.folderOf(e);
        // PluginFolder's origins read "plugin <id>@<version> (<file name>)"
        if (folder.isPresent() && raw.startsWith("plugin ") && raw.endsWith(")") && raw.contains(" (")) {
            int open = raw.lastIndexOf(" (");
            return new Origin(folder.get().role().label(), folder.get().path().toString(),
                    raw.substring(open + 2, raw.length() - 1), raw.substring("plugin ".length(), open));
        }
        if (folder.isPresent()) {
            return new Origin(folder.get().role().label(), folder.get().path().toString(), raw, raw);
        }
        String file = raw.startsWith("file:") ? Path.of(URI.create(raw)).toString() : raw;
        return new Origin("class path", null, file, null);
    }

    @Override
    public Integer call() {
        PluginFolders folders = PluginFolders.defaults();
        Providers providers = folders.providers();
        List<Providers.Entry> entries = providers.list();
        if (json) {
            for (Providers.Entry e : entries) {
                Origin origin = origin(folders, e);
                ObjectNode n = JsonOutput.mapper().createObjectNode();
                n.put("kind", e.kind().label());
                n.put("name", e.name());
                n.put("version", version(e));
                n.put("description", e.description());
                n.put("origin", e.origin());
                n.put("source", origin.source());
                n.put("folder", origin.folder());
                n.put("file", origin.file());
                n.put("plugin", origin.plugin());
                n.put("class", e.provider().getClass().getName());
                if (e.provider() instanceof StoreProvider store) {
                    ArrayNode schemes = n.putArray("schemes");
                    store.schemes().forEach(schemes::add);
                }
                ArrayNode opts = n.putArray("options");
                for (OptionSpec o : e.provider().options()) {
                    ObjectNode on = opts.addObject();
                    on.put("name", o.name());
                    on.put("type", o.type().name().toLowerCase(java.util.Locale.ROOT));
                    on.put("required", o.required());
                    on.put("default", o.defaultValue());
                    on.put("description", o.description());
                }
                out().println(JsonOutput.line(n));
            }
            for (PluginFolders.Shadowed s : folders.shadowed()) {
                ObjectNode n = JsonOutput.mapper().createObjectNode();
                n.put("kind", "shadowed");
                n.put("name", s.bundled().kind().label() + " " + s.bundled().name());
                n.put("origin", origin(folders, s.bundled()).text());
                n.put("usedInstead", origin(folders, s.used()).text());
                out().println(JsonOutput.line(n));
            }
            for (Providers.LoadError error : providers.errors()) {
                ObjectNode n = JsonOutput.mapper().createObjectNode();
                n.put("kind", "error");
                n.put("origin", error.origin());
                n.put("message", error.message());
                out().println(JsonOutput.line(n));
            }
            for (PluginFolders.Folder folder : folders.folders()) {
                ObjectNode f = JsonOutput.mapper().createObjectNode();
                f.put("kind", "plugins-folder");
                f.put("role", folder.role().label());
                f.put("path", folder.path().toString());
                f.put("exists", folder.exists());
                out().println(JsonOutput.line(f));
            }
            return Main.OK;
        }
        int nameWidth = Math.max(4, entries.stream().mapToInt(e -> e.name().length()).max().orElse(4));
        int versionWidth = Math.max(7, entries.stream().mapToInt(e -> version(e).length()).max().orElse(7));
        String format = "%-7s  %-" + nameWidth + "s  %-" + versionWidth + "s  %s%n";
        out().printf(format, "KIND", "NAME", "VERSION", "DESCRIPTION / ORIGIN");
        for (Providers.Entry e : entries) {
            out().printf(format, e.kind().label(), e.name(), version(e), e.description());
            out().printf(format, "", "", "", "  from " + origin(folders, e).text());
            if (options) {
                for (OptionSpec o : e.provider().options()) {
                    out().printf(format, "", "", "", "  --option " + o.name() + "=" + o.type().name().toLowerCase(java.util.Locale.ROOT)
                            + (o.required() ? " (required)" : o.defaultValue() != null ? " (default " + o.defaultValue() + ")" : "")
                            + (o.description().isEmpty() ? "" : ": " + o.description()));
                }
            }
        }
        out().println();
        for (PluginFolders.Folder folder : folders.folders()) {
            out().println((folder.role() == PluginFolders.Role.BUNDLED ? "bundled plugins folder: " : "plugins folder: ")
                    + folder.path() + (folder.exists() ? "" : " (missing: no plugins)"));
        }
        for (PluginFolders.Shadowed s : folders.shadowed()) {
            out().println("not used: " + s.bundled().kind().label() + " " + s.bundled().name() + " from "
                    + origin(folders, s.bundled()).text() + "; the user's copy is used instead");
        }
        if (providers.errors().isEmpty()) {
            out().println("no load errors");
        } else {
            out().println("load errors:");
            for (Providers.LoadError error : providers.errors()) {
                out().println("  " + shortOrigin(error.origin()) + ": " + error.message());
            }
        }
        return Main.OK;
    }

    /**
     * The provider's version; when its jar's manifest has none, the version in the jar's Maven
     * metadata ({@code META-INF/maven/…/pom.properties}), which every Maven-built jar carries.
     */
    static String version(Providers.Entry e) {
        if (!"unknown".equals(e.version()) || !e.origin().startsWith("file:") || !e.origin().endsWith(".jar")) {
            return e.version();
        }
        try (java.util.jar.JarFile jar = new java.util.jar.JarFile(java.nio.file.Path.of(java.net.URI.create(e.origin())).toFile())) {
            var entries = jar.entries();
            while (entries.hasMoreElements()) {
                var entry = entries.nextElement();
                if (entry.getName().startsWith("META-INF/maven/") && entry.getName().endsWith("/pom.properties")) {
                    java.util.Properties p = new java.util.Properties();
                    try (var in = jar.getInputStream(entry)) {
                        p.load(in);
                    }
                    return p.getProperty("version", "unknown");
                }
            }
        } catch (Exception ignored) {
            // an unreadable jar: the version stays unknown
        }
        return "unknown";
    }

    /** A jar's path without the {@code file:} prefix. */
    private static String shortOrigin(String origin) {
        return origin.startsWith("file:") ? origin.substring("file:".length()) : origin;
    }
}
