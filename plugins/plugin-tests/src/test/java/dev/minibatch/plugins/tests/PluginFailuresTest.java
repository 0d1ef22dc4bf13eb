package dev.minibatch.plugins.tests;

import static dev.minibatch.plugins.tests.PluginFiles.drop;
import static dev.minibatch.plugins.tests.PluginFiles.name;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.minibatch.model.ConfigurationException;
import dev.minibatch.plugin.Providers;
import dev.minibatch.plugin.Providers.Kind;
import dev.minibatch.plugin.Providers.LoadError;
import dev.minibatch.plugin.CoreVersion;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.jar.Attributes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every way a plugin can be wrong gives one clear error naming the file and the reason, and the
 * other plugins in the folder still load.
 */
class PluginFailuresTest {

    private static final ClassLoader APP = PluginFailuresTest.class.getClassLoader();
    private static final String SLIDING_SERVICE = "META-INF/services/dev.minibatch.spi.emitter.EmitterProvider";

    @TempDir
    Path dir;

    private Path plugins() {
        return dir.resolve("plugins");
    }

    /** A good plugin next to the bad one, to show that it still loads. */
    private void dropSession() throws Exception {
        drop(PluginFiles.sessionJar(), plugins());
    }

    private static LoadError only(Providers providers) {
        assertThat(providers.errors()).hasSize(1);
        return providers.errors().get(0);
    }

    private static void sessionStillWorks(Providers providers) {
        assertThat(providers.emitter("session", Map.of("gap", "1s"))).isNotNull();
    }

    @Test
    void aMissingFolderMeansNoPluginsAndNoError() {
        Providers providers = Providers.discover(APP, dir.resolve("does-not-exist"));
        assertThat(providers.errors()).isEmpty();
        assertThat(providers.names(Kind.EMITTER)).containsExactly("count", "fixed", "relaxed");
    }

    @Test
    void aFileWhereTheFolderShouldBeIsReported() throws Exception {
        Path file = Files.writeString(dir.resolve("plugins"), "not a folder");
        LoadError error = only(Providers.discover(APP, file));
        assertThat(error.origin()).isEqualTo(file.toString());
        assertThat(error.message()).contains("is a file, not a folder");
    }

    @Test
    void aBrokenJarIsReportedAndSkipped() throws Exception {
        dropSession();
        Path broken = Files.write(plugins().resolve("broken.jar"), "PK\u0003\u0004 truncated".getBytes(StandardCharsets.ISO_8859_1));
        Providers providers = Providers.discover(APP, plugins());
        LoadError error = only(providers);
        assertThat(error.origin()).isEqualTo(broken.toString());
        assertThat(error.message()).contains("cannot read it as a jar").endsWith("plugin skipped");
        sessionStillWorks(providers);
    }

    @Test
    void aBrokenZipIsReportedAndSkipped() throws Exception {
        dropSession();
        Path broken = Files.writeString(plugins().resolve("connector.zip"), "this is not a zip");
        Providers providers = Providers.discover(APP, plugins());
        LoadError error = only(providers);
        assertThat(error.origin()).isEqualTo(broken.toString());
        assertThat(error.message()).contains("cannot unpack the zip").contains("not a zip");
        sessionStillWorks(providers);
    }

    @Test
    void descriptorProblemsSayWhichEntryIsMissing() throws Exception {
        dropSession();
        PluginFiles.withManifest(PluginFiles.slidingJar(), plugins().resolve("no-id.jar"),
                a -> a.remove(name("Plugin-Id")));
        PluginFiles.withManifest(PluginFiles.slidingJar(), plugins().resolve("no-version.jar"),
                a -> a.remove(name("Plugin-Version")));
        PluginFiles.jar(plugins().resolve("no-manifest.jar"), null, PluginFiles.entries(PluginFiles.slidingJar()));
        Providers providers = Providers.discover(APP, plugins());
        Map<String, String> byFile = byFile(providers);
        assertThat(byFile).containsOnlyKeys("no-id.jar", "no-version.jar", "no-manifest.jar");
        assertThat(byFile.get("no-id.jar")).contains("has no Plugin-Id").contains("needs Plugin-Id, Plugin-Version and Plugin-Requires");
        assertThat(byFile.get("no-version.jar")).contains("plugin 'sliding-window' has no Plugin-Version");
        assertThat(byFile.get("no-manifest.jar")).contains("has no META-INF/MANIFEST.MF");
        sessionStillWorks(providers);
        assertThat(providers.names(Kind.EMITTER)).doesNotContain("sliding");
    }

