package dev.minibatch.mongo;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP proxy on 127.0.0.1 in front of a real MongoDB-protocol server that plays a client's death
 * at a chosen point: once {@link #cutAfter armed}, it forwards that many commands and then, when
 * the next one arrives, drops it and closes every connection, refusing new ones — so the server
 * saw exactly the first n commands, as if the client process was killed there. Messages are only
 * framed (length prefix) and the command name read, never changed; handshakes and monitoring
 * ({@code hello}, {@code isMaster}, …) are not counted.
 */
final class CuttingProxy implements AutoCloseable {

    private static final Set<String> NOT_COUNTED = Set.of("hello", "ismaster", "isMaster", "buildinfo", "buildInfo", "ping",
            "endSessions", "saslStart", "saslContinue", "getLastError");

    private final ServerSocket listener;
    private final InetSocketAddress target;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private volatile int remaining = -1; // -1: not armed
    private volatile boolean dead;
    private volatile String cutAt;

    CuttingProxy(String targetHostPort) {
        String[] hp = targetHostPort.split(":");
        this.target = new InetSocketAddress(hp[0], Integer.parseInt(hp[1]));
        try {
            listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Thread accept = new Thread(this::acceptLoop, "cutting-proxy-accept");
        accept.setDaemon(true);
        accept.start();
    }

    String hostPort() {
        return "127.0.0.1:" + listener.getLocalPort();
    }

    /** From now on, forward {@code commands} more commands, then die at the next one. */
    void cutAfter(int commands) {
        remaining = commands;
    }

    boolean dead() {
        return dead;
    }

    /** The command the client was sending when it "died", or null. */
    String cutAt() {
        return cutAt;
    }

    private void acceptLoop() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                if (dead) {
                    client.close();
                    continue;
                }
                Socket server = new Socket();
                server.connect(target, 2000);
                sockets.add(client);
                sockets.add(server);
                daemon(() -> requests(client, server), "cutting-proxy-up");
                daemon(() -> copy(server, client), "cutting-proxy-down");
            } catch (IOException e) {
                // closed
            }
        }
    }

    private static void daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        t.start();
    }

    private void requests(Socket client, Socket server) {
        try (DataInputStream in = new DataInputStream(client.getInputStream()); OutputStream out = server.getOutputStream()) {
            byte[] header = new byte[4];
            while (true) {
                in.readFully(header);
                int length = (header[0] & 0xff) | (header[1] & 0xff) << 8 | (header[2] & 0xff) << 16 | (header[3] & 0xff) << 24;
                byte[] message = new byte[length];
                System.arraycopy(header, 0, message, 0, 4);
                in.readFully(message, 4, length - 4);
                String command = commandName(message);
                synchronized (this) {
                    if (dead) {
                        return;
                    }
                    if (remaining >= 0 && command != null && !NOT_COUNTED.contains(command)) {
                        if (remaining == 0) {
                            cutAt = command;
                            die();
                            return;
                        }
                        remaining--;
                    }
                    out.write(message);
                    out.flush();
                }
            }
        } catch (IOException e) {
            // a side closed
        }
    }

    /** The first element's name of an OP_MSG body (kind 0 section), or null for other op codes. */
    private static String commandName(byte[] m) {
        int opCode = (m[12] & 0xff) | (m[13] & 0xff) << 8 | (m[14] & 0xff) << 16 | (m[15] & 0xff) << 24;
        if (opCode != 2013 || m.length < 27 || m[20] != 0) {
            return null;
        }
        int start = 16 + 4 + 1 + 4 + 1; // header, flags, section kind, document length, element type
        int end = start;
        while (end < m.length && m[end] != 0) {
            end++;
        }
        return new String(m, start, end - start, StandardCharsets.UTF_8);
    }

    private static void copy(Socket from, Socket to) {
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            in.transferTo(out);
        } catch (IOException e) {
            // a side closed
        }
    }

    private void die() {
        dead = true;
        for (Socket s : sockets) {
            try {
                s.close();
            } catch (IOException e) {
                // already closed
            }
        }
    }

    @Override
    public void close() {
        die();
        try {
            listener.close();
        } catch (IOException e) {
            // already closed
        }
    }
}
