package dev.minibatch.cli.plugins;

import static org.assertj.core.api.Assertions.assertThat;

import dev.minibatch.plugin.Providers;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bundled and the user's plugins folder, with real PF4J plugin jars compiled here: both are
 * read, a provider in both is taken from the user's folder, and the folders are reported.
 */
public class PluginFoldersTest {

    @TempDir
    Path dir;

    /**
     * A PF4J plugin jar with one emitter provider {@code name} (a CountWindow(1)) whose version is
     * {@code version}, compiled from source into its own package so the class is on no class path.
     */
    public static Path pluginJar(Path folder, String pluginId, String name, String version, Path work) throws IOException {
        String pkg = "plug." + pluginId.replace('-', '_') + ".v" + version.replace('.', '_');
        String cls = "P";
        Path src = Files.createDirectories(work.resolve("src-" + pluginId + version).resolve(pkg.replace('.', '/')));
        Files.writeString(src.resolve(cls + ".java"), "package " + pkg + ";\n"
                + "public final class " + cls + " implements dev.minibatch.spi.emitter.EmitterProvider {\n"
                + "  public String name() { return \"" + name + "\"; }\n"
                + "  public String version() { return \"" + version + "\"; }\n"
                + "  public String description() { return \"test emitter " + pluginId + "\"; }\n"
                + "  public dev.minibatch.spi.emitter.WindowEmitter create(dev.minibatch.spi.Options o) {\n"
                + "    return new dev.minibatch.emitter.CountWindow(1);\n  }\n}\n");
        Path classes = Files.createDirectories(work.resolve("classes-" + pluginId + version));
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assertThat(javac).as("a JDK (javac) runs the tests").isNotNull();
        int rc = javac.run(null, null, null, "-d", classes.toString(), "-cp", System.getProperty("java.class.path"),
                "--release", "17", src.resolve(cls + ".java").toString());
        assertThat(rc).as("compiling the test plugin").isZero();

        Manifest manifest = new Manifest();
        Attributes main = manifest.getMainAttributes();
        main.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        main.putValue("Plugin-Id", pluginId);
        main.putValue("Plugin-Version", version);
        main.putValue("Plugin-Requires", "*");
        Files.createDirectories(folder);
        Path jar = folder.resolve(pluginId + "-" + version + ".jar");
        try (OutputStream out = Files.newOutputStream(jar); JarOutputStream j = new JarOutputStream(out, manifest)) {
            j.putNextEntry(new JarEntry(pkg.replace('.', '/') + "/" + cls + ".class"));
            j.write(Files.readAllBytes(classes.resolve(pkg.replace('.', '/')).resolve(cls + ".class")));
            j.closeEntry();
            j.putNextEntry(new JarEntry("META-INF/services/dev.minibatch.spi.emitter.EmitterProvider"));
            j.write((pkg + "." + cls + "\n").getBytes(StandardCharsets.UTF_8));
            j.closeEntry();
        }
        return jar;
    }

    @Test
    void bothFoldersAreReadAndEachProviderKnowsItsFolder() throws Exception {
        Path bundled = dir.resolve("dist/plugins");
        Path user = dir.resolve("home/plugins");
        Path bundledJar = pluginJar(bundled, "alpha", "alpha", "1.0.0", dir);
        Path userJar = pluginJar(user, "beta", "beta", "2.0.0", dir);

        PluginFolders folders = PluginFolders.load(Optional.of(bundled), user);
        Providers providers = folders.providers();
        assertThat(providers.errors()).isEmpty();
        Providers.Entry alpha = providers.find(Providers.Kind.EMITTER, "alpha");
        Providers.Entry beta = providers.find(Providers.Kind.EMITTER, "beta");
        assertThat(alpha.version()).isEqualTo("1.0.0");
        assertThat(beta.version()).isEqualTo("2.0.0");
        assertThat(folders.folderOf(alpha)).map(PluginFolders.Folder::role).contains(PluginFolders.Role.BUNDLED);
        assertThat(folders.folderOf(alpha)).map(PluginFolders.Folder::path).contains(bundled);
        assertThat(folders.folderOf(beta)).map(PluginFolders.Folder::role).contains(PluginFolders.Role.USER);
        assertThat(alpha.origin()).contains(bundledJar.getFileName().toString());
        assertThat(beta.origin()).contains(userJar.getFileName().toString());
        // the class path's own providers are still there, with no folder
        Providers.Entry count = providers.find(Providers.Kind.EMITTER, "count");
        assertThat(folders.folderOf(count)).isEmpty();
        assertThat(folders.folders()).extracting(PluginFolders.Folder::role)
                .containsExactly(PluginFolders.Role.BUNDLED, PluginFolders.Role.USER);
        assertThat(folders.shadowed()).isEmpty();
        assertThat(providers.emitter("alpha", Map.of())).isNotNull();
    }

    @Test
    void aProviderInBothFoldersIsTakenFromTheUsersFolderAndTheBundledOneIsListedAsShadowed() throws Exception {
        Path bundled = dir.resolve("dist/plugins");
        Path user = dir.resolve("home/plugins");
        pluginJar(bundled, "gamma", "gamma", "1.0.0", dir);
        pluginJar(user, "gamma", "gamma", "1.1.0", dir);

        PluginFolders folders = PluginFolders.load(Optional.of(bundled), user);
        Providers.Entry gamma = folders.providers().find(Providers.Kind.EMITTER, "gamma"); // one, not a clash
        assertThat(gamma.version()).isEqualTo("1.1.0");
        assertThat(folders.folderOf(gamma)).map(PluginFolders.Folder::role).contains(PluginFolders.Role.USER);
        assertThat(folders.shadowed()).singleElement().satisfies(s -> {
            assertThat(s.bundled().version()).isEqualTo("1.0.0");
            assertThat(s.used()).isSameAs(gamma);
        });
        assertThat(folders.providers().errors()).isEmpty();
    }

    @Test
    void withoutABundledFolderOnlyTheUsersIsReadAndOneFolderGivenTwiceIsReadOnce() throws Exception {
        Path user = dir.resolve("home/plugins");
        pluginJar(user, "delta", "delta", "1.0.0", dir);

        PluginFolders none = PluginFolders.load(Optional.empty(), user);
        assertThat(none.folders()).extracting(PluginFolders.Folder::role).containsExactly(PluginFolders.Role.USER);
        assertThat(none.providers().find(Providers.Kind.EMITTER, "delta").version()).isEqualTo("1.0.0");

        PluginFolders same = PluginFolders.load(Optional.of(user), user);
        assertThat(same.folders()).hasSize(1);
        assertThat(same.providers().list()).filteredOn(e -> e.name().equals("delta")).hasSize(1);
        assertThat(List.of(same.providers().errors())).containsExactly(List.of());
    }
}
