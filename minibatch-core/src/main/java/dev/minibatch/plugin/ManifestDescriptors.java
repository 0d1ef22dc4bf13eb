package dev.minibatch.plugin;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import org.pf4j.ManifestPluginDescriptorFinder;
import org.pf4j.PluginDescriptor;
import org.pf4j.PluginRuntimeException;
import org.pf4j.util.StringUtils;

/**
 * Reads a plugin's descriptor from MANIFEST.MF entries ({@code Plugin-Id}, {@code Plugin-Version},
 * {@code Plugin-Requires}, optional {@code Plugin-Class}, {@code Plugin-Description},
 * {@code Plugin-Provider}) and fails with a message a person can act on.
 *
 * <p>Where the manifest is: in a plugin jar, its own {@code META-INF/MANIFEST.MF}; in an unpacked
 * plugin zip, {@code classes/META-INF/MANIFEST.MF} (PF4J's layout) or else the one jar in
 * {@code lib/} whose manifest has a {@code Plugin-Id} (minibatch's layout: the plugin module's own
 * jar next to its dependencies, so a connector plugin needs no extra descriptor file). Stateless.
 */
final class ManifestDescriptors extends ManifestPluginDescriptorFinder {

    static String howTo() {
        return "a plugin's MANIFEST.MF needs Plugin-Id, Plugin-Version and Plugin-Requires (e.g. Plugin-Requires: >="
                + CoreVersion.semver() + ")";
    }

    @Override
    public boolean isApplicable(Path pluginPath) {
        return Files.isDirectory(pluginPath) || Files.isRegularFile(pluginPath);
    }

    @Override
    public PluginDescriptor find(Path pluginPath) {
        Manifest manifest = readManifest(pluginPath);
        PluginDescriptor descriptor = createPluginDescriptor(manifest);
        if (StringUtils.isNullOrEmpty(descriptor.getPluginId())) {
            throw new PluginRuntimeException("its manifest has no Plugin-Id; " + howTo());
        }
        if (StringUtils.isNullOrEmpty(descriptor.getVersion())) {
            throw new PluginRuntimeException("the manifest of plugin '" + descriptor.getPluginId()
                    + "' has no Plugin-Version; " + howTo());
        }
        return descriptor;
    }

    @Override
    protected Manifest readManifest(Path pluginPath) {
        if (Files.isDirectory(pluginPath)) {
            return readManifestFromDirectory(pluginPath);
        }
        return readManifestFromJar(pluginPath);
    }

    @Override
    protected Manifest readManifestFromJar(Path jarPath) {
        Manifest manifest;
        try (JarFile jar = new JarFile(jarPath.toFile())) {
            manifest = jar.getManifest();
        } catch (IOException | SecurityException e) {
            throw new PluginRuntimeException("cannot read it as a jar (" + e.getMessage()
                    + "): the file is incomplete or not a jar");
        }
        if (manifest == null) {
            throw new PluginRuntimeException("it has no META-INF/MANIFEST.MF; " + howTo());
        }
        return manifest;
    }

    @Override
    protected Manifest readManifestFromDirectory(Path dir) {
        Path classic = dir.resolve("classes").resolve("META-INF").resolve("MANIFEST.MF");
        if (Files.isRegularFile(classic)) {
            try (InputStream in = Files.newInputStream(classic)) {
                return new Manifest(in);
            } catch (IOException e) {
                throw new PluginRuntimeException("cannot read classes/META-INF/MANIFEST.MF: " + e.getMessage());
            }
        }
        Path lib = dir.resolve("lib");
        List<String> candidates = new ArrayList<>();
        Manifest found = null;
        if (Files.isDirectory(lib)) {
            try (DirectoryStream<Path> jars = Files.newDirectoryStream(lib, "*.jar")) {
                for (Path jar : sorted(jars)) {
                    Manifest m = readManifestFromJar(jar);
                    if (StringUtils.isNotNullOrEmpty(m.getMainAttributes().getValue(PLUGIN_ID))) {
                        candidates.add(jar.getFileName().toString());
                        found = m;
                    }
                }
            } catch (IOException e) {
                throw new PluginRuntimeException("cannot list lib/: " + e.getMessage());
            } catch (PluginRuntimeException e) {
                throw new PluginRuntimeException("a jar in lib/ is unreadable: " + e.getMessage());
            }
        }
        if (candidates.isEmpty()) {
            throw new PluginRuntimeException("no descriptor found: neither classes/META-INF/MANIFEST.MF nor a jar in lib/"
                    + " whose manifest has Plugin-Id; " + howTo());
        }
        if (candidates.size() > 1) {
            throw new PluginRuntimeException("several jars in lib/ declare a Plugin-Id (" + String.join(", ", candidates)
                    + "); a plugin zip holds exactly one plugin");
        }
        return found;
    }

    private static List<Path> sorted(Iterable<Path> paths) {
        List<Path> out = new ArrayList<>();
        paths.forEach(out::add);
        out.sort(null);
        return out;
    }
}
