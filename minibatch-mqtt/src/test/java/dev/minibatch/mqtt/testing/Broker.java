package dev.minibatch.mqtt.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;

/** A real MQTT broker started by a test on 127.0.0.1; closing it stops it. */
public interface Broker extends AutoCloseable {

    /** {@code tcp://127.0.0.1:<port>}. */
    String url();

    /** What it is, for test names and messages. */
    String name();

    @Override
    void close();

    /** A port free right now on the loopback interface. */
    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException("no free port on 127.0.0.1", e);
        }
    }

    /** Polls until something accepts TCP connections on the port, or fails after the timeout. */
    static void awaitPort(int port, Duration timeout, String what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
                return;
            } catch (IOException e) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(what + " did not accept connections on 127.0.0.1:" + port
                            + " within " + timeout.toMillis() + " ms", e);
                }
                try {
                    Thread.sleep(20);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(ie);
                }
            }
        }
    }
}
