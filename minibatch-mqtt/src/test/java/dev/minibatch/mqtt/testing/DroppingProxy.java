package dev.minibatch.mqtt.testing;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP relay in front of a real broker that cuts a client's connection the moment the client
 * sends its first SUBSCRIBE (before the broker sees it): the drop a broker under load inflicts,
 * made to happen at the worst time on purpose. It forwards every other byte unchanged; it reads
 * only the MQTT fixed header (packet type and length) of what clients send, to find the SUBSCRIBE.
 * Later connections (the client's reconnects) are relayed without interference.
 */
public final class DroppingProxy implements AutoCloseable {

    private static final int SUBSCRIBE = 8;

    private final ServerSocket server;
    private final String brokerHost;
    private final int brokerPort;
    private final AtomicInteger dropsLeft;
    private final AtomicInteger connections = new AtomicInteger();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private volatile boolean closed;

    /** Relays to {@code broker} ({@code tcp://host:port}), dropping {@code drops} SUBSCRIBEs (one per connection). */
    public DroppingProxy(String broker, int drops) throws IOException {
        String hostPort = broker.substring(broker.indexOf("://") + 3);
        this.brokerHost = hostPort.substring(0, hostPort.lastIndexOf(':'));
        this.brokerPort = Integer.parseInt(hostPort.substring(hostPort.lastIndexOf(':') + 1));
        this.dropsLeft = new AtomicInteger(drops);
        this.server = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
        daemon("proxy-accept", this::accept).start();
    }

    public String url() {
        return "tcp://127.0.0.1:" + server.getLocalPort();
    }

    /** Connections accepted so far (the first one plus the client's reconnects). */
    public int connections() {
        return connections.get();
    }

    /** SUBSCRIBEs still to be dropped. */
    public int dropsLeft() {
        return dropsLeft.get();
    }

    private void accept() {
        while (!closed) {
            try {
                Socket client = server.accept();
                Socket broker = new Socket(brokerHost, brokerPort);
                sockets.add(client);
                sockets.add(broker);
                connections.incrementAndGet();
                daemon("proxy-up", () -> clientToBroker(client, broker)).start();
                daemon("proxy-down", () -> copy(broker, client)).start();
            } catch (IOException e) {
                if (!closed) {
                    throw new IllegalStateException("proxy accept failed", e);
                }
            }
        }
    }

    private void clientToBroker(Socket client, Socket broker) {
        try (DataInputStream in = new DataInputStream(client.getInputStream()); OutputStream out = broker.getOutputStream()) {
            boolean firstSubscribe = true;
            while (true) {
                int first = in.read();
                if (first < 0) {
                    break;
                }
                // remaining length: 1 to 4 bytes, 7 bits each, high bit = more
                java.io.ByteArrayOutputStream header = new java.io.ByteArrayOutputStream();
                header.write(first);
                int length = 0;
                int shift = 0;
                int b;
                do {
                    b = in.readUnsignedByte();
                    header.write(b);
                    length |= (b & 0x7f) << shift;
                    shift += 7;
                } while ((b & 0x80) != 0);
                byte[] body = new byte[length];
                in.readFully(body);
                if ((first >> 4) == SUBSCRIBE && firstSubscribe) {
                    firstSubscribe = false;
                    if (dropsLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                        closeQuietly(client); // the SUBSCRIBE never reaches the broker
                        closeQuietly(broker);
                        return;
                    }
                }
                out.write(header.toByteArray());
                out.write(body);
                out.flush();
            }
        } catch (IOException e) {
            // either side closed
        } finally {
            closeQuietly(client);
            closeQuietly(broker);
        }
    }

    private static void copy(Socket from, Socket to) {
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            in.transferTo(out);
        } catch (IOException e) {
            // either side closed
        } finally {
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    private static Thread daemon(String name, Runnable task) {
        Thread t = new Thread(task, name);
        t.setDaemon(true);
        return t;
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closing
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        server.close();
        sockets.forEach(DroppingProxy::closeQuietly);
    }
}
