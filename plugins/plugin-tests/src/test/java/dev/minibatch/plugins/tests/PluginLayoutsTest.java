package dev.minibatch.plugins.tests;

import static dev.minibatch.plugins.tests.PluginFiles.name;
import static org.assertj.core.api.Assertions.assertThat;

import dev.minibatch.plugin.Providers;
import dev.minibatch.plugin.Providers.Kind;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.jar.Attributes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The plugin layouts that load, and where the plugins folder is. */
class PluginLayoutsTest {

    private static final ClassLoader APP = PluginLayoutsTest.class.getClassLoader();

    @TempDir
    Path dir;

    @AfterEach
    void clearProperty() {
        System.clearProperty("minibatch.plugins");
    }

    @Test
    void aConnectorWrappedAsAZipWithAManifestOnlyDescriptorJarLoads() throws Exception {
        // the layout of a connector plugin module: its own jar holds only the descriptor; the
        // connector's jar and the connector's dependencies sit next to it in lib/
        Map<String, byte[]> zip = PluginFiles.unzip(PluginFiles.exampleConnectorZip());
        String connectorJar = zip.keySet().stream().filter(k -> k.startsWith("lib/minibatch-example-connector")).findFirst()
                .orElseThrow();
        Path classesOnly = PluginFiles.withManifest(write(zip.get(connectorJar), "connector.jar"), dir.resolve("c.jar"), a -> {
            a.remove(name("Plugin-Id"));
            a.remove(name("Plugin-Version"));
        });
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put("lib/minibatch-kafka-plugin-0.1.0.jar", PluginFiles.bytes(PluginFiles.jar(dir.resolve("d.jar"),
                manifest("wrapped-connector"), Map.of())));
        entries.put("lib/minibatch-example-connector-0.1.0.jar", PluginFiles.bytes(classesOnly));
        zip.forEach((k, v) -> {
            if (k.startsWith("lib/HdrHistogram")) {
                entries.put(k, v);
            }
        });
        Path wrapped = PluginFiles.zip(dir.resolve("plugins").resolve("wrapped-connector-0.1.0.zip"), entries);
        Providers providers = Providers.discover(APP, dir.resolve("plugins"));
        assertThat(providers.errors()).isEmpty();
        assertThat(providers.find(Kind.SOURCE, "sequence").origin())
                .isEqualTo("plugin wrapped-connector@1.0.0 (" + wrapped.getFileName() + ")");
        assertThat(providers.names(Kind.SINK)).containsExactly("histogram");
    }

    @Test
    void aPluginBundlingCopiesOfTheCoreAndJacksonStillUsesTheCoresOwn() throws Exception {
        // a packaging mistake that must not break anything: the shared API always comes from the host
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put("lib/" + PluginFiles.slidingJar().getFileName(), PluginFiles.bytes(PluginFiles.slidingJar()));
        entries.put("lib/minibatch-core-copy.jar", PluginFiles.bytes(PluginFiles.jarOf(dev.minibatch.spi.Provider.class, dir)));
        entries.put("lib/jackson-databind-copy.jar",
                PluginFiles.bytes(PluginFiles.jarOf(com.fasterxml.jackson.databind.ObjectMapper.class, dir)));
        PluginFiles.zip(dir.resolve("plugins").resolve("sliding-with-copies.zip"), entries);
        Providers providers = Providers.discover(APP, dir.resolve("plugins"));
        assertThat(providers.errors()).isEmpty();
        Object provider = providers.find(Kind.EMITTER, "sliding").provider();
        ClassLoader pluginLoader = provider.getClass().getClassLoader();
        assertThat(pluginLoader).isNotSameAs(APP);
        assertThat(pluginLoader.loadClass("dev.minibatch.spi.emitter.EmitterProvider")).isSameAs(dev.minibatch.spi.emitter.EmitterProvider.class);
        assertThat(pluginLoader.loadClass("com.fasterxml.jackson.databind.ObjectMapper"))
                .isSameAs(com.fasterxml.jackson.databind.ObjectMapper.class);
        assertThat(providers.emitter("sliding", Map.of("size", "2", "step", "1"))).isNotNull();
        assertThat(providers.names(Kind.EMITTER)).as("the core copy's built-ins are the class path's, not doubled")
                .containsExactly("count", "fixed", "relaxed", "sliding");
    }

