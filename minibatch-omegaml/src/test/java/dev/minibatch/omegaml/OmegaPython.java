package dev.minibatch.omegaml;

import com.fasterxml.jackson.databind.JsonNode;
import dev.minibatch.internal.Json;
import dev.minibatch.mongo.PythonPeer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The real omega|ml 0.18 (installed by tools/test-env/python-peer.sh into the Python peer's venv)
 * as one long-lived subprocess: {@code src/test/python/omegaml_peer.py} runs Python snippets against
 * a MongoDB URL with {@code om}, {@code pd}, {@code np}, {@code reply}, {@code frame} and
 * {@code same} bound (the script's docstring says what each is). One process per test class, so
 * omega|ml's slow import is paid once; every request has a bounded timeout and {@link #close}
 * ends the process.
 */
final class OmegaPython implements AutoCloseable {

    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(120);

    private final PythonPeer peer;
    private int requests;

    private OmegaPython(PythonPeer peer) {
        this.peer = peer;
    }

    /** Starts the peer; {@code url} also goes to {@code OMEGA_MONGO_URL}, where omega|ml reads its server from. */
    static OmegaPython start(String url) {
        Path script = Path.of("src", "test", "python", "omegaml_peer.py").toAbsolutePath();
        if (!Files.isRegularFile(script)) {
            throw new IllegalStateException("missing " + script + " (tests run from the minibatch-omegaml folder)");
        }
        OmegaPython python = new OmegaPython(PythonPeer.start(script, List.of(), Map.of("OMEGA_MONGO_URL", url,
                "PYTHONWARNINGS", "ignore")));
        python.run(url, "reply(pd.__version__)");
        return python;
    }

    /** Runs {@code code} with omega|ml on {@code url}; returns what it passed to {@code reply}, or fails with its traceback. */
    synchronized JsonNode run(String url, String code) {
        peer.send(Json.mapper().createObjectNode().put("url", url).put("code", code).toString());
        requests++;
        JsonNode reply;
        try {
            reply = peer.awaitLine("reply", requests, REQUEST_TIMEOUT);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted waiting for omega|ml", e);
        }
        if (reply.has("error")) {
            throw new AssertionError("omega|ml failed running:\n" + code + "\n" + reply.get("error").asText());
        }
        return reply.get("value");
    }

    @Override
    public void close() {
        try {
            peer.send("");
            peer.awaitDone(Duration.ofSeconds(10));
        } catch (RuntimeException | AssertionError | InterruptedException ignored) {
            // ended or stuck: close() below kills it either way
        } finally {
            peer.close();
        }
    }
}
