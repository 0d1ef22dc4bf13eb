package dev.minibatch.store.sqlite;

import dev.minibatch.Minibatch;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The other process of {@link CrossProcessWakeupsTest}: opens the store at {@code args[0]}, prints
 * {@code ready}, then appends {@code {"n": n}} to stream {@code args[1]} for each number read from
 * standard input and prints {@code appended n}; exits when its input ends.
 */
public final class AppenderMain {

    private AppenderMain() {
    }

    public static void main(String[] args) throws Exception {
        try (Minibatch mb = Minibatch.builder().url(args[0]).shutdownHook(false).build()) {
            var stream = mb.stream(args[1]);
            System.out.println("ready");
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                int n = Integer.parseInt(line.trim());
                stream.append(Map.of("n", n));
                System.out.println("appended " + n);
            }
        }
    }
}