    @Test
    void aPluginCanBuildOnAnotherThroughPluginDependencies() throws Exception {
        // how omegaml builds on mongo: it names the plugin it needs and does not bundle its classes
        Path plugins = dir.resolve("plugins");
        PluginFiles.drop(PluginFiles.exampleConnectorZip(), plugins);
        Path hdr = write(PluginFiles.unzip(PluginFiles.exampleConnectorZip()).entrySet().stream()
                .filter(e -> e.getKey().startsWith("lib/HdrHistogram")).findFirst().orElseThrow().getValue(), "hdr.jar");
        Map<String, byte[]> entries = new LinkedHashMap<>(FixtureCompiler.compile(dir.resolve("work"), Map.of(
                "com.acme.PercentileSinkProvider", """
                        package com.acme;
                        public final class PercentileSinkProvider implements dev.minibatch.spi.connector.SinkProvider {
                            public String name() { return "percentiles"; }
                            public dev.minibatch.spi.connector.Sink create(dev.minibatch.spi.Options o) {
                                org.HdrHistogram.Histogram h = new org.HdrHistogram.Histogram(2);
                                return message -> h.recordValue(((Number) message).longValue());
                            }
                        }
                        """), java.util.List.of(hdr)));
        entries.put("META-INF/services/dev.minibatch.spi.connector.SinkProvider",
                "com.acme.PercentileSinkProvider\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        java.util.jar.Manifest m = manifest("percentiles");
        m.getMainAttributes().put(name("Plugin-Dependencies"), "example-connector");
        PluginFiles.jar(plugins.resolve("percentiles.jar"), m, entries);

        Providers providers = Providers.discover(APP, plugins);
        assertThat(providers.errors()).isEmpty();
        assertThat(providers.names(Kind.SINK)).as("the dependency's providers are not doubled")
                .containsExactly("histogram", "percentiles");
        dev.minibatch.spi.connector.Sink sink = providers.sink("percentiles", Map.of());
        sink.put(42);
        ClassLoader dependent = sink.getClass().getClassLoader();
        assertThat(dependent.loadClass("org.HdrHistogram.Histogram").getClassLoader())
                .isSameAs(providers.find(Kind.SINK, "histogram").provider().getClass().getClassLoader());

        java.nio.file.Files.delete(plugins.resolve(PluginFiles.exampleConnectorZip().getFileName()));
        Providers without = Providers.discover(APP, plugins);
        assertThat(without.errors()).singleElement().satisfies(e -> {
            assertThat(e.origin()).endsWith("percentiles.jar");
            assertThat(e.message()).contains("Plugin-Dependencies could not be resolved");
        });
    }

    @Test
    void pf4jsClassicZipLayoutWithClassesFolderLoads() throws Exception {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put("classes/META-INF/MANIFEST.MF", PluginFiles.manifestBytes(a -> {
            a.put(name("Plugin-Id"), "classic-sliding");
            a.put(name("Plugin-Version"), "2.0.0");
            a.put(name("Plugin-Requires"), "*");
        }));
        PluginFiles.entries(PluginFiles.slidingJar()).forEach((k, v) -> entries.put("classes/" + k, v));
        PluginFiles.zip(dir.resolve("plugins").resolve("classic.zip"), entries);
        Providers providers = Providers.discover(APP, dir.resolve("plugins"));
        assertThat(providers.errors()).isEmpty();
        assertThat(providers.find(Kind.EMITTER, "sliding").origin()).isEqualTo("plugin classic-sliding@2.0.0 (classic.zip)");
        assertThat(providers.find(Kind.EMITTER, "sliding").version()).isEqualTo("2.0.0");
    }

    @Test
    void anUnpackedPluginFolderLoadsAndOtherFilesAreIgnored() throws Exception {
        Path folder = dir.resolve("plugins").resolve("session-window");
        PluginFiles.drop(PluginFiles.sessionJar(), folder.resolve("lib"));
        java.nio.file.Files.writeString(dir.resolve("plugins").resolve("README.txt"), "notes for operators");
        java.nio.file.Files.writeString(dir.resolve("plugins").resolve("disabled.txt"), "# none\n");
        Providers providers = Providers.discover(APP, dir.resolve("plugins"));
        assertThat(providers.errors()).isEmpty();
        assertThat(providers.find(Kind.EMITTER, "session").origin()).endsWith("(session-window)");
    }

    @Test
    void anOperatorCanDisableAPluginWithPf4jsDisabledTxt() throws Exception {
        PluginFiles.drop(PluginFiles.sessionJar(), dir.resolve("plugins"));
        PluginFiles.drop(PluginFiles.slidingJar(), dir.resolve("plugins"));
        java.nio.file.Files.writeString(dir.resolve("plugins").resolve("disabled.txt"), "sliding-window\n");
        Providers providers = Providers.discover(APP, dir.resolve("plugins"));
        assertThat(providers.errors()).as("disabled on purpose is not an error").isEmpty();
        assertThat(providers.names(Kind.EMITTER)).contains("session").doesNotContain("sliding");
    }

    @Test
    void thePluginsFolderComesFromTheSystemPropertyThenTheEnvironmentThenHome() {
        System.setProperty("minibatch.plugins", dir.toString());
        assertThat(Providers.pluginsDirectory()).isEqualTo(dir);
        System.clearProperty("minibatch.plugins");
        String env = System.getenv("MINIBATCH_PLUGINS");
        if (env != null && !env.isBlank()) {
            assertThat(Providers.pluginsDirectory()).isEqualTo(Path.of(env.trim()));
        } else {
            assertThat(Providers.pluginsDirectory()).isEqualTo(dev.minibatch.internal.Home.directory().resolve("plugins"));
        }
    }

    private Path write(byte[] bytes, String fileName) throws java.io.IOException {
        return java.nio.file.Files.write(dir.resolve(fileName), bytes);
    }

    private static java.util.jar.Manifest manifest(String id) {
        java.util.jar.Manifest m = new java.util.jar.Manifest();
        Attributes a = m.getMainAttributes();
        a.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        a.put(name("Plugin-Id"), id);
        a.put(name("Plugin-Version"), "1.0.0");
        a.put(name("Plugin-Requires"), ">=0.1.0");
        return m;
    }
}
