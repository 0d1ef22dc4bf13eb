package dev.minibatch.bench.mongo;

import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * mongo-java-server (memory backend) as a process of its own, so that in the bench the emulator
 * shares a JVM (heap, GC, JIT) with neither client: {@code EmulatorMain PORT [--oplog]}. It serves on
 * 127.0.0.1:PORT until its standard input closes (the bench closes it, or dies).
 */
public final class EmulatorMain {

    private EmulatorMain() {
    }

    public static void main(String[] args) throws IOException {
        MemoryBackend backend = new MemoryBackend();
        if (args.length > 1 && args[1].equals("--oplog")) {
            backend.enableOplog(); // change streams, as on a replica set
        }
        MongoServer server = new MongoServer(backend);
        server.bind(new InetSocketAddress("127.0.0.1", Integer.parseInt(args[0])));
        try {
            while (System.in.read() >= 0) {
                // nothing to read: the parent's end closing is the signal to stop
            }
        } finally {
            server.shutdownNow();
        }
    }
}
