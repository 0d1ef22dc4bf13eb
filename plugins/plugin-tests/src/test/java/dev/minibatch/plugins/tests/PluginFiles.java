package dev.minibatch.plugins.tests;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarInputStream;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * The plugin artifacts the reactor built (copied to {@code target/plugin-artifacts} by the
 * dependency plugin) and helpers that make variants of them with {@code java.util.jar}: another
 * manifest, extra or missing entries, zips in either layout.
 */
final class PluginFiles {

    private PluginFiles() {
    }

    static Path artifacts() {
        String dir = System.getProperty("plugin.artifacts");
        if (dir == null) {
            throw new IllegalStateException("system property plugin.artifacts is not set: run these tests with Maven"
                    + " (./mvnw -pl plugins/plugin-tests -am verify), which builds and copies the plugin artifacts");
        }
        return Path.of(dir);
    }

    /** The built artifact whose file name starts with {@code artifactId-} and ends with {@code extension}. */
    static Path built(String artifactId, String extension) {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(artifacts(), artifactId + "-*" + extension)) {
            for (Path p : files) {
                return p;
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot list " + artifacts() + ": " + e.getMessage(), e);
        }
        throw new IllegalStateException("no " + artifactId + "-*" + extension + " in " + artifacts()
                + "; the plugin modules must be built first (./mvnw -pl plugins/plugin-tests -am verify)");
    }

    static Path slidingJar() {
        return built("minibatch-sliding-window", ".jar");
    }

    static Path sessionJar() {
        return built("minibatch-session-window", ".jar");
    }

    static Path sortedJar() {
        return built("minibatch-sorted-window", ".jar");
    }

    static Path templateJar() {
        return built("minibatch-plugin-template", ".jar");
    }

    static Path exampleConnectorZip() {
        return built("minibatch-example-connector", ".zip");
    }

    /** Copies {@code file} into {@code folder} under its own name (or {@code name}). */
    static Path drop(Path file, Path folder, String... name) throws IOException {
        Files.createDirectories(folder);
        return Files.copy(file, folder.resolve(name.length == 0 ? file.getFileName().toString() : name[0]),
                StandardCopyOption.REPLACE_EXISTING);
    }

    /** All entries of a jar except its manifest, in order. */
    static Map<String, byte[]> entries(Path jar) throws IOException {
        Map<String, byte[]> out = new LinkedHashMap<>();
        try (JarInputStream in = new JarInputStream(Files.newInputStream(jar))) {
            JarEntry e;
            while ((e = in.getNextJarEntry()) != null) {
                if (!e.isDirectory()) {
                    out.put(e.getName(), in.readAllBytes());
                }
            }
        }
        return out;
    }

    static Manifest manifest(Path jar) throws IOException {
        try (JarFile f = new JarFile(jar.toFile())) {
            return new Manifest(f.getManifest());
        }
    }

    /** Writes a jar with this manifest (or none) and these entries. */
    static Path jar(Path out, Manifest manifest, Map<String, byte[]> entries) throws IOException {
        Files.createDirectories(out.getParent());
        try (OutputStream file = Files.newOutputStream(out);
             JarOutputStream jar = manifest == null ? new JarOutputStream(file) : new JarOutputStream(file, manifest)) {
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                jar.putNextEntry(new JarEntry(e.getKey()));
                jar.write(e.getValue());
                jar.closeEntry();
            }
        }
        return out;
    }

    /** A copy of {@code jar} at {@code out} with its manifest's main attributes changed. */
    static Path withManifest(Path jar, Path out, Consumer<Attributes> change) throws IOException {
        Manifest m = manifest(jar);
        change.accept(m.getMainAttributes());
        return jar(out, m, entries(jar));
    }

    /** A copy of {@code jar} at {@code out} with entries replaced, added (non-null) or removed (null). */
    static Path withEntries(Path jar, Path out, Consumer<Attributes> manifestChange, Map<String, byte[]> changes)
            throws IOException {
        Manifest m = manifest(jar);
        manifestChange.accept(m.getMainAttributes());
        Map<String, byte[]> all = entries(jar);
        changes.forEach((k, v) -> {
            if (v == null) {
                all.remove(k);
            } else {
                all.put(k, v);
            }
        });
        return jar(out, m, all);
    }

    /** Writes a zip of these entries. */
    static Path zip(Path out, Map<String, byte[]> entries) throws IOException {
        Files.createDirectories(out.getParent());
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(out))) {
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                zip.putNextEntry(new ZipEntry(e.getKey()));
                zip.write(e.getValue());
                zip.closeEntry();
            }
        }
        return out;
    }

    /** The entries of a zip, by name. */
    static Map<String, byte[]> unzip(Path zip) throws IOException {
        Map<String, byte[]> out = new LinkedHashMap<>();
        try (ZipInputStream in = new ZipInputStream(Files.newInputStream(zip))) {
            ZipEntry e;
            while ((e = in.getNextEntry()) != null) {
                if (!e.isDirectory()) {
                    out.put(e.getName(), in.readAllBytes());
                }
            }
        }
        return out;
    }

    /** The jar a class was loaded from, or a jar made of its classes folder (when run from an IDE). */
    static Path jarOf(Class<?> type, Path work) throws IOException {
        Path location;
        try {
            location = Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (java.net.URISyntaxException e) {
            throw new IOException(e);
        }
        if (Files.isRegularFile(location)) {
            return location;
        }
        Map<String, byte[]> entries = new LinkedHashMap<>();
        try (java.util.stream.Stream<Path> files = Files.walk(location)) {
            for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                String name = location.relativize(f).toString().replace('\\', '/');
                if (!name.equals("META-INF/MANIFEST.MF")) {
                    entries.put(name, Files.readAllBytes(f));
                }
            }
        }
        return jar(work.resolve(type.getSimpleName() + "-classes.jar"), null, entries);
    }

    static byte[] bytes(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return in.readAllBytes();
        }
    }

    static byte[] manifestBytes(Consumer<Attributes> attributes) throws IOException {
        Manifest m = new Manifest();
        m.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        attributes.accept(m.getMainAttributes());
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        m.write(out);
        return out.toByteArray();
    }

    static Attributes.Name name(String header) {
        return new Attributes.Name(header);
    }
}
