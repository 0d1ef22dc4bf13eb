package dev.minibatch.plugins.tests;

import dev.minibatch.spi.Provider;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/** Compiles small provider classes at test time (with the JDK's compiler) for fixture plugins. */
final class FixtureCompiler {

    private FixtureCompiler() {
    }

    /**
     * Compiles Java sources (class name → source) against the minibatch core and returns the class
     * files as jar entries (path → bytes).
     */
    static Map<String, byte[]> compile(Path work, Map<String, String> sources) throws IOException {
        return compile(work, sources, List.of());
    }

    /** As {@link #compile(Path, Map)}, with extra jars on the compile class path. */
    static Map<String, byte[]> compile(Path work, Map<String, String> sources, List<Path> classPath) throws IOException {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        if (javac == null) {
            throw new IllegalStateException("no Java compiler in this runtime: run the tests on a JDK, not a JRE");
        }
        Path src = Files.createDirectories(work.resolve("src"));
        Path out = Files.createDirectories(work.resolve("classes"));
        List<String> args = new ArrayList<>(List.of("--release", "17", "-proc:none", "-d", out.toString(),
                "-cp", coreLocation() + classPath.stream().map(p -> java.io.File.pathSeparator + p).reduce("", String::concat)));
        for (Map.Entry<String, String> e : sources.entrySet()) {
            Path file = src.resolve(e.getKey().replace('.', '/') + ".java");
            Files.createDirectories(file.getParent());
            Files.writeString(file, e.getValue(), StandardCharsets.UTF_8);
            args.add(file.toString());
        }
        int status = javac.run(null, null, System.err, args.toArray(String[]::new));
        if (status != 0) {
            throw new IllegalStateException("compiling the fixture failed (see the test output)");
        }
        Map<String, byte[]> entries = new LinkedHashMap<>();
        try (Stream<Path> files = Files.walk(out)) {
            for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                entries.put(out.relativize(f).toString().replace('\\', '/'), Files.readAllBytes(f));
            }
        }
        return entries;
    }

    private static String coreLocation() {
        try {
            return Path.of(Provider.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