    @Test
    void aPluginForAnotherCoreIsRefusedSayingWhichVersionItNeeds() throws Exception {
        dropSession();
        Path future = PluginFiles.withManifest(PluginFiles.slidingJar(), plugins().resolve("sliding-future.jar"),
                a -> a.put(name("Plugin-Requires"), ">=99.0.0"));
        Providers providers = Providers.discover(APP, plugins());
        LoadError error = only(providers);
        assertThat(error.origin()).isEqualTo(future.toString());
        assertThat(error.message()).isEqualTo("plugin 'sliding-window' " + DropInPluginsTest.coreVersion()
                + " requires minibatch core >=99.0.0, but this core is " + CoreVersion.version() + " (checked as "
                + CoreVersion.semver() + "); plugin skipped");
        sessionStillWorks(providers);
        assertThatThrownBy(() -> providers.emitter("sliding", Map.of("size", "2", "step", "1")))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("unknown emitter 'sliding'")
                .hasMessageContaining("1 provider(s) failed to load");
    }

    @Test
    void versionRangesAcceptThisCoreOrSayTheRangeIsInvalid() throws Exception {
        String here = CoreVersion.semver();
        PluginFiles.withManifest(PluginFiles.slidingJar(), plugins().resolve("range.jar"),
                a -> a.put(name("Plugin-Requires"), ">=" + here + " & <99.0.0"));
        PluginFiles.withManifest(PluginFiles.sessionJar(), plugins().resolve("nonsense.jar"),
                a -> a.put(name("Plugin-Requires"), "newest please"));
        Providers providers = Providers.discover(APP, plugins());
        assertThat(providers.names(Kind.EMITTER)).contains("sliding").doesNotContain("session");
        assertThat(only(providers).message()).contains("Plugin-Requires 'newest please' is not a SemVer range");
        assertThat(here).as("a SNAPSHOT core is checked as its release").matches("\\d+\\.\\d+\\.\\d+");
    }

    @Test
    void twoProvidersWithOneNameAreAnErrorNamingBothOriginsAndOtherNamesStillWork() throws Exception {
        dropSession();
        Path original = drop(PluginFiles.slidingJar(), plugins(), "a-sliding.jar");
        Path fork = PluginFiles.withManifest(PluginFiles.slidingJar(), plugins().resolve("b-sliding-fork.jar"),
                a -> a.put(name("Plugin-Id"), "sliding-fork"));
        Providers providers = Providers.discover(APP, plugins());
        assertThat(providers.errors()).isEmpty();
        String v = DropInPluginsTest.coreVersion();
        assertThatThrownBy(() -> providers.emitter("sliding", Map.of("size", "2", "step", "1")))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("two emitter providers are named 'sliding'")
                .hasMessageContaining("from plugin sliding-window@" + v + " (" + original.getFileName() + ")")
                .hasMessageContaining("from plugin sliding-fork@" + v + " (" + fork.getFileName() + ")")
                .hasMessageContaining("remove one of them");
        sessionStillWorks(providers);
    }

    @Test
    void aPluginProviderNamedLikeAClassPathOneIsAnErrorNamingBothOrigins() throws Exception {
        Map<String, byte[]> entries = new LinkedHashMap<>(FixtureCompiler.compile(dir.resolve("work"), Map.of(
                "com.acme.CountClash", """
                        package com.acme;
                        public final class CountClash implements dev.minibatch.spi.emitter.EmitterProvider {
                            public String name() { return "COUNT"; }
                            public dev.minibatch.spi.emitter.WindowEmitter create(dev.minibatch.spi.Options o) {
                                return new dev.minibatch.emitter.CountWindow(1);
                            }
                        }
                        """)));
        entries.put(SLIDING_SERVICE, "com.acme.CountClash\n".getBytes(StandardCharsets.UTF_8));
        Path jar = PluginFiles.jar(plugins().resolve("count-clash.jar"), pluginManifest("count-clash"), entries);
        dropSession();
        Providers providers = Providers.discover(APP, plugins());
        assertThat(providers.errors()).isEmpty();
        assertThatThrownBy(() -> providers.emitter("count", Map.of("size", "2")))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("two emitter providers are named 'count'")
                .hasMessageContaining("dev.minibatch.emitter.BuiltinEmitterProviders$Count from file:")
                .hasMessageContaining("com.acme.CountClash from plugin count-clash@1.0.0 (" + jar.getFileName() + ")");
        sessionStillWorks(providers);
        assertThat(providers.emitter("fixed", Map.of("interval", "1s"))).isNotNull();
    }

