package dev.minibatch.cli.status;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.minibatch.cli.table.TableEndpoints;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The status web app on the JDK's HTTP server: {@code GET /} the dashboard (plain HTML, CSS and
 * JavaScript shipped in this jar; no external scripts), {@code GET /status} and {@code GET /history}
 * the JSON documents of a {@link StatusSampler}, {@code GET /metrics} minibatch's meters in
 * Prometheus text format (when started with a {@link MetricsExporter}), {@code GET /tables},
 * {@code GET /tables/NAME} and {@code GET /tables/NAME/KEY} the store's tables (when started with
 * {@link TableEndpoints}; see there).
 *
 * <p>Security: binds to loopback unless told otherwise. On loopback it answers only requests whose
 * {@code Host} is a loopback name, so a web page elsewhere cannot read it through DNS rebinding.
 * With a token, {@code /status}, {@code /history}, {@code /metrics} and {@code /tables…} need {@code Authorization: Bearer TOKEN} or
 * {@code ?token=TOKEN}; the static page itself holds no data. The token is never logged.
 *
 * <p>Lifecycle: {@link #start} listens at once; {@link #close()} stops listening and frees its
 * threads (all daemon threads except the JDK server's dispatcher, which close ends).
 */
public final class StatusServer implements AutoCloseable {

    private static final Map<String, String> ASSETS = Map.of(
            "/", "dashboard.html",
            "/index.html", "dashboard.html",
            "/dashboard.js", "dashboard.js",
            "/dashboard.css", "dashboard.css");

    private final HttpServer server;
    private final ExecutorService executor;
    private final StatusSampler sampler;
    private final MetricsExporter metrics;
    private final TableEndpoints tables;
    private final byte[] token;
    private final boolean loopback;
    private final URI uri;

    private StatusServer(HttpServer server, ExecutorService executor, StatusSampler sampler, MetricsExporter metrics,
                         TableEndpoints tables, String token, boolean loopback, URI uri) {
        this.server = server;
        this.executor = executor;
        this.sampler = sampler;
        this.metrics = metrics;
        this.tables = tables;
        this.token = token == null || token.isEmpty() ? null : token.getBytes(StandardCharsets.UTF_8);
        this.loopback = loopback;
        this.uri = uri;
    }

    /**
     * Listens on {@code bind}:{@code port} (0 picks a free port).
     *
     * @param token required by the data endpoints, or null for none
     * @throws IOException if the address cannot be bound (in use, not local)
     */
    public static StatusServer start(StatusSampler sampler, String bind, int port, String token) throws IOException {
        return start(sampler, null, bind, port, token);
    }

    /**
     * Listens on {@code bind}:{@code port} and also serves {@code /metrics} from {@code metrics}
     * (null: no /metrics), under the same host and token rules as {@code /status}.
     */
    public static StatusServer start(StatusSampler sampler, MetricsExporter metrics, String bind, int port, String token)
            throws IOException {
        return start(sampler, metrics, null, bind, port, token);
    }

    /**
     * Listens on {@code bind}:{@code port} and also serves {@code /metrics} from {@code metrics} and
     * {@code /tables…} from {@code tables} (either null: not served), under the same host and token
     * rules as {@code /status}.
     */
    public static StatusServer start(StatusSampler sampler, MetricsExporter metrics, TableEndpoints tables, String bind,
                                     int port, String token) throws IOException {
        InetAddress address = InetAddress.getByName(bind);
        HttpServer http = HttpServer.create(new InetSocketAddress(address, port), 16);
        ExecutorService pool = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "minibatch-status-http");
            t.setDaemon(true);
            return t;
        });
        http.setExecutor(pool);
        String host = address.getHostAddress().contains(":") ? "[" + address.getHostAddress() + "]" : address.getHostAddress();
        if (address.isAnyLocalAddress()) {
            host = "127.0.0.1";
        }
        URI uri = URI.create("http://" + host + ":" + http.getAddress().getPort() + "/");
        StatusServer server = new StatusServer(http, pool, sampler, metrics, tables, token, address.isLoopbackAddress(), uri);
        http.createContext("/", server::handle);
        http.start();
        return server;
    }

    /** Where the dashboard is, e.g. {@code http://127.0.0.1:8765/}. */
    public URI uri() {
        return uri;
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            String path = exchange.getRequestURI().getPath();
            exchange.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
            exchange.getResponseHeaders().set("Cache-Control", "no-store");
            exchange.getResponseHeaders().set("Referrer-Policy", "no-referrer");
            if (loopback && !loopbackHost(exchange.getRequestHeaders().getFirst("Host"))) {
                send(exchange, 403, "application/json", error("this status server answers only to loopback host names"));
                return;
            }
            if (!method.equals("GET") && !method.equals("HEAD")) {
                exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                send(exchange, 405, "application/json", error("only GET and HEAD"));
                return;
            }
            if (path.equals("/metrics") && metrics != null) {
                if (!authorized(exchange)) {
                    send(exchange, 401, "application/json", error(
                            "token required: send 'Authorization: Bearer TOKEN' or add ?token=TOKEN"));
                    return;
                }
                send(exchange, 200, MetricsExporter.CONTENT_TYPE, metrics.scrape());
                return;
            }
            if (tables != null && TableEndpoints.handles(exchange.getRequestURI().getRawPath())) {
                if (!authorized(exchange)) {
                    send(exchange, 401, "application/json", error(
                            "token required: send 'Authorization: Bearer TOKEN' or add ?token=TOKEN"));
                    return;
                }
                TableEndpoints.Response response = tables.handle(exchange.getRequestURI().getRawPath(),
                        exchange.getRequestURI().getRawQuery());
                send(exchange, response.status(), "application/json", response.body());
                return;
            }
            if (path.equals("/status") || path.equals("/history")) {
                if (!authorized(exchange)) {
                    send(exchange, 401, "application/json", error(
                            "token required: send 'Authorization: Bearer TOKEN' or add ?token=TOKEN"));
                    return;
                }
                send(exchange, 200, "application/json", path.equals("/status") ? sampler.statusJson() : sampler.historyJson());
                return;
            }
            String asset = ASSETS.get(path);
            if (asset == null) {
                send(exchange, 404, "application/json", error("no such page: " + path + "; try /, /status or /tables"));
                return;
            }
            exchange.getResponseHeaders().set("Content-Security-Policy",
                    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'");
            send(exchange, 200, contentType(asset), resource(asset));
        }
    }

    private boolean authorized(HttpExchange exchange) {
        if (token == null) {
            return true;
        }
        String header = exchange.getRequestHeaders().getFirst("Authorization");
        if (header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)
                && MessageDigest.isEqual(token, header.substring(7).trim().getBytes(StandardCharsets.UTF_8))) {
            return true;
        }
        String query = exchange.getRequestURI().getRawQuery();
        if (query != null) {
            for (String pair : query.split("&")) {
                if (pair.startsWith("token=")) {
                    String given = URLDecoder.decode(pair.substring(6), StandardCharsets.UTF_8);
                    if (MessageDigest.isEqual(token, given.getBytes(StandardCharsets.UTF_8))) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    private static boolean loopbackHost(String hostHeader) {
        if (hostHeader == null) {
            return false;
        }
        String host = hostHeader.trim().toLowerCase(Locale.ROOT);
        if (host.startsWith("[")) {
            int end = host.indexOf(']');
            host = end > 0 ? host.substring(1, end) : host;
        } else if (host.indexOf(':') >= 0) {
            host = host.substring(0, host.indexOf(':'));
        }
        return host.equals("localhost") || host.equals("::1") || host.startsWith("127.");
    }

    private static byte[] error(String message) {
        return ("{\"error\":" + dev.minibatch.cli.JsonOutput.line(message) + "}").getBytes(StandardCharsets.UTF_8);
    }

    private static String contentType(String asset) {
        if (asset.endsWith(".html")) {
            return "text/html; charset=utf-8";
        }
        if (asset.endsWith(".js")) {
            return "text/javascript; charset=utf-8";
        }
        return "text/css; charset=utf-8";
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = StatusServer.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException("dashboard resource " + name + " is missing from the jar");
            }
            return in.readAllBytes();
        }
    }

    private static void send(HttpExchange exchange, int status, String type, byte[] body) throws IOException {
        if (type.startsWith("application/json")) {
            type = "application/json; charset=utf-8";
        }
        exchange.getResponseHeaders().set("Content-Type", type);
        boolean head = exchange.getRequestMethod().equals("HEAD");
        exchange.sendResponseHeaders(status, head ? -1 : body.length);
        if (!head) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
