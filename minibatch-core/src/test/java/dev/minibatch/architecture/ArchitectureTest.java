package dev.minibatch.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The shape the core keeps (issue 23): no import circle between its packages, and no main class
 * over 600 lines anywhere in the project. Reads the sources, so it runs from the module folder
 * (what Surefire does).
 */
class ArchitectureTest {

    private static final Path CORE = Path.of("src/main/java");
    private static final Path PROJECT = Path.of("..");
    private static final int MAX_LINES = 600;
    private static final Pattern PACKAGE = Pattern.compile("^package\\s+([\\w.]+);", Pattern.MULTILINE);
    /** A reference to a type of another minibatch package: {@code dev.minibatch.x.y.Type}. */
    private static final Pattern REFERENCE = Pattern.compile("\\b(dev\\.minibatch(?:\\.[a-z]\\w*)*)\\.[A-Z]");
    private static final Pattern COMMENTS = Pattern.compile("/\\*.*?\\*/|//[^\\n]*", Pattern.DOTALL);

    @Test
    void noImportCircleBetweenThePackagesOfTheCore() throws IOException {
        Map<String, Set<String>> uses = new TreeMap<>();
        for (Path file : javaFiles(CORE)) {
            String code = COMMENTS.matcher(Files.readString(file)).replaceAll("");
            Matcher p = PACKAGE.matcher(code);
            if (!p.find()) {
                continue;
            }
            String pkg = p.group(1);
            Set<String> targets = uses.computeIfAbsent(pkg, k -> new TreeSet<>());
            Matcher r = REFERENCE.matcher(code.substring(p.end()));
            while (r.find()) {
                if (!r.group(1).equals(pkg)) {
                    targets.add(r.group(1));
                }
            }
        }
        assertThat(uses).as("core packages found").hasSizeGreaterThan(10);
        assertThat(cycles(uses)).as("package circles (each a set of packages that import each other)").isEmpty();
    }

    @Test
    void noMainClassOfTheProjectIsOverSixHundredLines() throws IOException {
        assertThat(PROJECT.resolve("pom.xml")).exists();
        List<String> over = new ArrayList<>();
        try (Stream<Path> all = Files.walk(PROJECT)) {
            for (Path file : all.filter(f -> f.toString().endsWith(".java") && f.toString().contains("src/main/java")
                    && !f.toString().contains("/target/")).toList()) {
                long lines = Files.lines(file).count();
                if (lines > MAX_LINES) {
                    over.add(PROJECT.relativize(file) + " (" + lines + " lines)");
                }
            }
        }
        assertThat(over).as("main classes over " + MAX_LINES + " lines").isEmpty();
    }

    private static List<Path> javaFiles(Path root) {
        try (Stream<Path> all = Files.walk(root)) {
            return all.filter(f -> f.toString().endsWith(".java")).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Strongly connected components with more than one package (Tarjan). */
    private static List<Set<String>> cycles(Map<String, Set<String>> graph) {
        List<Set<String>> out = new ArrayList<>();
        Map<String, Integer> index = new HashMap<>();
        Map<String, Integer> low = new HashMap<>();
        List<String> stack = new ArrayList<>();
        Set<String> onStack = new HashSet<>();
        int[] counter = {0};
        for (String v : graph.keySet()) {
            if (!index.containsKey(v)) {
                connect(v, graph, index, low, stack, onStack, counter, out);
            }
        }
        return out;
    }

    private static void connect(String v, Map<String, Set<String>> graph, Map<String, Integer> index,
                                Map<String, Integer> low, List<String> stack, Set<String> onStack, int[] counter,
                                List<Set<String>> out) {
        index.put(v, counter[0]);
        low.put(v, counter[0]++);
        stack.add(v);
        onStack.add(v);
        for (String w : graph.getOrDefault(v, Set.of())) {
            if (!index.containsKey(w)) {
                connect(w, graph, index, low, stack, onStack, counter, out);
                low.put(v, Math.min(low.get(v), low.get(w)));
            } else if (onStack.contains(w)) {
                low.put(v, Math.min(low.get(v), index.get(w)));
            }
        }
        if (low.get(v).equals(index.get(v))) {
            Set<String> component = new TreeSet<>();
            String w;
            do {
                w = stack.remove(stack.size() - 1);
                onStack.remove(w);
                component.add(w);
            } while (!w.equals(v));
            if (component.size() > 1) {
                out.add(component);
            }
        }
    }
}