    @Test
    void coreProvidersListedInAPluginAreTheClassPathsAndNotCountedTwice() throws Exception {
        Map<String, byte[]> changes = new HashMap<>();
        changes.put(SLIDING_SERVICE, ("dev.minibatch.plugins.sliding.SlidingWindowProvider\n"
                + "dev.minibatch.emitter.BuiltinEmitterProviders$Count\n").getBytes(StandardCharsets.UTF_8));
        PluginFiles.withEntries(PluginFiles.slidingJar(), plugins().resolve("sliding.jar"), a -> { }, changes);
        Providers providers = Providers.discover(APP, plugins());
        assertThat(providers.errors()).isEmpty();
        assertThat(providers.find(Kind.EMITTER, "count").origin()).as("the class path's, once").doesNotStartWith("plugin ");
        assertThat(providers.emitter("count", Map.of("size", "2"))).isNotNull();
    }

    @Test
    void aPluginWhoseProvidersAreAllOnTheClassPathAlreadyIsNotAnError() throws Exception {
        // e.g. a connector that the application bundles, also dropped in as a plugin
        Map<String, byte[]> changes = new HashMap<>();
        changes.put(SLIDING_SERVICE, "dev.minibatch.emitter.BuiltinEmitterProviders$Fixed\n".getBytes(StandardCharsets.UTF_8));
        PluginFiles.withEntries(PluginFiles.slidingJar(), plugins().resolve("shadowed.jar"), a -> { }, changes);
        Providers providers = Providers.discover(APP, plugins());
        assertThat(providers.errors()).isEmpty();
        assertThat(providers.find(Kind.EMITTER, "fixed").origin()).doesNotStartWith("plugin ");
    }

    @Test
    void aProviderThatFailsToConstructIsReportedAndTheRestLoad() throws Exception {
        Map<String, byte[]> entries = new LinkedHashMap<>(FixtureCompiler.compile(dir.resolve("work"), Map.of(
                "com.acme.Exploding", """
                        package com.acme;
                        public final class Exploding implements dev.minibatch.spi.connector.SinkProvider {
                            public Exploding() { throw new IllegalStateException("no licence key configured"); }
                            public String name() { return "exploding"; }
                            public dev.minibatch.spi.connector.Sink create(dev.minibatch.spi.Options o) { return null; }
                        }
                        """)));
        entries.put("META-INF/services/dev.minibatch.spi.connector.SinkProvider", "com.acme.Exploding\n".getBytes(StandardCharsets.UTF_8));
        Path jar = PluginFiles.jar(plugins().resolve("exploding.jar"), pluginManifest("exploding"), entries);
        dropSession();
        Providers providers = Providers.discover(APP, plugins());
        Map<String, String> byFile = byFile(providers);
        assertThat(byFile).containsOnlyKeys(jar.getFileName().toString());
        assertThat(byFile.get(jar.getFileName().toString()))
                .contains("sink provider com.acme.Exploding failed to load").contains("no licence key configured")
                .doesNotContain("declares no providers");
        sessionStillWorks(providers);
    }

    private static java.util.jar.Manifest pluginManifest(String id) {
        java.util.jar.Manifest m = new java.util.jar.Manifest();
        Attributes a = m.getMainAttributes();
        a.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        a.put(name("Plugin-Id"), id);
        a.put(name("Plugin-Version"), "1.0.0");
        a.put(name("Plugin-Requires"), ">=0.1.0");
        return m;
    }

    @Test
    void theSamePluginIdInTwoFilesLoadsTheFirstAndReportsTheSecond() throws Exception {
        drop(PluginFiles.slidingJar(), plugins(), "1-sliding.jar");
        Path second = drop(PluginFiles.slidingJar(), plugins(), "2-sliding-copy.jar");
        Providers providers = Providers.discover(APP, plugins());
        LoadError error = only(providers);
        assertThat(error.origin()).isEqualTo(second.toString());
        assertThat(error.message()).contains("plugin id 'sliding-window' is already loaded from 1-sliding.jar");
        assertThat(providers.emitter("sliding", Map.of("size", "2", "step", "1"))).isNotNull();
    }

    @Test
    void anUnknownNameListsTheKnownOnes() throws Exception {
        drop(PluginFiles.slidingJar(), plugins());
        dropSession();
        Providers providers = Providers.discover(APP, plugins());
        assertThatThrownBy(() -> providers.emitter("slidnig", Map.of()))
                .isInstanceOf(ConfigurationException.class)
                .hasMessage("unknown emitter 'slidnig'; known emitters: count, fixed, relaxed, session, sliding");
        assertThatThrownBy(() -> providers.sink("kafka", Map.of()))
                .isInstanceOf(ConfigurationException.class).hasMessage("unknown sink 'kafka'; known sinks: (none)");
    }

