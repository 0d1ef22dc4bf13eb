package dev.minibatch.plugins.tests;

import static dev.minibatch.plugins.tests.PluginFiles.drop;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.minibatch.Attachment;
import dev.minibatch.model.ConsumerHandle;
import dev.minibatch.Minibatch;
import dev.minibatch.plugin.Providers;
import dev.minibatch.plugin.Providers.Entry;
import dev.minibatch.plugin.Providers.Kind;
import dev.minibatch.Stream;
import dev.minibatch.spi.emitter.EmitterProvider;
import dev.minibatch.test.JvmProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real plugin artifacts of this build, dropped into a temporary plugins folder and used by name
 * in streaming runs on SQLite, exactly as an operator would.
 */
class DropInPluginsTest {

    private static final ClassLoader APP = DropInPluginsTest.class.getClassLoader();

    @TempDir
    Path dir;

    @Test
    void pluginClassesAreNotOnTheTestClassPath() {
        // otherwise every test here could pass without PF4J loading anything
        for (String type : List.of("dev.minibatch.plugins.sliding.SlidingWindowProvider",
                "dev.minibatch.plugins.session.SessionWindowProvider", "dev.minibatch.plugins.sorted.SortedWindowProvider",
                "com.example.minibatch.ThresholdWindowProvider", "dev.minibatch.plugins.example.HistogramSinkProvider",
                "org.HdrHistogram.Histogram")) {
            assertThatThrownBy(() -> Class.forName(type, false, APP)).as(type).isInstanceOf(ClassNotFoundException.class);
        }
    }

    @Test
    void emitterPluginsDroppedInAreUsedByNameInStreamingRuns() throws Exception {
        Path plugins = dir.resolve("plugins");
        drop(PluginFiles.slidingJar(), plugins);
        drop(PluginFiles.sessionJar(), plugins);
        drop(PluginFiles.sortedJar(), plugins);
        drop(PluginFiles.templateJar(), plugins);
        Providers providers = Providers.discover(APP, plugins);
        assertThat(providers.errors()).isEmpty();
        assertThat(providers.names(Kind.EMITTER)).containsExactly("count", "fixed", "relaxed", "session", "sliding",
                "sorted", "threshold");

        Entry sliding = providers.find(Kind.EMITTER, "sliding");
        assertThat(sliding.origin()).isEqualTo("plugin sliding-window@" + coreVersion() + " (" + PluginFiles.slidingJar().getFileName() + ")");
        assertThat(sliding.version()).isEqualTo(coreVersion());
        assertThat(sliding.provider()).isInstanceOf(EmitterProvider.class);
        ClassLoader pluginLoader = sliding.provider().getClass().getClassLoader();
        assertThat(pluginLoader).as("each plugin has its own class loader").isNotSameAs(APP)
                .isNotSameAs(providers.find(Kind.EMITTER, "session").provider().getClass().getClassLoader());
        assertThat(pluginLoader.getParent()).isSameAs(APP);

        List<List<Integer>> slidingWindows = new CopyOnWriteArrayList<>();
        List<List<Integer>> sessionWindows = new CopyOnWriteArrayList<>();
        List<List<Integer>> sortedWindows = new CopyOnWriteArrayList<>();
        List<List<Integer>> thresholdWindows = new CopyOnWriteArrayList<>();
        try (Minibatch mb = Minibatch.builder().url("sqlite:" + dir.resolve("plugins.db")).providers(providers)
                .shutdownHook(false).build()) {
            Stream a = mb.stream("a");
            Stream b = mb.stream("b");
            Stream c = mb.stream("c");
            Stream d = mb.stream("d");
            a.appendAll(List.of(1, 2, 3, 4, 5, 6));
            b.appendAll(List.of(1, 2, 3, 4, 5));
            c.appendAll(List.of(5, 3, 6, 1, 4, 2));
            d.appendAll(List.of(1, 2, 3));
            List<ConsumerHandle> consumers = new ArrayList<>();
            consumers.add(mb.streaming("a").emitter("sliding", Map.of("size", "4", "step", "2"))
                    .pollInterval(Duration.ofMillis(10)).start(w -> slidingWindows.add(w.dataAs(Integer.class))));
            consumers.add(mb.streaming("b").emitter("session", Map.of("gap", "100ms", "maxSize", "2"))
                    .pollInterval(Duration.ofMillis(10)).start(w -> sessionWindows.add(w.dataAs(Integer.class))));
            consumers.add(mb.streaming("c").emitter("sorted", Map.of("field", ".", "order", "desc", "where", ".%2==0", "size", "3"))
                    .pollInterval(Duration.ofMillis(10)).start(w -> sortedWindows.add(w.dataAs(Integer.class))));
            consumers.add(mb.streaming("d").emitter("threshold", Map.of("min", "3"))
                    .pollInterval(Duration.ofMillis(10)).start(w -> thresholdWindows.add(w.dataAs(Integer.class))));
            try {
                await(() -> slidingWindows.size() >= 2 && sessionWindows.size() >= 3 && sortedWindows.size() >= 1
                        && thresholdWindows.size() >= 1, "windows from all four plugin emitters");
            } finally {
                consumers.forEach(ConsumerHandle::stop);
            }
            assertThat(slidingWindows).containsExactly(List.of(1, 2, 3, 4), List.of(3, 4, 5, 6));
            assertThat(sessionWindows).containsExactly(List.of(1, 2), List.of(3, 4), List.of(5));
            assertThat(sortedWindows).containsExactly(List.of(6, 4, 2));
            assertThat(thresholdWindows).containsExactly(List.of(1, 2, 3));
            assertThat(a.buffer()).extracting(m -> m.data().asInt()).containsExactly(5, 6);
            assertThat(c.buffer()).extracting(m -> m.data().asInt()).containsExactly(5, 3, 1);
        }
    }

