package dev.minibatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.minibatch.Minibatch;
import dev.minibatch.cli.CliProcess.Result;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code minibatch table} and {@code minibatch tables} as a child process, on a SQLite file whose
 * tables a keyed reduce consumer and an explicit-updates consumer filled in this JVM.
 */
class TableCliTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    static final List<String> WORDS = List.of("apple", "banana", "apple", "cherry", "banana", "apple");

    @TempDir
    Path dir;

    private String url;

    @BeforeEach
    void store() {
        url = "sqlite:" + dir.resolve("store.db");
    }

    private Result mb(String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of(args));
        all.add("--url");
        all.add(url);
        return CliProcess.run(dir, null, all.toArray(String[]::new));
    }

    private static List<JsonNode> lines(Result r) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (String line : r.lines()) {
            out.add(JSON.readTree(line));
        }
        return out;
    }

    private void fillCountsAndUsers() throws Exception {
        try (Minibatch mb = Minibatch.connect(url)) {
            assertThat(TableFixtures.countWords(mb, WORDS)).isEqualTo(Map.of("apple", 3L, "banana", 2L, "cherry", 1L));
            assertThat(mb.table("counts").get("apple")).hasValueSatisfying(v -> assertThat(v.asLong()).isEqualTo(3));
            Map<String, Object> users = new LinkedHashMap<>();
            users.put("u1", Map.of("name", "Ada", "tags", List.of("x", "y")));
            users.put("a b/ç", Map.of("name", "odd key"));
            TableFixtures.put(mb, "users", users);
        }
    }

    @Test
    void tablesListsNamesWithSizesAsTextAndJson() throws Exception {
        Result empty = mb("tables");
        assertThat(empty.exitCode()).as(empty.toString()).isZero();
        assertThat(empty.stdout()).isEmpty();
        assertThat(empty.stderr()).contains("no tables in sqlite:").contains("reduce");

        fillCountsAndUsers();
        Result text = mb("tables");
        assertThat(text.exitCode()).as(text.toString()).isZero();
        List<String> rows = text.lines();
        assertThat(rows).hasSize(3);
        assertThat(rows.get(0)).matches("TABLE\\s+SIZE\\s+UPDATES\\s+LAST UPDATE");
        assertThat(rows.get(1)).matches("counts\\s+3\\s+\\d+\\s+\\d{4}-.*ago\\)");
        assertThat(rows.get(2)).matches("users\\s+2\\s+2\\s+\\d{4}-.*ago\\)");

        Result json = mb("tables", "--json");
        assertThat(json.exitCode()).as(json.toString()).isZero();
        List<JsonNode> tables = lines(json);
        assertThat(tables).extracting(t -> t.path("name").asText()).containsExactly("counts", "users");
        assertThat(tables.get(0).path("size").asLong()).isEqualTo(3);
        assertThat(tables.get(0).path("updates").asLong()).isBetween(3L, 6L);
        assertThat(tables.get(0).path("lastUpdate").asText()).matches("\\d{4}-\\d\\d-\\d\\dT.*Z");
        assertThat(tables.get(1).path("size").asLong()).isEqualTo(2);
    }

    @Test
    void aKeyPrintsItsJsonValue() throws Exception {
        fillCountsAndUsers();
        Result apple = mb("table", "counts", "apple");
        assertThat(apple.exitCode()).as(apple.toString()).isZero();
        assertThat(apple.stdout()).isEqualTo("3\n");

        Result ada = mb("table", "users", "u1");
        assertThat(ada.exitCode()).as(ada.toString()).isZero();
        assertThat(JSON.readTree(ada.stdout())).isEqualTo(JSON.readTree("{\"name\":\"Ada\",\"tags\":[\"x\",\"y\"]}"));

        Result odd = mb("table", "users", "a b/ç");
        assertThat(odd.exitCode()).as(odd.toString()).isZero();
        assertThat(JSON.readTree(odd.stdout()).path("name").asText()).isEqualTo("odd key");

        Result full = mb("table", "counts", "banana", "--full");
        assertThat(full.exitCode()).as(full.toString()).isZero();
        JsonNode entry = JSON.readTree(full.stdout());
        assertThat(entry.path("key").asText()).isEqualTo("banana");
        assertThat(entry.path("value").asLong()).isEqualTo(2);
        assertThat(entry.path("version").asLong()).isBetween(1L, 2L);
        assertThat(entry.path("updated").asText()).endsWith("Z");
    }

    @Test
    void aMissingKeyOrTableIsAClearError() throws Exception {
        fillCountsAndUsers();
        Result noKey = mb("table", "counts", "zebra");
        assertThat(noKey.exitCode()).as(noKey.toString()).isEqualTo(1);
        assertThat(noKey.stdout()).isEmpty();
        assertThat(noKey.stderr()).contains("table 'counts' has no key \"zebra\" (3 keys)")
                .contains("'minibatch table counts' lists them").doesNotContain("Exception");

        Result noTable = mb("table", "nope");
        assertThat(noTable.exitCode()).as(noTable.toString()).isEqualTo(2);
        assertThat(noTable.stderr()).contains("unknown table 'nope' in " + url).contains("known tables: counts, users");
        Result noTableKey = mb("table", "nope", "apple");
        assertThat(noTableKey.exitCode()).as(noTableKey.toString()).isEqualTo(2);
        assertThat(noTableKey.stderr()).contains("unknown table 'nope'");

        Result badName = mb("table", "a$b");
        assertThat(badName.exitCode()).as(badName.toString()).isEqualTo(2);
        assertThat(badName.stderr()).contains("table name").contains("$");
        Result badPage = mb("table", "counts", "--page", "0");
        assertThat(badPage.exitCode()).as(badPage.toString()).isEqualTo(2);
        assertThat(badPage.stderr()).contains("--page must be 1 to 10000, was 0");
        Result badLimit = mb("table", "counts", "--limit", "-1");
        assertThat(badLimit.exitCode()).as(badLimit.toString()).isEqualTo(2);
        assertThat(badLimit.stderr()).contains("--limit must be 0 (all) or more");
        Result keyAndLimit = mb("table", "counts", "apple", "--limit", "3");
        assertThat(keyAndLimit.exitCode()).as(keyAndLimit.toString()).isEqualTo(2);
        assertThat(keyAndLimit.stderr()).contains("apply to the listing");
    }

    @Test
    void allEntriesStreamAsNdjsonPageByPageInKeyOrder() throws Exception {
        Map<String, Object> big = new TreeMap<>();
        for (int i = 0; i < 2_500; i++) {
            big.put(String.format("k%04d", i), Map.of("n", i));
        }
        try (Minibatch mb = Minibatch.connect(url)) {
            TableFixtures.put(mb, "big", big);
            assertThat(mb.table("big").size()).isEqualTo(2_500);
        }
        // pages of 7 do not divide 2,500: the last page is short
        Result all = mb("table", "big", "--page", "7");
        assertThat(all.exitCode()).as(all.toString()).isZero();
        List<JsonNode> entries = lines(all);
        assertThat(entries).hasSize(2_500);
        for (int i = 0; i < entries.size(); i++) {
            JsonNode e = entries.get(i);
            assertThat(e.path("key").asText()).isEqualTo(String.format("k%04d", i));
            assertThat(e.path("value").path("n").asInt()).isEqualTo(i);
            assertThat(e.size()).as("key and value only, without --full").isEqualTo(2);
        }
        assertThat(all.stderr()).isEmpty();

        Result some = mb("table", "big", "--after", "k0100", "--limit", "10", "--page", "4");
        assertThat(some.exitCode()).as(some.toString()).isZero();
        assertThat(lines(some)).extracting(e -> e.path("key").asText())
                .containsExactly("k0101", "k0102", "k0103", "k0104", "k0105", "k0106", "k0107", "k0108", "k0109", "k0110");
        assertThat(some.stderr()).contains("showing 10 of 2,500 entries; --after \"k0110\" continues");

        Result tail = mb("table", "big", "--after", "k2497", "--values");
        assertThat(tail.exitCode()).as(tail.toString()).isZero();
        assertThat(tail.lines()).containsExactly("{\"n\":2498}", "{\"n\":2499}");

        Result end = mb("table", "big", "--after", "k2499");
        assertThat(end.exitCode()).as(end.toString()).isZero();
        assertThat(end.stdout()).isEmpty();

        // '| head -3': the reader goes away after three lines; the command stops and exits 0
        Process head = CliProcess.startPiped(dir, "table", "big", "--page", "10", "--url", url);
        try {
            java.io.BufferedReader reader = new java.io.BufferedReader(
                    new java.io.InputStreamReader(head.getInputStream(), java.nio.charset.StandardCharsets.UTF_8));
            List<String> firstThree = List.of(reader.readLine(), reader.readLine(), reader.readLine());
            assertThat(firstThree).extracting(l -> JSON.readTree(l).path("key").asText()).containsExactly("k0000", "k0001", "k0002");
            head.getInputStream().close();
            assertThat(head.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)).as("exits once it cannot write").isTrue();
            assertThat(head.exitValue()).isZero();
        } finally {
            head.destroyForcibly();
        }
    }
}