    @Test
    void invalidOptionsOfAPluginNameTheOptionAndListTheValidOnes() throws Exception {
        drop(PluginFiles.slidingJar(), plugins());
        Providers providers = Providers.discover(APP, plugins());
        assertThatThrownBy(() -> providers.emitter("sliding", Map.of("size", "4", "stepp", "2")))
                .isInstanceOf(ConfigurationException.class)
                .hasMessage("emitter 'sliding' has no option 'stepp'; valid options: size, interval, step");
        assertThatThrownBy(() -> providers.emitter("sliding", Map.of("size", "four", "step", "2")))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("option 'size' must be a whole number");
        assertThatThrownBy(() -> providers.emitter("sliding", Map.of("size", "4", "step", "9")))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("emitter 'sliding': ")
                .hasMessageContaining("step must be between 1 and size (4)");
    }

    @Test
    void aProviderClassThatIsMissingIsReportedAndTheRestOfThePluginLoads() throws Exception {
        Map<String, byte[]> changes = new HashMap<>();
        changes.put(SLIDING_SERVICE, "dev.minibatch.plugins.sliding.SlidingWindowProvider\ncom.acme.Gone\n"
                .getBytes(StandardCharsets.UTF_8));
        Path jar = PluginFiles.withEntries(PluginFiles.slidingJar(), plugins().resolve("sliding.jar"), a -> { }, changes);
        Providers providers = Providers.discover(APP, plugins());
        LoadError error = only(providers);
        assertThat(error.origin()).isEqualTo(jar.toString());
        assertThat(error.message()).contains("emitter provider").contains("com.acme.Gone");
        assertThat(providers.emitter("sliding", Map.of("size", "2", "step", "1"))).isNotNull();
    }

    @Test
    void aPluginWithoutProvidersIsReported() throws Exception {
        Map<String, byte[]> changes = new HashMap<>();
        changes.put(SLIDING_SERVICE, null);
        Path jar = PluginFiles.withEntries(PluginFiles.slidingJar(), plugins().resolve("empty.jar"), a -> { }, changes);
        dropSession();
        Providers providers = Providers.discover(APP, plugins());
        LoadError error = only(providers);
        assertThat(error.origin()).isEqualTo(jar.toString());
        assertThat(error.message()).contains("declares no providers").contains("META-INF/services/dev.minibatch.spi.emitter.EmitterProvider");
        sessionStillWorks(providers);
    }

    @Test
    void aPluginClassThatCannotStartIsReported() throws Exception {
        Path jar = PluginFiles.withManifest(PluginFiles.slidingJar(), plugins().resolve("sliding.jar"),
                a -> a.put(name("Plugin-Class"), "com.acme.MissingPlugin"));
        dropSession();
        Providers providers = Providers.discover(APP, plugins());
        LoadError error = only(providers);
        assertThat(error.origin()).isEqualTo(jar.toString());
        assertThat(error.message()).contains("failed to start: its Plugin-Class com.acme.MissingPlugin is not in the plugin");
        sessionStillWorks(providers);
    }

    @Test
    void aZipEntryPointingOutsideItsFolderIsRefused() throws Exception {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put("lib/" + PluginFiles.sessionJar().getFileName(), PluginFiles.bytes(PluginFiles.sessionJar()));
        entries.put("../../escaped.txt", "x".getBytes(StandardCharsets.UTF_8));
        Path zip = PluginFiles.zip(plugins().resolve("evil.zip"), entries);
        Providers providers = Providers.discover(APP, plugins());
        LoadError error = only(providers);
        assertThat(error.origin()).isEqualTo(zip.toString());
        assertThat(error.message()).contains("points outside the plugin folder");
        assertThat(dir.resolve("escaped.txt")).doesNotExist();
        assertThat(plugins().resolve("escaped.txt")).doesNotExist();
    }

    @Test
    void aZipWithTwoDescriptorJarsIsRefused() throws Exception {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put("lib/a.jar", PluginFiles.bytes(PluginFiles.sessionJar()));
        entries.put("lib/b.jar", PluginFiles.bytes(PluginFiles.slidingJar()));
        PluginFiles.zip(plugins().resolve("two.zip"), entries);
        assertThat(only(Providers.discover(APP, plugins())).message())
                .contains("several jars in lib/ declare a Plugin-Id (a.jar, b.jar)");
    }

    private static Map<String, String> byFile(Providers providers) {
        Map<String, String> out = new LinkedHashMap<>();
        for (LoadError e : providers.errors()) {
            out.put(Path.of(e.origin()).getFileName().toString(), e.message());
        }
        return out;
    }
}
