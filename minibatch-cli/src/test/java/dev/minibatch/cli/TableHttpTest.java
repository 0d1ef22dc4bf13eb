package dev.minibatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.minibatch.Minibatch;
import dev.minibatch.cli.status.StatusSampler;
import dev.minibatch.cli.status.StatusServer;
import dev.minibatch.cli.table.TableEndpoints;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code GET /tables…} over real HTTP: {@code minibatch serve} as a child process on a SQLite file
 * filled through the public API, with a token; and the endpoints in-process on a memory store,
 * where a query sees an update at once.
 */
class TableHttpTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, String> TOKEN = Map.of("Authorization", "Bearer s3cret");

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private HttpResponse<String> get(URI base, String path, Map<String, String> headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base.toString() + path)).timeout(Duration.ofSeconds(10)).GET();
        headers.forEach(b::header);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode ok(URI base, String path) throws Exception {
        HttpResponse<String> r = get(base, path, TOKEN);
        assertThat(r.statusCode()).as(path + " → " + r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json; charset=utf-8");
        return JSON.readTree(r.body());
    }

    private String error(URI base, String path, int status) throws Exception {
        HttpResponse<String> r = get(base, path, TOKEN);
        assertThat(r.statusCode()).as(path + " → " + r.body()).isEqualTo(status);
        JsonNode body = JSON.readTree(r.body());
        assertThat(body.path("error").isTextual()).as(r.body()).isTrue();
        return body.path("error").asText();
    }

    @Test
    void tablesEntriesAndKeysOverHttpWithTheTokenAndHostRules() throws Exception {
        String url = "sqlite:" + dir.resolve("store.db");
        try (Minibatch mb = Minibatch.connect(url)) {
            TableFixtures.countWords(mb, TableCliTest.WORDS);
            Map<String, Object> users = new LinkedHashMap<>();
            users.put("u1", Map.of("name", "Ada"));
            users.put("a b/ç", Map.of("name", "odd key"));
            users.put("c++", Map.of("name", "plus"));
            TableFixtures.put(mb, "users", users);
        }
        try (CliProcess serve = CliProcess.start(dir, Map.of("MINIBATCH_TOKEN", "s3cret"), null,
                "serve", "--url", url, "--port", "0", "--sample", "200ms")) {
            URI base = ServeHttpTest.awaitAddress(serve);

            // the token and host rules of /status
            for (String path : List.of("tables", "tables/counts", "tables/counts/apple")) {
                HttpResponse<String> anonymous = get(base, path, Map.of());
                assertThat(anonymous.statusCode()).as(path).isEqualTo(401);
                assertThat(JSON.readTree(anonymous.body()).path("error").asText()).contains("token required");
                assertThat(get(base, path, Map.of("Authorization", "Bearer wrong")).statusCode()).as(path).isEqualTo(401);
            }
            assertThat(rawStatusLine(base, "/tables/counts/apple", "evil.example")).contains("403");
            assertThat(rawStatusLine(base, "/tables/counts/apple?token=s3cret", "localhost:" + base.getPort())).contains("200");

            JsonNode list = ok(base, "tables");
            assertThat(list.path("tables")).extracting(t -> t.path("name").asText()).containsExactly("counts", "users");
            assertThat(list.path("tables").get(0).path("size").asLong()).isEqualTo(3);
            assertThat(list.path("tables").get(1).path("size").asLong()).isEqualTo(3);
            assertThat(list.path("tables").get(0).path("updates").asLong()).isGreaterThanOrEqualTo(3);

            JsonNode first = ok(base, "tables/counts?limit=2");
            assertThat(first.path("table").asText()).isEqualTo("counts");
            assertThat(first.path("size").asLong()).isEqualTo(3);
            assertThat(first.path("entries")).extracting(e -> e.path("key").asText() + "=" + e.path("value").asLong())
                    .containsExactly("apple=3", "banana=2");
            assertThat(first.path("entries").get(0).path("version").asLong()).isPositive();
            assertThat(first.path("entries").get(0).path("updated").asText()).endsWith("Z");
            assertThat(first.path("next").asText()).isEqualTo("banana");
            JsonNode second = ok(base, "tables/counts?limit=2&after=banana");
            assertThat(second.path("entries")).extracting(e -> e.path("key").asText()).containsExactly("cherry");
            assertThat(second.path("next").isNull()).isTrue();
            assertThat(ok(base, "tables/counts").path("entries")).hasSize(3);
            assertThat(ok(base, "tables/counts?limit=3").path("next").isNull()).as("an exactly full last page has no next").isTrue();

            // paging with next from the start visits every key once, in order
            List<String> keys = new ArrayList<>();
            String next = "";
            do {
                JsonNode page = ok(base, "tables/users?limit=1&after=" + java.net.URLEncoder.encode(next, StandardCharsets.UTF_8));
                page.path("entries").forEach(e -> keys.add(e.path("key").asText()));
                next = page.path("next").isNull() ? null : page.path("next").asText();
            } while (next != null);
            assertThat(keys).containsExactly("a b/ç", "c++", "u1");

            JsonNode apple = ok(base, "tables/counts/apple");
            assertThat(apple.path("key").asText()).isEqualTo("apple");
            assertThat(apple.path("value").asLong()).isEqualTo(3);
            // keys are percent-decoded; '/' may stay raw or be %2F, '+' is a plus
            assertThat(ok(base, "tables/users/a%20b%2F%C3%A7").path("value").path("name").asText()).isEqualTo("odd key");
            assertThat(ok(base, "tables/users/a%20b/%C3%A7").path("key").asText()).isEqualTo("a b/ç");
            assertThat(ok(base, "tables/users/c++").path("value").path("name").asText()).isEqualTo("plus");
            assertThat(ok(base, "tables/users/u1?token=s3cret").path("value").path("name").asText()).isEqualTo("Ada");

            assertThat(error(base, "tables/counts/zebra", 404)).isEqualTo("table 'counts' has no key \"zebra\" (3 keys)");
            assertThat(error(base, "tables/nope", 404)).contains("unknown table 'nope' in " + url).contains("known tables: counts, users");
            assertThat(error(base, "tables/nope/apple", 404)).contains("unknown table 'nope'");
            assertThat(error(base, "tables/counts?limit=0", 400)).isEqualTo("limit must be 1 to 10000, was 0");
            assertThat(error(base, "tables/counts?limit=10001", 400)).isEqualTo("limit must be 1 to 10000, was 10001");
            assertThat(error(base, "tables/counts?limit=ten", 400)).contains("limit must be a whole number").contains("'ten'");
            assertThat(error(base, "tables/a$b", 400)).contains("table name").contains("$");
            // java.net.URI refuses to send a bad escape; sent raw, the JDK's server refuses it before any handler
            assertThat(rawResponse(base, "/tables/counts/%ZZ", "127.0.0.1")).startsWith("HTTP/1.1 400");
            assertThat(error(base, "tables/counts/", 400)).contains("the key after /tables/counts/ is empty");
        }
    }

    @Test
    void inProcessEndpointsOnAMemoryStoreSeeAnUpdateAtOnce() throws Exception {
        try (Minibatch mb = Minibatch.connect("memory:");
             StatusSampler sampler = new StatusSampler(mb, Duration.ofSeconds(1), 10, Clock.systemUTC());
             StatusServer server = StatusServer.start(sampler, null, new TableEndpoints(mb), "127.0.0.1", 0, null)) {
            URI base = server.uri();
            assertThat(ok(base, "tables").path("tables")).isEmpty();
            assertThat(error(base, "tables/counts", 404)).contains("known tables: (none;");
            TableFixtures.countWords(mb, List.of("fig", "fig"));
            assertThat(ok(base, "tables/counts/fig").path("value").asLong()).isEqualTo(2);
            TableFixtures.countWords(mb, List.of("fig"));
            assertThat(ok(base, "tables/counts/fig").path("value").asLong()).as("read from the store, not a cached sample").isEqualTo(3);
        }
    }

    @Test
    void aPageOfLargeValuesStopsAtItsByteBudgetAndSaysWhereToGoOn() throws Exception {
        try (Minibatch mb = Minibatch.connect("memory:");
             StatusSampler sampler = new StatusSampler(mb, Duration.ofSeconds(1), 10, Clock.systemUTC());
             StatusServer server = StatusServer.start(sampler, null, new TableEndpoints(mb), "127.0.0.1", 0, null)) {
            Map<String, String> big = new java.util.TreeMap<>();
            for (int i = 0; i < 12; i++) {
                big.put(String.format("k%02d", i), String.valueOf((char) ('a' + i)).repeat(600_000)); // 12 x 600 kB > the 4 MiB budget
            }
            TableFixtures.put(mb, "big", big);
            URI base = server.uri();
            List<String> keys = new ArrayList<>();
            String after = null;
            int pages = 0;
            do {
                JsonNode page = ok(base, "tables/big?limit=100" + (after == null ? "" : "&after=" + after));
                assertThat(page.path("entries").size()).as("a page holds at most about 4 MiB of values").isLessThanOrEqualTo(7);
                page.path("entries").forEach(e -> keys.add(e.path("key").asText()));
                after = page.path("next").isNull() ? null : page.path("next").asText();
                pages++;
            } while (after != null && pages < 10);
            assertThat(keys).as("every key once, in order, over several pages").containsExactlyElementsOf(big.keySet());
            assertThat(pages).isGreaterThan(1);
        }
    }

    private static String rawStatusLine(URI base, String path, String host) throws Exception {
        return rawResponse(base, path, host).lines().findFirst().orElse("");
    }

    private static String rawResponse(URI base, String path, String host) throws Exception {
        try (Socket socket = new Socket(base.getHost(), base.getPort())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nAuthorization: Bearer s3cret\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
