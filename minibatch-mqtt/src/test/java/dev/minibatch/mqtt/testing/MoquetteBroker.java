package dev.minibatch.mqtt.testing;

import io.moquette.broker.Server;
import io.moquette.broker.config.MemoryConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Properties;

/** Moquette 0.17, an MQTT broker in the test JVM (sessions in memory). */
public final class MoquetteBroker implements Broker {

    private final Server server = new Server();
    private final int port;

    private MoquetteBroker(int port) {
        this.port = port;
    }

    public static MoquetteBroker start() {
        MoquetteBroker broker = new MoquetteBroker(Broker.freePort());
        Properties props = new Properties();
        props.setProperty("host", "127.0.0.1");
        props.setProperty("port", String.valueOf(broker.port));
        props.setProperty("allow_anonymous", "true");
        props.setProperty("persistence_enabled", "false");
        props.setProperty("telemetry_enabled", "false");
        props.setProperty("websocket_port", "disabled");
        props.setProperty("netty.epoll", "false");
        // its default of 1024 queued session commands drops publishes under load (logged as
        // "Session command queue 0 is full"), like mosquitto's max_queued_messages 1000 does
        props.setProperty("session_queue_size", "100000");
        try {
            broker.server.startServer(new MemoryConfig(props));
        } catch (IOException e) {
            throw new UncheckedIOException("moquette did not start on port " + broker.port, e);
        }
        return broker;
    }

    @Override
    public String url() {
        return "tcp://127.0.0.1:" + port;
    }

    @Override
    public String name() {
        return "moquette";
    }

    @Override
    public void close() {
        server.stopServer();
    }

    @Override
    public String toString() {
        return name() + " " + url();
    }
}
