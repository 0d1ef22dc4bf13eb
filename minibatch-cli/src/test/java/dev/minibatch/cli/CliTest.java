package dev.minibatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.minibatch.Minibatch;
import dev.minibatch.cli.CliProcess.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real command in a child JVM against a SQLite file in a temporary folder: stdout, stderr and
 * exit codes, for good input and bad.
 */
class CliTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private String url;

    @BeforeEach
    void store() {
        url = "sqlite:" + dir.resolve("store.db");
    }

    private Result mb(String stdin, String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of(args));
        all.add("--url");
        all.add(url);
        return CliProcess.run(dir, stdin, all.toArray(String[]::new));
    }

    private static String ndjson(int from, int to) {
        return IntStream.range(from, to).mapToObj(i -> "{\"i\":" + i + "}").collect(Collectors.joining("\n")) + "\n";
    }

    private static List<JsonNode> parseLines(String text) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (String line : text.strip().split("\n")) {
            if (!line.isBlank()) {
                out.add(JSON.readTree(line));
            }
        }
        return out;
    }

    @Test
    void appendNdjsonFromStdinThenConsumeWindowsInOrder() throws Exception {
        Result append = mb(ndjson(0, 10), "append", "orders");
        assertThat(append.exitCode()).as(append.toString()).isZero();
        assertThat(append.stderr()).contains("appended 10 messages to 'orders'");

        Result consume = mb(null, "consume", "orders", "--size", "3", "--max-windows", "3");
        assertThat(consume.exitCode()).as(consume.toString()).isZero();
        List<JsonNode> windows = parseLines(consume.stdout());
        assertThat(windows).hasSize(3);
        List<Integer> seen = new ArrayList<>();
        for (JsonNode w : windows) {
            assertThat(w.path("stream").asText()).isEqualTo("orders");
            assertThat(w.path("size").asInt()).isEqualTo(3);
            assertThat(w.path("window").asText()).isNotBlank();
            w.path("data").forEach(v -> seen.add(v.path("i").asInt()));
        }
        assertThat(seen).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8);
        assertThat(consume.stderr()).contains("consumed 3 windows (9 messages) from 'orders'");

        // the tenth message was not consumed: it waits for the next full window
        Result buffer = mb(null, "buffer", "orders");
        assertThat(buffer.exitCode()).as(buffer.toString()).isZero();
        List<JsonNode> left = parseLines(buffer.stdout());
        assertThat(left).hasSize(1);
        assertThat(left.get(0).path("data").path("i").asInt()).isEqualTo(9);
        assertThat(left.get(0).path("state").asText()).isEqualTo("pending");
    }

    @Test
    void appendOneJsonArgumentAndShowItInBuffer() throws Exception {
        Result append = mb(null, "append", "events", "{\"kind\":\"click\",\"x\":[1,2]}");
        assertThat(append.exitCode()).as(append.toString()).isZero();
        assertThat(append.stderr()).contains("appended 1 message to 'events'");

        Result buffer = mb(null, "buffer", "events", "--values");
        assertThat(buffer.exitCode()).as(buffer.toString()).isZero();
        assertThat(buffer.lines()).containsExactly("{\"kind\":\"click\",\"x\":[1,2]}");
    }

    @Test
    void malformedJsonLineIsNamedAndTheLinesBeforeItAreKept() throws Exception {
        Result append = mb("{\"i\":1}\n\n{\"i\":2}\n{\"i\": oops}\n{\"i\":4}\n", "append", "orders");
        assertThat(append.exitCode()).as(append.toString()).isEqualTo(2);
        assertThat(append.stderr())
                .contains("minibatch append: stdin line 4, column")
                .contains("malformed JSON")
                .contains("appended to 'orders' before line 4: 2 messages; nothing from line 4 on")
                .doesNotContain("Exception")
                .doesNotContain("\tat ");
        assertThat(append.stderr().strip().lines().count()).as("one line on stderr").isEqualTo(1);

        Result buffer = mb(null, "buffer", "orders", "--values");
        assertThat(buffer.lines()).containsExactly("{\"i\":1}", "{\"i\":2}");
    }

    @Test
    void malformedJsonArgumentIsRejectedAndNothingIsAppended() throws Exception {
        Result append = mb(null, "append", "orders", "{\"i\":");
        assertThat(append.exitCode()).as(append.toString()).isEqualTo(2);
        assertThat(append.stderr()).contains("the JSON argument").contains("malformed JSON");

        Result trailing = mb(null, "append", "orders", "{\"i\":1} {\"i\":2}");
        assertThat(trailing.exitCode()).as(trailing.toString()).isEqualTo(2);
        assertThat(trailing.stderr()).contains("malformed JSON");

        Result buffer = mb(null, "buffer", "orders");
        assertThat(buffer.exitCode()).as(buffer.toString()).isZero();
        assertThat(buffer.stdout()).isBlank();
    }

    @Test
    void unknownStreamIsAUsageErrorForReadingCommandsAndIsNotCreated() throws Exception {
        mb("{\"i\":1}\n", "append", "known");
        for (String command : List.of("consume", "buffer", "dead")) {
            Result r = mb(null, command, "nope");
            assertThat(r.exitCode()).as(command + ": " + r).isEqualTo(2);
            assertThat(r.stderr()).as(command).contains("minibatch " + command + ": unknown stream 'nope' in " + url)
                    .contains("known streams: known");
            assertThat(r.stdout()).isBlank();
        }
        Result streams = mb(null, "streams", "--json");
        assertThat(parseLines(streams.stdout())).extracting(n -> n.path("name").asText()).containsExactly("known");
    }

    @Test
    void unknownEmitterListsTheKnownEmitters() throws Exception {
        mb("{\"i\":1}\n", "append", "orders");
        Result r = mb(null, "consume", "orders", "--emitter", "sliding-nope", "--max-windows", "1");
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertThat(r.stderr()).contains("unknown emitter 'sliding-nope'; known emitters: count, fixed, relaxed");
    }

    @Test
    void badEmitterOptionsAndConflictingSettingsAreNamed() throws Exception {
        mb("{\"i\":1}\n", "append", "orders");
        Result badValue = mb(null, "consume", "orders", "--emitter", "count", "--option", "size=many");
        assertThat(badValue.exitCode()).as(badValue.toString()).isEqualTo(2);
        assertThat(badValue.stderr()).contains("emitter 'count': option 'size' must be a whole number, was 'many'");

        Result unknownOption = mb(null, "consume", "orders", "--emitter", "count", "--option", "size=2", "--option", "step=1");
        assertThat(unknownOption.exitCode()).as(unknownOption.toString()).isEqualTo(2);
        assertThat(unknownOption.stderr()).contains("emitter 'count' has no option 'step'; valid options: size");

        Result conflict = mb(null, "consume", "orders", "--emitter", "count", "--size", "2");
        assertThat(conflict.exitCode()).as(conflict.toString()).isEqualTo(2);
        assertThat(conflict.stderr()).contains("--emitter excludes --size and --interval");

        Result badDuration = mb(null, "consume", "orders", "--interval", "soon");
        assertThat(badDuration.exitCode()).as(badDuration.toString()).isEqualTo(2);
        assertThat(badDuration.stderr()).contains("'soon' is not a duration");
    }

    @Test
    void unreachableStoreExitsWithOneAndNamesTheUrl() throws Exception {
        Result r = CliProcess.run(dir, null, "streams", "--url", "sqlite:/proc/no-such-dir/store.db");
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(r.stderr()).startsWith("minibatch streams: ").contains("sqlite:/proc/no-such-dir/store.db")
                .doesNotContain("\tat ");

        Result append = CliProcess.run(dir, "{\"i\":1}\n", "append", "orders", "--url", "sqlite:/proc/no-such-dir/store.db");
        assertThat(append.exitCode()).as(append.toString()).isEqualTo(1);
        assertThat(append.stderr()).contains("sqlite:/proc/no-such-dir/store.db");
    }

    @Test
    void unknownStoreSchemeIsAUsageErrorListingTheSchemes() throws Exception {
        Result r = CliProcess.run(dir, null, "streams", "--url", "postgres://localhost/db");
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertThat(r.stderr()).contains("unknown store 'postgres'").contains("memory").contains("sqlite");

        // the environment variable works like --url
        Result env = CliProcess.run(dir, Map.of("MINIBATCH_URL", "nosuch:x"), null, Duration.ofSeconds(60), "streams");
        assertThat(env.exitCode()).as(env.toString()).isEqualTo(2);
        assertThat(env.stderr()).contains("unknown store 'nosuch'");
    }

    @Test
    void unknownOptionSuggestsHelpAndExitsWithTwo() throws Exception {
        Result r = mb(null, "consume", "orders", "--siz", "3");
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertThat(r.stderr()).contains("Unknown option").contains("--size")
                .contains("Try 'minibatch consume --help' for more information.");
    }

    @Test
    void consumeWithANamedEmitterAndWithTimeWindows() throws Exception {
        mb(ndjson(0, 6), "append", "orders");
        Result byName = mb(null, "consume", "orders", "--emitter", "count", "--option", "size=2", "--max-windows", "2");
        assertThat(byName.exitCode()).as(byName.toString()).isZero();
        assertThat(parseLines(byName.stdout())).extracting(w -> w.path("size").asInt()).containsExactly(2, 2);

        Result timed = mb(null, "consume", "orders", "--interval", "200ms", "--fixed", "--max-windows", "1");
        assertThat(timed.exitCode()).as(timed.toString()).isZero();
        JsonNode window = parseLines(timed.stdout()).get(0);
        assertThat(window.has("from")).isTrue();
        assertThat(window.has("to")).isTrue();
        assertThat(window.path("data")).extracting(v -> v.path("i").asInt()).containsExactly(4, 5);
    }

    @Test
    void consumeToTheFileSinkWritesOneValuePerLine() throws Exception {
        mb(ndjson(0, 4), "append", "orders");
        Path out = dir.resolve("out/values.ndjson");
        Result r = mb(null, "consume", "orders", "--size", "2", "--max-windows", "2",
                "--sink", "file?format=values", "--sink-option", "path=" + out);
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stdout()).isBlank();
        assertThat(Files.readAllLines(out)).containsExactly("{\"i\":0}", "{\"i\":1}", "{\"i\":2}", "{\"i\":3}");

        Result unknownSink = mb(null, "consume", "orders", "--sink", "kafka-nope");
        assertThat(unknownSink.exitCode()).as(unknownSink.toString()).isEqualTo(2);
        assertThat(unknownSink.stderr()).contains("unknown sink 'kafka-nope'; known sinks: file, stdout");
    }

    @Test
    void consumedValuesPipeIntoAppend() throws Exception {
        mb(ndjson(0, 4), "append", "raw");
        Result values = mb(null, "consume", "raw", "--size", "4", "--max-windows", "1", "--values");
        assertThat(values.exitCode()).as(values.toString()).isZero();
        Result append = mb(values.stdout(), "append", "copy");
        assertThat(append.exitCode()).as(append.toString()).isZero();
        assertThat(mb(null, "buffer", "copy", "--values").lines()).containsExactly("{\"i\":0}", "{\"i\":1}", "{\"i\":2}", "{\"i\":3}");
    }

    @Test
    void keepMarksConsumedMessagesDoneAndStreamsShowsTheCounts() throws Exception {
        mb(ndjson(0, 5), "append", "orders");
        Result r = mb(null, "consume", "orders", "--size", "2", "--max-windows", "1", "--keep");
        assertThat(r.exitCode()).as(r.toString()).isZero();

        Result streams = mb(null, "streams", "--json");
        assertThat(streams.exitCode()).as(streams.toString()).isZero();
        JsonNode row = parseLines(streams.stdout()).get(0);
        assertThat(row.path("name").asText()).isEqualTo("orders");
        assertThat(row.path("pending").asLong()).isEqualTo(3);
        assertThat(row.path("done").asLong()).isEqualTo(2);
        assertThat(row.path("dead").asLong()).isZero();
        assertThat(row.path("appended").asLong()).isEqualTo(5);
        assertThat(row.path("lastAppend").asText()).isNotBlank();

        Result table = mb(null, "streams");
        assertThat(table.lines().get(0)).contains("STREAM").contains("PENDING").contains("CLAIMED").contains("DEAD")
                .contains("LAST APPEND");
        assertThat(table.lines().get(1)).startsWith("orders").contains(" 3 ").contains(" 2 ").contains("ago");

        Result done = mb(null, "buffer", "orders", "--state", "done");
        assertThat(parseLines(done.stdout())).extracting(n -> n.path("data").path("i").asInt()).containsExactly(0, 1);
    }

    @Test
    void deadLettersCanBeInspectedAndRequeued() throws Exception {
        mb("{\"i\":1}\n", "append", "orders");
        try (Minibatch mb = Minibatch.connect(url)) {
            mb.stream("orders").deadLetter(Map.of("i", 99), "boom: cannot parse");
        }
        Result dead = mb(null, "dead", "orders");
        assertThat(dead.exitCode()).as(dead.toString()).isZero();
        JsonNode letter = parseLines(dead.stdout()).get(0);
        assertThat(letter.path("data").path("i").asInt()).isEqualTo(99);
        assertThat(letter.path("error").asText()).isEqualTo("boom: cannot parse");
        assertThat(dead.stderr()).contains("1 dead letter in 'orders.dead'");

        Result streams = mb(null, "streams", "--json");
        assertThat(parseLines(streams.stdout())).singleElement()
                .satisfies(n -> assertThat(n.path("dead").asLong()).isEqualTo(1));

        Result requeue = mb(null, "dead", "orders", "--requeue");
        assertThat(requeue.exitCode()).as(requeue.toString()).isZero();
        assertThat(requeue.stderr()).contains("requeued 1 message from 'orders.dead' to 'orders'");
        assertThat(mb(null, "buffer", "orders", "--values").lines()).containsExactly("{\"i\":1}", "{\"i\":99}");
        assertThat(mb(null, "dead", "orders").stderr()).contains("0 dead letters in 'orders.dead'");
    }

    @Test
    void pluginsListsProvidersWithVersionsAndOrigins() throws Exception {
        Result r = CliProcess.run(dir, null, "plugins", "--json");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        List<JsonNode> entries = parseLines(r.stdout());
        assertThat(entries).extracting(n -> n.path("kind").asText() + ":" + n.path("name").asText())
                .contains("store:sqlite", "store:memory", "emitter:count", "emitter:fixed", "emitter:relaxed",
                        "sink:stdout", "sink:file");
        JsonNode file = entries.stream().filter(n -> n.path("name").asText().equals("file")).findFirst().orElseThrow();
        assertThat(file.path("origin").asText()).contains("minibatch-cli");
        assertThat(file.path("options")).extracting(o -> o.path("name").asText()).contains("path", "format", "append");
        assertThat(entries).noneMatch(n -> n.path("kind").asText().equals("error"));

        Result table = CliProcess.run(dir, null, "plugins", "--options");
        assertThat(table.exitCode()).as(table.toString()).isZero();
        assertThat(table.stdout()).contains("KIND").contains("sqlite").contains("from ").contains("--option path=string (required)")
                .contains("plugins folder: " + dir.resolve("home/plugins") + " (missing: no plugins)").contains("no load errors");
    }

    @Test
    void pluginsSaysWhichFolderAndFileEachPluginCameFromAndItsVersion() throws Exception {
        Path bundled = dir.resolve("dist/plugins");
        Path user = dir.resolve("home/plugins");
        Path bundledJar = dev.minibatch.cli.plugins.PluginFoldersTest.pluginJar(bundled, "alpha", "alpha", "1.0.0", dir);
        dev.minibatch.cli.plugins.PluginFoldersTest.pluginJar(bundled, "gamma", "gamma", "1.0.0", dir);
        Path userJar = dev.minibatch.cli.plugins.PluginFoldersTest.pluginJar(user, "gamma", "gamma", "1.1.0", dir);
        // what bin/minibatch passes: the distribution's plugins folder
        Map<String, String> env = Map.of("JAVA_TOOL_OPTIONS", "-Dminibatch.bundled.plugins=" + bundled);

        Result table = CliProcess.run(dir, env, null, Duration.ofSeconds(60), "plugins");
        assertThat(table.exitCode()).as(table.toString()).isZero();
        assertThat(table.stdout())
                .containsPattern("emitter +alpha +1\\.0\\.0 ")
                .contains("from " + bundledJar + " (bundled plugin alpha@1.0.0)")
                .containsPattern("emitter +gamma +1\\.1\\.0 ")
                .contains("from " + userJar + " (user plugin gamma@1.1.0)")
                .contains("not used: emitter gamma from " + bundled.resolve("gamma-1.0.0.jar") + " (bundled plugin gamma@1.0.0)")
                .contains("bundled plugins folder: " + bundled)
                .contains("plugins folder: " + user)
                .containsPattern("from class path .*minibatch-core")
                .contains("no load errors");

        Result json = CliProcess.run(dir, env, null, Duration.ofSeconds(60), "plugins", "--json");
        assertThat(json.exitCode()).as(json.toString()).isZero();
        List<JsonNode> entries = parseLines(json.stdout());
        assertThat(entries).filteredOn(n -> n.path("name").asText().equals("alpha")).singleElement().satisfies(n -> {
            assertThat(n.path("source").asText()).isEqualTo("bundled");
            assertThat(n.path("folder").asText()).isEqualTo(bundled.toString());
            assertThat(n.path("file").asText()).isEqualTo("alpha-1.0.0.jar");
            assertThat(n.path("version").asText()).isEqualTo("1.0.0");
        });
        assertThat(entries).filteredOn(n -> n.path("kind").asText().equals("shadowed")).hasSize(1);
        assertThat(entries).filteredOn(n -> n.path("kind").asText().equals("plugins-folder"))
                .extracting(n -> n.path("role").asText() + " " + n.path("path").asText())
                .containsExactly("bundled " + bundled, "user " + user);
        assertThat(entries).filteredOn(n -> n.path("name").asText().equals("sqlite")).singleElement()
                .satisfies(n -> assertThat(n.path("source").asText()).isEqualTo("class path"));
    }

    @Test
    void aBrokenPluginIsListedAsALoadErrorWhileTheRestWorks() throws Exception {
        Path plugins = Files.createDirectories(dir.resolve("my-plugins"));
        Files.write(plugins.resolve("broken-plugin.jar"), new byte[] {1, 2, 3, 4});
        Result r = CliProcess.run(dir, Map.of("MINIBATCH_PLUGINS", plugins.toString()), null, Duration.ofSeconds(60),
                "plugins", "--json");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        List<JsonNode> entries = parseLines(r.stdout());
        assertThat(entries).filteredOn(n -> n.path("kind").asText().equals("error"))
                .singleElement().satisfies(e -> assertThat(e.path("origin").asText() + e.path("message").asText())
                        .contains("broken-plugin.jar"));
        assertThat(entries).filteredOn(n -> n.path("kind").asText().equals("plugins-folder"))
                .singleElement().satisfies(f -> {
                    assertThat(f.path("path").asText()).isEqualTo(plugins.toString());
                    assertThat(f.path("exists").asBoolean()).isTrue();
                });
        assertThat(entries).extracting(n -> n.path("name").asText()).contains("sqlite", "count", "stdout");

        Result table = CliProcess.run(dir, Map.of("MINIBATCH_PLUGINS", plugins.toString()), null, Duration.ofSeconds(60), "plugins");
        assertThat(table.stdout()).contains("plugins folder: " + plugins).contains("load errors:").contains("broken-plugin.jar");
    }

    @Test
    void longInputsGetProgressLinesWithARate() throws Exception {
        Result r = mb(ndjson(0, 20_000), "append", "bulk", "--progress", "1ms", "--batch", "500");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stderr()).containsPattern("append bulk: [0-9,]+ messages, [0-9.,]+ msg/s, line [0-9,]+")
                .contains("appended 20,000 messages to 'bulk'");
        Result streams = mb(null, "streams", "--json");
        assertThat(parseLines(streams.stdout()).get(0).path("pending").asLong()).isEqualTo(20_000);
    }

    @Test
    void consumerStopsGracefullyOnSigtermAndLosesNothing() throws Exception {
        mb(ndjson(0, 3), "append", "orders");
        try (CliProcess consumer = CliProcess.start(dir, Map.of(), null, "consume", "orders", "--size", "1", "--url", url)) {
            consumer.awaitCondition("three windows printed", Duration.ofSeconds(30),
                    () -> consumer.stdout().lines().count() >= 3);
            Result stopped = consumer.terminate(Duration.ofSeconds(30));
            assertThat(stopped.exitCode()).as(stopped.toString()).isEqualTo(143); // 128 + SIGTERM
        }
        // nothing consumed twice or lost: the three printed windows are gone from the stream
        Result streams = mb(null, "streams", "--json");
        JsonNode row = parseLines(streams.stdout()).stream()
                .filter(n -> n.path("name").asText().equals("orders")).findFirst().orElseThrow();
        assertThat(row.path("pending").asLong() + row.path("claimed").asLong()).isZero();
    }

    @Test
    void aClosedOutputStopsTheConsumerWithoutLosingTheWindowOrCountingAnAttempt() throws Exception {
        mb("{\"i\":0}\n", "append", "orders");
        mb(null, "consume", "orders", "--max-windows", "1"); // the stream exists and is empty now
        Process consumer = CliProcess.startPiped(dir, "consume", "orders", "--stop-timeout", "1s", "--url", url);
        try {
            consumer.getInputStream().close(); // nobody reads: the next write fails, as after '| head' exits
            mb(ndjson(1, 4), "append", "orders");
            assertThat(consumer.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)).as("exits once it cannot write").isTrue();
            assertThat(consumer.exitValue()).isZero();
        } finally {
            consumer.destroyForcibly();
        }
        // the window that could not be written went back untouched: pending, attempts still 0
        List<JsonNode> left = parseLines(mb(null, "buffer", "orders").stdout());
        assertThat(left).extracting(n -> n.path("data").path("i").asInt()).containsExactly(1, 2, 3);
        assertThat(left).allSatisfy(n -> assertThat(n.path("attempts").asInt()).isZero());
    }

    @Test
    void versionAndHelp() throws Exception {
        Result version = CliProcess.run(dir, null, "--version");
        assertThat(version.exitCode()).isZero();
        assertThat(version.stdout()).startsWith("minibatch 0.1.0-SNAPSHOT (core 0.1.0-SNAPSHOT)");

        Result help = CliProcess.run(dir, null, "--help");
        assertThat(help.exitCode()).isZero();
        assertThat(help.stdout()).contains("append", "consume", "streams", "buffer", "dead", "plugins", "serve", "demo", "bench");

        Result none = CliProcess.run(dir, null);
        assertThat(none.exitCode()).isEqualTo(2);
        assertThat(none.stderr()).contains("Usage: minibatch");
    }
}
