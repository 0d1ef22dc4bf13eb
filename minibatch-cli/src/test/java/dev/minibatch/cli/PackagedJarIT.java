package dev.minibatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged command as users run it: {@code java -jar minibatch-cli-<version>.jar} with its
 * {@code lib/} folder, and the {@code ./minibatch} launcher at the repository root (run here in a
 * copy of the repository's layout, with a stand-in for the Maven wrapper that writes a stand-in
 * distribution layout, so the test can see when the launcher builds and when it just runs). The
 * real distribution layout is tested in minibatch-dist's DistributionIT.
 */
class PackagedJarIT {

    @TempDir
    Path dir;

    private Path jar;
    private Path launcher;

    record Run(int exitCode, String output) {
    }

    @BeforeEach
    void locate() {
        jar = Path.of(System.getProperty("minibatch.cli.jar", "target/minibatch-cli-0.1.0-SNAPSHOT.jar")).toAbsolutePath();
        launcher = Path.of(System.getProperty("minibatch.launcher", "../minibatch")).toAbsolutePath();
        assertThat(jar).as("run 'package' first").exists();
        assertThat(jar.resolveSibling("lib")).isDirectory();
        assertThat(launcher).exists();
    }

    private Run exec(Path workDir, Map<String, String> env, String... command) throws Exception {
        Path out = Files.createTempFile(dir, "out", ".txt");
        ProcessBuilder b = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true)
                .redirectOutput(out.toFile()).redirectInput(ProcessBuilder.Redirect.from(emptyFile()));
        b.environment().remove("MINIBATCH_URL");
        b.environment().put("MINIBATCH_HOME", dir.resolve("home").toString());
        b.environment().putAll(env);
        Process p = b.start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + String.join(" ", command) + "\n" + Files.readString(out));
        }
        return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
    }

    private java.io.File emptyFile() throws IOException {
        Path empty = dir.resolve("empty-stdin");
        if (!Files.exists(empty)) {
            Files.createFile(empty);
        }
        return empty.toFile();
    }

    private String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    @Test
    void theJarRunsWithItsLibFolderAndFindsEveryProvider() throws Exception {
        Run version = exec(dir, Map.of(), java(), "-jar", jar.toString(), "--version");
        assertThat(version.exitCode()).as(version.output()).isZero();
        assertThat(version.output()).startsWith("minibatch 0.1.0-SNAPSHOT (core 0.1.0-SNAPSHOT)");

        Run plugins = exec(dir, Map.of(), java(), "-jar", jar.toString(), "plugins");
        assertThat(plugins.exitCode()).as(plugins.output()).isZero();
        assertThat(plugins.output()).contains("lib/minibatch-core-0.1.0-SNAPSHOT.jar").contains("minibatch-cli-0.1.0-SNAPSHOT.jar")
                .contains("sqlite").contains("stdout").contains("no load errors").doesNotContain("unknown ");

        String url = "sqlite:" + dir.resolve("it.db");
        Run append = exec(dir, Map.of(), java(), "-jar", jar.toString(), "append", "it", "{\"hello\":\"world\"}", "--url", url);
        assertThat(append.exitCode()).as(append.output()).isZero();
        Run consume = exec(dir, Map.of(), java(), "-jar", jar.toString(), "consume", "it", "--max-windows", "1", "--quiet",
                "--url", url);
        assertThat(consume.exitCode()).as(consume.output()).isZero();
        assertThat(consume.output()).contains("\"data\":[{\"hello\":\"world\"}]").doesNotContain("SLF4J");
    }

    /** A copy of the repository's layout: the launcher, the poms, sources, and a stand-in Maven wrapper. */
    private Path fakeCheckout(String mvnwBody) throws IOException {
        Path root = dir.resolve("checkout");
        Files.createDirectories(root.resolve("minibatch-core/src/main/java"));
        Files.createDirectories(root.resolve("minibatch-cli/src/main/java"));
        Files.createDirectories(root.resolve("minibatch-cli/target"));
        Files.copy(launcher, root.resolve("minibatch"));
        root.resolve("minibatch").toFile().setExecutable(true);
        Files.writeString(root.resolve("pom.xml"), "<project>\n  <properties>\n"
                + "    <minibatch-dist.version>0.1.0-SNAPSHOT</minibatch-dist.version>\n  </properties>\n</project>\n");
        Files.writeString(root.resolve("minibatch-core/pom.xml"), "<project/>\n");
        Files.writeString(root.resolve("minibatch-cli/pom.xml"), "<project/>\n");
        Files.writeString(root.resolve("minibatch-cli/src/main/java/A.java"), "class A {}\n");
        Files.writeString(root.resolve("mvnw"), "#!/usr/bin/env bash\n" + mvnwBody);
        root.resolve("mvnw").toFile().setExecutable(true);
        // everything in the checkout is old
        FileTime old = FileTime.from(Instant.now().minusSeconds(3600));
        try (Stream<Path> files = Files.walk(root)) {
            for (Path p : files.toList()) {
                Files.setLastModifiedTime(p, old);
            }
        }
        return root;
    }

    /** Shell lines that write a stand-in distribution layout whose bin/minibatch runs the packaged jar. */
    private String layoutScript() {
        String bin = "\"$(dirname \"$0\")/minibatch-dist/target/minibatch-0.1.0-SNAPSHOT/bin\"";
        return "mkdir -p " + bin + "\n"
                + "printf '#!/bin/sh\\nexec \"%s\" -jar \"%s\" \"$@\"\\n' '" + java() + "' '" + jar + "' > " + bin + "/minibatch\n"
                + "chmod +x " + bin + "/minibatch\n";
    }

    /** The stand-in layout, already built (and newer than every source). */
    private void placeLayout(Path root) throws Exception {
        Path script = dir.resolve("place-layout.sh");
        Files.writeString(script, layoutScript().replace("$(dirname \"$0\")", root.toString()));
        Run placed = exec(root, Map.of(), "bash", script.toString());
        assertThat(placed.exitCode()).as(placed.output()).isZero();
        Files.createFile(root.resolve("minibatch-dist/target/minibatch-0.1.0-SNAPSHOT/.built"));
    }

    @Test
    void theLauncherBuildsOnFirstUseThenRunsTheJar() throws Exception {
        String body = "echo \"$@\" >> \"$(dirname \"$0\")/mvnw.calls\"\n" + layoutScript();
        Path root = fakeCheckout(body);
        Path elsewhere = Files.createDirectories(dir.resolve("elsewhere"));

        Run first = exec(elsewhere, Map.of(), root.resolve("minibatch").toString(), "--version");
        assertThat(first.exitCode()).as(first.output()).isZero();
        assertThat(first.output()).contains("minibatch: building the command and its plugins (first run only")
                .contains("minibatch 0.1.0-SNAPSHOT (core 0.1.0-SNAPSHOT)");
        assertThat(Files.readAllLines(root.resolve("mvnw.calls")))
                .containsExactly("-q -B -pl minibatch-dist -am package -Dmaven.test.skip=true -Dminibatch.dist.skipArchives=true"
                        + " -Dmaven.source.skip=true -Dmaven.javadoc.skip=true -Dcyclonedx.skip=true");

        Run second = exec(elsewhere, Map.of(), root.resolve("minibatch").toString(), "--version");
        assertThat(second.exitCode()).as(second.output()).isZero();
        assertThat(second.output()).doesNotContain("building").startsWith("minibatch 0.1.0-SNAPSHOT");
        assertThat(Files.readAllLines(root.resolve("mvnw.calls"))).as("no second build").hasSize(1);

        // a changed source makes the jar stale: rebuilt once
        Files.writeString(root.resolve("minibatch-cli/src/main/java/A.java"), "class A { int x; }\n");
        Files.setLastModifiedTime(root.resolve("minibatch-cli/src/main/java/A.java"), FileTime.from(Instant.now().plusSeconds(5)));
        Run third = exec(elsewhere, Map.of(), root.resolve("minibatch").toString(), "--version");
        assertThat(third.exitCode()).as(third.output()).isZero();
        assertThat(third.output()).contains("sources changed, rebuilding");
        assertThat(Files.readAllLines(root.resolve("mvnw.calls"))).hasSize(2);
    }

    @Test
    void theLauncherRunsAFreshJarWithoutBuildingAndPassesArgumentsAndExitCodes() throws Exception {
        Path root = fakeCheckout("echo 'must not build' >&2\nexit 1\n");
        placeLayout(root);
        Run run = exec(root, Map.of(), root.resolve("minibatch").toString(), "consume", "nope", "--url",
                "sqlite:" + dir.resolve("x.db"));
        assertThat(run.exitCode()).as(run.output()).isEqualTo(2);
        assertThat(run.output()).contains("unknown stream 'nope'").doesNotContain("must not build");
    }

    @Test
    void theLauncherReportsAFailedBuild() throws Exception {
        Path root = fakeCheckout("echo '[ERROR] BUILD FAILURE: compilation error in A.java'\nexit 1\n");
        Run run = exec(root, Map.of(), root.resolve("minibatch").toString(), "--version");
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.output()).contains("BUILD FAILURE: compilation error in A.java")
                .contains("minibatch: the build failed");
    }
}
