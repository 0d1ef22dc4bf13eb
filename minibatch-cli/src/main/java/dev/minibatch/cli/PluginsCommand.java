package dev.minibatch.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.minibatch.Providers;
import dev.minibatch.spi.OptionSpec;
import dev.minibatch.spi.StoreProvider;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code minibatch plugins}: the providers discovered on the class path and in the plugins folder
 * (stores by URL scheme, sources, sinks, emitters), where each came from, its version and options,
 * and the providers and plugins that failed to load and why. Needs no store.
 */
@Command(name = "plugins", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"List discovered providers and load errors.",
            "Stores (by URL scheme), sources, sinks and emitters found on the class path and in the plugins folder ($MINIBATCH_PLUGINS, else ~/.minibatch/plugins): name, version, origin (jar or plugin) and options."})
final class PluginsCommand extends BaseCommand {

    @Option(names = "--json", description = "One JSON object per provider (NDJSON), then one per load error.")
    boolean json;

    @Option(names = "--options", description = "Also list each provider's options.")
    boolean options;

    @Override
    public Integer call() {
        Providers providers = Providers.defaults();
        List<Providers.Entry> entries = providers.list();
        java.nio.file.Path folder = Providers.pluginsDirectory().toAbsolutePath();
        boolean folderExists = java.nio.file.Files.isDirectory(folder);
        if (json) {
            for (Providers.Entry e : entries) {
                ObjectNode n = JsonOutput.mapper().createObjectNode();
                n.put("kind", e.kind().label());
                n.put("name", e.name());
                n.put("version", version(e));
                n.put("description", e.description());
                n.put("origin", e.origin());
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
            for (Providers.LoadError error : providers.errors()) {
                ObjectNode n = JsonOutput.mapper().createObjectNode();
                n.put("kind", "error");
                n.put("origin", error.origin());
                n.put("message", error.message());
                out().println(JsonOutput.line(n));
            }
            ObjectNode f = JsonOutput.mapper().createObjectNode();
            f.put("kind", "plugins-folder");
            f.put("path", folder.toString());
            f.put("exists", folderExists);
            out().println(JsonOutput.line(f));
            return Main.OK;
        }
        int nameWidth = Math.max(4, entries.stream().mapToInt(e -> e.name().length()).max().orElse(4));
        int versionWidth = Math.max(7, entries.stream().mapToInt(e -> version(e).length()).max().orElse(7));
        String format = "%-7s  %-" + nameWidth + "s  %-" + versionWidth + "s  %s%n";
        out().printf(format, "KIND", "NAME", "VERSION", "DESCRIPTION / ORIGIN");
        for (Providers.Entry e : entries) {
            out().printf(format, e.kind().label(), e.name(), version(e), e.description());
            out().printf(format, "", "", "", "  from " + shortOrigin(e.origin()));
            if (options) {
                for (OptionSpec o : e.provider().options()) {
                    out().printf(format, "", "", "", "  --option " + o.name() + "=" + o.type().name().toLowerCase(java.util.Locale.ROOT)
                            + (o.required() ? " (required)" : o.defaultValue() != null ? " (default " + o.defaultValue() + ")" : "")
                            + (o.description().isEmpty() ? "" : ": " + o.description()));
                }
            }
        }
        out().println();
        out().println("plugins folder: " + folder + (folderExists ? "" : " (missing: no plugins)"));
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
