package dev.minibatch.mqtt;

import dev.minibatch.Minibatch;
import dev.minibatch.Stream;
import java.util.Map;

/**
 * Child JVM for {@link MqttThreadsTest}: connects a source and a sink, waits until the broker is
 * gone and both are reconnecting, then returns from main without closing anything. The JVM must
 * end by itself.
 */
public final class LingerCheckMain {

    private LingerCheckMain() {
    }

    public static void main(String[] args) throws Exception {
        String url = args[0];
        Minibatch mb = Minibatch.builder().url("memory:").shutdownHook(false).build();
        Stream stream = mb.stream("linger");
        MqttSource source = new MqttSource(url, "linger/#", Map.of("clientId", "linger-src", "maxReconnectDelay", "1s"));
        stream.attach(source);
        MqttSink sink = new MqttSink(url, "linger/out", Map.of("maxReconnectDelay", "1s"));
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!source.isSubscribed() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        System.out.println("READY " + source.isSubscribed());
        System.out.flush();
        while ((sink.isConnected() || source.isSubscribed()) && System.nanoTime() < deadline + 20_000_000_000L) {
            Thread.sleep(20);
        }
        System.out.println("RECONNECTING " + !sink.isConnected());
        System.out.flush();
        // main returns with the client, source and sink still open and retrying
    }
}
