package dev.minibatch.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import dev.minibatch.mqtt.testing.MosquittoBroker;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Source and sink threads are daemons: a program that forgets to close them still ends. */
class MqttThreadsTest {

    @Test
    void aJvmWithAnOpenSourceAndSinkThatAreReconnectingStillExits(@TempDir Path dir) throws Exception {
        try (MosquittoBroker broker = MosquittoBroker.start(dir)) {
            Path java = Path.of(System.getProperty("java.home"), "bin", "java");
            Process child = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
                    LingerCheckMain.class.getName(), broker.url()).redirectErrorStream(true).start();
            List<String> lines = new CopyOnWriteArrayList<>();
            Thread reader = new Thread(() -> {
                try (BufferedReader in = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line = in.readLine(); line != null; line = in.readLine()) {
                        lines.add(line);
                    }
                } catch (java.io.IOException e) {
                    lines.add("read failed: " + e);
                }
            });
            reader.setDaemon(true);
            reader.start();
            try {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (lines.stream().noneMatch(l -> l.startsWith("READY")) && child.isAlive() && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                assertThat(lines).as("child output").contains("READY true");
                broker.close(); // the child's source and sink now retry in the background
                boolean exited = child.waitFor(30, TimeUnit.SECONDS);
                assertThat(exited).as("child JVM ended by itself; output: " + lines).isTrue();
                assertThat(lines).contains("RECONNECTING true");
                assertThat(child.exitValue()).isZero();
            } finally {
                child.destroyForcibly();
            }
        }
    }
}