    @Test
    void aConnectorPluginZipWithItsOwnDependencyFeedsAndDrainsAStream() throws Exception {
        Path plugins = dir.resolve("plugins");
        Path zip = drop(PluginFiles.exampleConnectorZip(), plugins);
        Providers providers = Providers.discover(APP, plugins);
        assertThat(providers.errors()).isEmpty();
        assertThat(providers.names(Kind.SOURCE)).containsExactly("sequence");
        assertThat(providers.names(Kind.SINK)).containsExactly("histogram");
        Entry sink = providers.find(Kind.SINK, "histogram");
        assertThat(sink.origin()).isEqualTo("plugin example-connector@" + coreVersion() + " (" + zip.getFileName() + ")");
        ClassLoader pluginLoader = sink.provider().getClass().getClassLoader();
        assertThat(pluginLoader.loadClass("org.HdrHistogram.Histogram").getClassLoader())
                .as("the plugin's dependency comes from its own lib/").isSameAs(pluginLoader);
        assertThat(pluginLoader.loadClass("com.fasterxml.jackson.databind.ObjectMapper"))
                .as("the API shared with the core comes from the core").isSameAs(ObjectMapper.class);
        try (var listing = Files.list(plugins)) {
            assertThat(listing.map(p -> p.getFileName().toString()))
                    .as("unpacked out of sight, never next to the zip").containsExactlyInAnyOrder(zip.getFileName().toString(), ".unpacked");
        }

        Path summary = dir.resolve("histogram.json");
        try (Minibatch mb = Minibatch.builder().url("sqlite:" + dir.resolve("connector.db")).providers(providers)
                .shutdownHook(false).build()) {
            Stream numbers = mb.stream("numbers");
            Attachment feeding = numbers.attach(providers.source("sequence", Map.of("count", "1000", "batch", "250")));
            ConsumerHandle consumer = mb.streaming("numbers").size(100)
                    .sink("histogram", Map.of("file", summary.toString()))
                    .pollInterval(Duration.ofMillis(10)).start();
            try {
                await(() -> count(summary) == 1000, "the histogram sink to have seen 1000 numbers");
            } finally {
                consumer.stop();
                feeding.stop();
            }
            assertThat(feeding.failure()).isNull();
            JsonNode result = new ObjectMapper().readTree(summary.toFile());
            assertThat(result.get("min").asLong()).isEqualTo(1);
            assertThat(result.get("max").asLong()).isEqualTo(1000);
            assertThat(result.get("windows").asLong()).isEqualTo(10);
            assertThat(numbers.buffer()).isEmpty();
        }
    }

    @Test
    void theSamePluginsLoadAgainFromAnAlreadyUnpackedZip() throws Exception {
        Path plugins = dir.resolve("plugins");
        drop(PluginFiles.exampleConnectorZip(), plugins);
        Providers first = Providers.discover(APP, plugins);
        Providers second = Providers.discover(APP, plugins);
        assertThat(first.errors()).isEmpty();
        assertThat(second.errors()).isEmpty();
        assertThat(second.names(Kind.SINK)).containsExactly("histogram");
        try (var unpacked = Files.list(plugins.resolve(".unpacked"))) {
            assertThat(unpacked.count()).as("one copy per zip content").isEqualTo(1);
        }
    }

    @Test
    void theDefaultRegistryPicksUpThePluginsFolderLikeTheCommandLineDoes() throws Exception {
        // a separate JVM: Providers.defaults() is read once per JVM
        Path plugins = dir.resolve("my plugins");
        drop(PluginFiles.slidingJar(), plugins);
        drop(PluginFiles.exampleConnectorZip(), plugins);
        Path summary = dir.resolve("summary.json");
        JvmProcess jvm = JvmProcess.start(DefaultPluginsMain.class,
                List.of(dir.resolve("default.db").toString(), summary.toString()),
                Map.of("minibatch.plugins", plugins.toString(), "minibatch.home", dir.resolve("home").toString()),
                "256m", dir.resolve("jvm.log"));
        try {
            int exit = jvm.waitFor(Duration.ofSeconds(60));
            String out = jvm.output();
            assertThat(exit).as(out).isZero();
            assertThat(out).contains("PLUGINS " + plugins).doesNotContain("ERROR ")
                    .contains("WINDOW [1, 2, 3, 4]").contains("WINDOW [3, 4, 5, 6]").contains("DONE");
        } finally {
            jvm.close();
        }
        assertThat(new ObjectMapper().readTree(summary.toFile()).get("count").asLong()).isEqualTo(10);
    }

    private static long count(Path summary) {
        try {
            return Files.exists(summary) ? new ObjectMapper().readTree(summary.toFile()).get("count").asLong() : -1;
        } catch (java.io.IOException e) {
            return -1;
        }
    }

    static String coreVersion() {
        return System.getProperty("minibatch.core.version");
    }

    static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(10);
        }
    }
}
