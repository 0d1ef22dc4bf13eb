package dev.minibatch.internal;

import java.nio.file.Path;

/** Where minibatch keeps its files: {@code minibatch.home} → {@code MINIBATCH_HOME} → {@code ~/.minibatch}. */
public final class Home {
    private Home() {
    }

    public static Path directory() {
        String configured = System.getProperty("minibatch.home");
        if (configured == null || configured.isBlank()) {
            configured = System.getenv("MINIBATCH_HOME");
        }
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        return Path.of(System.getProperty("user.home"), ".minibatch");
    }
}
