package dev.minibatch.cli.table;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.minibatch.model.ConfigurationException;
import dev.minibatch.Minibatch;
import dev.minibatch.cli.JsonOutput;
import dev.minibatch.table.Table;
import dev.minibatch.model.TableEntry;
import dev.minibatch.model.TableInfo;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The table endpoints of {@code minibatch serve}, answered straight from the store (not from the
 * sampler's cache, so a query sees the newest committed state):
 * <ul>
 *   <li>{@code GET /tables}: {@code {"tables":[{"name","size","updates","lastUpdate"}…]}};</li>
 *   <li>{@code GET /tables/NAME?after=KEY&limit=N}: a page of entries in key order,
 *       {@code {"table","size","entries":[{"key","value","version","updated"}…],"next"}}; {@code next}
 *       is the {@code after} of the following page, null on the last one; {@code limit} is 1 to
 *       {@link Table#MAX_PAGE}, default {@link #DEFAULT_LIMIT};</li>
 *   <li>{@code GET /tables/NAME/KEY}: that entry, {@code {"key","value","version","updated"}}.</li>
 * </ul>
 * Path segments are percent-decoded ({@code +} stays a plus); everything after {@code NAME/} is
 * the key, so a key may contain {@code /} as it is or as {@code %2F}. Errors are
 * {@code {"error":"…"}}: 404 for a table or key that does not exist (or a store without tables),
 * 400 for a bad name, key or {@code limit}. The host and token rules are the caller's
 * ({@code StatusServer}). Thread-safe; holds nothing but the client.
 */
public final class TableEndpoints {

    /** Entries read from the store per step of a page. */
    static final int PAGE_CHUNK = 100;
    /** A page stops adding entries once their values reach this many characters of JSON (about 4 MiB). */
    static final long PAGE_BYTES = 4L << 20;

    /** Entries per page when the request names no {@code limit}. */
    public static final int DEFAULT_LIMIT = 100;

    /** A status code and a UTF-8 JSON body. */
    public record Response(int status, byte[] body) {
    }

    private final Minibatch mb;

    public TableEndpoints(Minibatch mb) {
        this.mb = Objects.requireNonNull(mb, "mb");
    }

    /** Whether {@code rawPath} is one of these endpoints. */
    public static boolean handles(String rawPath) {
        return rawPath.equals("/tables") || rawPath.startsWith("/tables/");
    }

    /**
     * Answers one request.
     *
     * @param rawPath  the request path, still percent-encoded, starting with {@code /tables}
     * @param rawQuery the query string, still encoded, or null
     */
    public Response handle(String rawPath, String rawQuery) {
        try {
            String rest = rawPath.length() <= "/tables/".length() ? "" : rawPath.substring("/tables/".length());
            if (rest.isEmpty()) {
                return list();
            }
            int slash = rest.indexOf('/');
            String name = decodePath(slash < 0 ? rest : rest.substring(0, slash));
            if (slash < 0) {
                return entries(name, rawQuery);
            }
            return entry(name, decodePath(rest.substring(slash + 1)));
        } catch (ConfigurationException e) {
            return error(404, e.getMessage());
        } catch (IllegalArgumentException e) {
            return error(400, e.getMessage());
        } catch (RuntimeException e) {
            return error(500, "reading the table failed: " + e.getMessage());
        }
    }

    private Response list() {
        ObjectNode body = JsonOutput.mapper().createObjectNode();
        ArrayNode tables = body.putArray("tables");
        for (TableInfo info : mb.tables()) {
            tables.add(TableJson.info(info));
        }
        return ok(body);
    }

    private Response entries(String name, String rawQuery) {
        String after = null;
        int limit = DEFAULT_LIMIT;
        if (rawQuery != null) {
            for (String pair : rawQuery.split("&")) {
                int eq = pair.indexOf('=');
                String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                if (key.equals("after")) {
                    after = value.isEmpty() ? null : value;
                } else if (key.equals("limit")) {
                    limit = parseLimit(value);
                }
            }
        }
        Table table = mb.table(name);
        Optional<TableInfo> info = mb.tableStore().tableInfo(table.name());
        if (info.isEmpty()) {
            return error(404, TableJson.unknownTable(mb, name));
        }
        ObjectNode body = JsonOutput.mapper().createObjectNode();
        body.put("table", name);
        body.put("size", info.get().size());
        ArrayNode entries = body.putArray("entries");
        // Read in chunks and stop at a byte budget: values may be up to maxStateBytes each, so `limit`
        // entries read at once could be gigabytes. A page cut short says where to go on in `next`.
        String last = after;
        long bytes = 0;
        boolean more = false;
        while (entries.size() < limit) {
            List<TableEntry> chunk = table.entries(last, Math.min(PAGE_CHUNK, limit - entries.size()));
            for (TableEntry e : chunk) {
                entries.add(TableJson.entry(e, true));
                last = e.key();
                bytes += e.value().toString().length();
                if (bytes >= PAGE_BYTES && entries.size() < limit) {
                    more = true;
                    break;
                }
            }
            if (more || chunk.isEmpty() || entries.size() >= limit) {
                break;
            }
        }
        if (!more && entries.size() >= limit && last != null) {
            more = !table.entries(last, 1).isEmpty();
        }
        body.put("next", more && !entries.isEmpty() ? last : null);
        return ok(body);
    }

    private Response entry(String name, String key) {
        Table table = mb.table(name);
        Optional<TableInfo> info = mb.tableStore().tableInfo(table.name());
        if (info.isEmpty()) {
            return error(404, TableJson.unknownTable(mb, name));
        }
        if (key.isEmpty()) {
            return error(400, "table '" + name + "': the key after /tables/" + name + "/ is empty");
        }
        return table.entry(key).map(e -> ok(TableJson.entry(e, true)))
                .orElseGet(() -> error(404, TableJson.missingKey(name, key, info.get().size())));
    }

    private static int parseLimit(String value) {
        int limit;
        try {
            limit = Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("limit must be a whole number from 1 to " + Table.MAX_PAGE + ", was '" + value + "'");
        }
        if (limit < 1 || limit > Table.MAX_PAGE) {
            throw new IllegalArgumentException("limit must be 1 to " + Table.MAX_PAGE + ", was " + limit);
        }
        return limit;
    }

    /** Percent-decodes a path segment; unlike a query string, {@code +} is a plus there. */
    private static String decodePath(String raw) {
        try {
            return URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("bad percent-encoding in the path segment '" + raw + "'", e);
        }
    }

    private static Response ok(ObjectNode body) {
        return new Response(200, JsonOutput.line(body).getBytes(StandardCharsets.UTF_8));
    }

    private static Response error(int status, String message) {
        return new Response(status, ("{\"error\":" + JsonOutput.line(message) + "}").getBytes(StandardCharsets.UTF_8));
    }
}
