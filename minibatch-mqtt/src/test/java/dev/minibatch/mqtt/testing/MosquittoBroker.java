package dev.minibatch.mqtt.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Debian's {@code mosquitto}, started as a child process on free loopback ports with a generated
 * config. Fails the test (not skips it) when the binary is missing.
 */
public final class MosquittoBroker implements Broker {

    public static final Path BINARY = Path.of("/usr/sbin/mosquitto");
    public static final Path PASSWD = Path.of("/usr/bin/mosquitto_passwd");

    private final Path dir;
    private final Path config;
    private final Path log;
    private final int port;
    private final int tlsPort;
    private Process process;

    private MosquittoBroker(Path dir, Path config, int port, int tlsPort) {
        this.dir = dir;
        this.config = config;
        this.log = dir.resolve("mosquitto.log");
        this.port = port;
        this.tlsPort = tlsPort;
    }

    /** Settings for one broker. */
    public static final class Config {
        private boolean persistence;
        private String user;
        private String password;
        private Path certFile;
        private Path keyFile;

        /** Keeps sessions and queued messages across a restart (saved on SIGTERM and every second). */
        public Config persistence(boolean on) {
            this.persistence = on;
            return this;
        }

        /** Requires this user and password (anonymous clients refused). */
        public Config credentials(String name, String secret) {
            this.user = name;
            this.password = secret;
            return this;
        }

        /** Adds a TLS listener with this PEM certificate and key. */
        public Config tls(Path cert, Path key) {
            this.certFile = cert;
            this.keyFile = key;
            return this;
        }

        public MosquittoBroker start(Path dir) {
            return MosquittoBroker.start(dir, this);
        }
    }

    public static Config config() {
        return new Config();
    }

    /** Anonymous, no persistence. */
    public static MosquittoBroker start(Path dir) {
        return config().start(dir);
    }

    public static void requireInstalled() {
        if (!Files.isExecutable(BINARY)) {
            throw new AssertionError(BINARY + " not found: install mosquitto: apt-get install -y mosquitto");
        }
    }

    static MosquittoBroker start(Path dir, Config c) {
        requireInstalled();
        try {
            Files.createDirectories(dir);
            int port = Broker.freePort();
            int tlsPort = c.certFile != null ? Broker.freePort() : -1;
            List<String> lines = new ArrayList<>();
            if ("root".equals(System.getProperty("user.name"))) {
                lines.add("user root"); // else mosquitto drops to user 'mosquitto', who cannot read our temp dir
            }
            lines.add("per_listener_settings false");
            lines.add("listener " + port + " 127.0.0.1");
            if (tlsPort > 0) {
                lines.add("listener " + tlsPort + " 127.0.0.1");
                lines.add("certfile " + c.certFile.toAbsolutePath());
                lines.add("keyfile " + c.keyFile.toAbsolutePath());
            }
            if (c.user != null) {
                Path passwords = dir.resolve("passwords");
                run(List.of(PASSWD.toString(), "-b", "-c", passwords.toString(), c.user, c.password));
                lines.add("allow_anonymous false");
                lines.add("password_file " + passwords.toAbsolutePath());
            } else {
                lines.add("allow_anonymous true");
            }
            if (c.persistence) {
                Path data = dir.resolve("data");
                Files.createDirectories(data);
                lines.add("persistence true");
                lines.add("persistence_location " + data.toAbsolutePath() + "/");
                lines.add("autosave_interval 1");
            } else {
                lines.add("persistence false");
            }
            lines.add("max_queued_messages 100000");
            lines.add("log_dest stdout");
            lines.add("log_type error");
            lines.add("log_type warning");
            lines.add("log_type notice");
            lines.add("log_type information");
            Path config = dir.resolve("mosquitto.conf");
            Files.write(config, lines, StandardCharsets.UTF_8);
            MosquittoBroker broker = new MosquittoBroker(dir, config, port, tlsPort);
            broker.launch();
            return broker;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void run(List<String> command) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException(command.get(0) + " failed: "
                        + new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } finally {
            p.destroyForcibly();
        }
    }

    private void launch() throws IOException {
        process = new ProcessBuilder(BINARY.toString(), "-c", config.toString())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        try {
            Broker.awaitPort(port, Duration.ofSeconds(10), "mosquitto");
            if (tlsPort > 0) {
                Broker.awaitPort(tlsPort, Duration.ofSeconds(10), "mosquitto (TLS listener)");
            }
        } catch (IllegalStateException e) {
            process.destroyForcibly();
            throw new IllegalStateException(e.getMessage() + "; log:\n" + logText(), e);
        }
    }

    /** Stops it gracefully (SIGTERM: a persistent broker saves its state) and waits for the exit. */
    public void stop() {
        if (process == null) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        process = null;
    }

    /** Starts it again on the same ports with the same config (and saved state, if persistent). */
    public void restart() {
        stop();
        try {
            launch();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public boolean isRunning() {
        return process != null && process.isAlive();
    }

    @Override
    public String url() {
        return "tcp://127.0.0.1:" + port;
    }

    /** {@code ssl://127.0.0.1:<tls port>}; only when started with {@link Config#tls}. */
    public String tlsUrl() {
        if (tlsPort < 0) {
            throw new IllegalStateException("started without TLS");
        }
        return "ssl://127.0.0.1:" + tlsPort;
    }

    public int port() {
        return port;
    }

    public String logText() {
        try {
            return Files.exists(log) ? Files.readString(log) : "(no log)";
        } catch (IOException e) {
            return "(log unreadable: " + e + ")";
        }
    }

    @Override
    public String name() {
        return "mosquitto";
    }

    @Override
    public void close() {
        if (process != null) {
            process.destroyForcibly();
            try {
                process.waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            process = null;
        }
    }

    @Override
    public String toString() {
        return name() + " " + url() + " (" + dir + ")";
    }
}
