package dev.minibatch.plugins.tests;

import dev.minibatch.Minibatch;
import dev.minibatch.plugin.Providers;
import dev.minibatch.Stream;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A separate JVM that, like the command line, relies on {@code Providers.defaults()} only: the
 * plugins folder comes from {@code -Dminibatch.plugins}. Args: the SQLite file, the summary file.
 */
public final class DefaultPluginsMain {

    private DefaultPluginsMain() {
    }

    public static void main(String[] args) throws Exception {
        System.out.println("PLUGINS " + Providers.pluginsDirectory());
        Providers.defaults().errors().forEach(e -> System.out.println("ERROR " + e.origin() + ": " + e.message()));
        try (Minibatch mb = Minibatch.connect("sqlite:" + args[0])) {
            Stream numbers = mb.stream("numbers");
            numbers.appendAll(List.of(1, 2, 3, 4, 5, 6));
            int[] windows = {0};
            while (windows[0] < 2) {
                mb.streaming("numbers").emitter("sliding", Map.of("size", "4", "step", "2")).blocking(false)
                        .run(w -> {
                            windows[0]++;
                            System.out.println("WINDOW " + w.dataAs(Integer.class));
                        });
            }
            var feeding = mb.stream("sequence").attach(mb.providers().source("sequence", Map.of("count", "10")));
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (feeding.isRunning() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            mb.streaming("sequence").size(10).sink("histogram", Map.of("file", args[1])).blocking(false).run();
            System.out.println("DONE");
        }
    }
}
