package dev.minibatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.minibatch.model.ConsumerHandle;
import dev.minibatch.Minibatch;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code GET /metrics} of {@code minibatch serve} over real HTTP: Prometheus text, parsed, with
 * the store's counts per stream, under the token and host rules of {@code /status}.
 */
class ServeMetricsTest {

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private HttpResponse<String> get(URI uri, Map<String, String> headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).GET();
        headers.forEach(b::header);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Prometheus text format: {@code name{labels} value} per sample line; comments skipped. */
    static Map<String, Double> parse(String text) {
        Map<String, Double> out = new HashMap<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int space = line.lastIndexOf(' ');
            assertThat(space).as("a sample line: " + line).isPositive();
            out.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
        }
        return out;
    }

    @Test
    void metricsArePrometheusTextWithTheStoreCountsBehindTheToken() throws Exception {
        String url = "sqlite:" + dir.resolve("store.db");
        try (Minibatch mb = Minibatch.builder().url(url).shutdownHook(false).build()) {
            mb.stream("orders").appendAll(IntStream.range(0, 7).boxed().toList());
            mb.stream("bad").appendAll(IntStream.range(0, 4).boxed().toList());
            ConsumerHandle failing = mb.streaming("bad").size(4).maxAttempts(1).start(w -> {
                throw new IllegalStateException("always");
            });
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (failing.stats().deadLettered() < 4 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            failing.stop();
            assertThat(failing.stats().deadLettered()).isEqualTo(4);
        }
        try (CliProcess serve = CliProcess.start(dir, Map.of("MINIBATCH_TOKEN", "m3trics"), null,
                "serve", "--url", url, "--port", "0", "--sample", "200ms")) {
            URI base = ServeHttpTest.awaitAddress(serve);

            assertThat(get(base.resolve("metrics"), Map.of()).statusCode()).isEqualTo(401);
            assertThat(get(base.resolve("metrics"), Map.of("Authorization", "Bearer nope")).statusCode()).isEqualTo(401);
            assertThat(rawStatusLine(base, "evil.example", "m3trics")).contains("403");

            HttpResponse<String> ok = get(base.resolve("metrics?token=m3trics"), Map.of());
            assertThat(ok.statusCode()).isEqualTo(200);
            assertThat(ok.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/plain"));
            Map<String, Double> samples = parse(get(base.resolve("metrics"), Map.of("Authorization", "Bearer m3trics")).body());
            assertThat(samples).as(samples.toString())
                    .containsEntry("minibatch_stream_pending{stream=\"orders\"}", 7.0)
                    .containsEntry("minibatch_stream_claimed{stream=\"orders\"}", 0.0)
                    .containsEntry("minibatch_stream_dead{stream=\"orders\"}", 0.0)
                    .containsEntry("minibatch_stream_pending{stream=\"bad\"}", 0.0)
                    .containsEntry("minibatch_stream_dead{stream=\"bad\"}", 4.0)
                    .doesNotContainKey("minibatch_stream_pending{stream=\"bad.dead\"}");

            // no consumer runs: none counted; one running in this JVM is seen through its heartbeats
            assertThat(samples).containsEntry("minibatch_stream_consumers{stream=\"orders\"}", 0.0);
            try (Minibatch mb = Minibatch.builder().url(url).shutdownHook(false).build()) {
                ConsumerHandle consumer = mb.streaming("orders").size(100).start(w -> { });
                try {
                    String[] seen = new String[1];
                    long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                    do {
                        Thread.sleep(100);
                        seen[0] = get(base.resolve("metrics?token=m3trics"), Map.of()).body();
                    } while (parse(seen[0]).get("minibatch_stream_consumers{stream=\"orders\"}") != 1.0
                            && System.nanoTime() < until);
                    assertThat(parse(seen[0])).containsEntry("minibatch_stream_consumers{stream=\"orders\"}", 1.0);
                } finally {
                    consumer.stop();
                }
            }
            assertThat(parse(get(base.resolve("metrics?token=m3trics"), Map.of()).body()))
                    .containsEntry("minibatch_stream_consumers{stream=\"orders\"}", 0.0);

            // a stream created while serving appears at the next scrape
            try (Minibatch mb = Minibatch.builder().url(url).shutdownHook(false).build()) {
                mb.stream("late").appendAll(IntStream.range(0, 2).boxed().toList());
            }
            String[] later = new String[1];
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            do {
                Thread.sleep(100);
                later[0] = get(base.resolve("metrics?token=m3trics"), Map.of()).body();
            } while (!parse(later[0]).containsKey("minibatch_stream_pending{stream=\"late\"}") && System.nanoTime() < deadline);
            assertThat(parse(later[0])).containsEntry("minibatch_stream_pending{stream=\"late\"}", 2.0);
        }
    }

    private static String rawStatusLine(URI base, String host, String token) throws Exception {
        try (Socket socket = new Socket(base.getHost(), base.getPort())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("GET /metrics?token=" + token + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII)).readLine();
        }
    }
}
