package dev.minibatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code minibatch serve} over real HTTP: the token, the host check, the pages and the counts. */
class ServeHttpTest {

    private static final Pattern ADDRESS = Pattern.compile("at (http://127\\.0\\.0\\.1:\\d+/)");

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    static URI awaitAddress(CliProcess serve) throws InterruptedException {
        serve.awaitCondition("the serve address on stdout", Duration.ofSeconds(30), () -> ADDRESS.matcher(serve.stdout()).find());
        Matcher m = ADDRESS.matcher(serve.stdout());
        assertThat(m.find()).isTrue();
        return URI.create(m.group(1));
    }

    private HttpResponse<String> get(URI uri, Map<String, String> headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).GET();
        headers.forEach(b::header);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void statusNeedsTheTokenAndReportsTheStoreCounts() throws Exception {
        String url = "sqlite:" + dir.resolve("store.db");
        try (Minibatch mb = Minibatch.connect(url)) {
            mb.stream("orders").appendAll(List.of(Map.of("i", 1), Map.of("i", 2), Map.of("i", 3)));
        }
        try (CliProcess serve = CliProcess.start(dir, Map.of("MINIBATCH_TOKEN", "s3cret"), null,
                "serve", "--url", url, "--port", "0", "--sample", "200ms")) {
            URI base = awaitAddress(serve);
            assertThat(serve.stdout()).contains("token required").doesNotContain("s3cret");

            HttpResponse<String> anonymous = get(base.resolve("status"), Map.of());
            assertThat(anonymous.statusCode()).isEqualTo(401);
            assertThat(anonymous.body()).contains("token required");
            assertThat(get(base.resolve("status"), Map.of("Authorization", "Bearer wrong")).statusCode()).isEqualTo(401);
            assertThat(get(base.resolve("history"), Map.of()).statusCode()).isEqualTo(401);

            HttpResponse<String> viaQuery = get(base.resolve("status?token=s3cret"), Map.of());
            assertThat(viaQuery.statusCode()).isEqualTo(200);
            assertThat(viaQuery.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));

            JsonNode status = new ObjectMapper().readTree(get(base.resolve("status"), Map.of("Authorization", "Bearer s3cret")).body());
            assertThat(status.path("store").asText()).isEqualTo(url);
            JsonNode orders = null;
            for (JsonNode s : status.path("streams")) {
                if (s.path("name").asText().equals("orders")) {
                    orders = s;
                }
            }
            assertThat(orders).as(status.toString()).isNotNull();
            assertThat(orders.path("pending").asLong()).isEqualTo(3);
            assertThat(orders.path("claimed").asLong()).isZero();
            assertThat(orders.path("dead").asLong()).isZero();

            // the page itself holds no data and needs no token; it ships its own script
            HttpResponse<String> page = get(base, Map.of());
            assertThat(page.statusCode()).isEqualTo(200);
            assertThat(page.body()).contains("<title>minibatch status</title>").contains("dashboard.js")
                    .doesNotContain("http://").doesNotContain("https://");
            HttpResponse<String> script = get(base.resolve("dashboard.js"), Map.of());
            assertThat(script.statusCode()).isEqualTo(200);
            assertThat(script.headers().firstValue("Content-Security-Policy")).hasValueSatisfying(
                    csp -> assertThat(csp).contains("script-src 'self'"));
            assertThat(get(base.resolve("nope"), Map.of()).statusCode()).isEqualTo(404);
            HttpResponse<String> post = http.send(HttpRequest.newBuilder(base.resolve("status"))
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(post.statusCode()).isEqualTo(405);

            // DNS rebinding: a foreign Host header is refused on a loopback bind
            assertThat(rawStatusLine(base, "evil.example")).contains("403");
            assertThat(rawStatusLine(base, "localhost:" + base.getPort())).contains("200");
        }
    }

    @Test
    void busyPortIsARuntimeFailureThatNamesThePort() throws Exception {
        String url = "sqlite:" + dir.resolve("store.db");
        try (CliProcess first = CliProcess.start(dir, Map.of(), null, "serve", "--url", url, "--port", "0")) {
            URI base = awaitAddress(first);
            CliProcess.Result second = CliProcess.run(dir, null, "serve", "--url", url, "--port", String.valueOf(base.getPort()));
            assertThat(second.exitCode()).as(second.toString()).isEqualTo(1);
            assertThat(second.stderr()).contains("cannot listen on 127.0.0.1:" + base.getPort())
                    .contains("choose another --port");
        }
    }

    private static String rawStatusLine(URI base, String host) throws Exception {
        try (Socket socket = new Socket(base.getHost(), base.getPort())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("GET / HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII)).readLine();
        }
    }
}
