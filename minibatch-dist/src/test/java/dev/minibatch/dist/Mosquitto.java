package dev.minibatch.dist;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Debian's {@code mosquitto} as a child process on a free loopback port (as minibatch-mqtt's tests
 * run it). Fails, naming the package, when it is not installed.
 */
final class Mosquitto implements AutoCloseable {

    static final Path BINARY = Path.of("/usr/sbin/mosquitto");

    private final Process process;
    private final int port;

    private Mosquitto(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    static Mosquitto start(Path dir) throws IOException, InterruptedException {
        if (!Files.isExecutable(BINARY)) {
            throw new AssertionError(BINARY + " not found: install mosquitto (sudo apt-get install -y mosquitto), "
                    + "or run ./run-tests, which installs it");
        }
        Files.createDirectories(dir);
        int port = Ports.free();
        List<String> lines = new ArrayList<>();
        if ("root".equals(System.getProperty("user.name"))) {
            lines.add("user root"); // else mosquitto drops to user 'mosquitto', who cannot read our temp dir
        }
        lines.add("listener " + port + " 127.0.0.1");
        lines.add("allow_anonymous true");
        lines.add("persistence false");
        lines.add("max_queued_messages 100000"); // the default 1000 drops messages for slow subscribers
        lines.add("log_dest stdout");
        Path config = dir.resolve("mosquitto.conf");
        Files.write(config, lines, StandardCharsets.UTF_8);
        Process process = new ProcessBuilder(BINARY.toString(), "-c", config.toString()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("mosquitto.log").toFile())).start();
        try {
            Ports.await(port, Duration.ofSeconds(10), "mosquitto", process);
        } catch (RuntimeException e) {
            process.destroyForcibly();
            throw e;
        }
        return new Mosquitto(process, port);
    }

    String url() {
        return "tcp://127.0.0.1:" + port;
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
    }
}
