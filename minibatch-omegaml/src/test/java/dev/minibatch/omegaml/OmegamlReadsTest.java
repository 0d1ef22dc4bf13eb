package dev.minibatch.omegaml;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.minibatch.model.Message;
import dev.minibatch.Stream;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The real omega|ml 0.18 writes, Java reads: {@link DatasetSource} gives the rows of
 * {@code om.datasets.get} (index levels as fields, values, row order), for every dataset kind and
 * index; streams go both ways between {@code om.streams} and {@link OmegaStreams}; and a Java
 * source follows a dataset omega|ml keeps appending to.
 */
class OmegamlReadsTest extends OmegamlPeerTestBase {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    Omega omega;

    @BeforeEach
    void connect() {
        omega = Omega.connect(url); // after the base class's fresh url
    }

    @org.junit.jupiter.api.AfterEach
    void close() {
        omega.close();
    }

    private JsonNode py(String code) {
        return python.run(url, code);
    }

    private List<JsonNode> read(String dataset) throws Exception {
        Stream stream = omega.minibatch().stream("read-" + dataset);
        new DatasetSource(omega, dataset).stream(stream);
        return stream.buffer().stream().map(Message::data).toList();
    }

    /** The rows {@code om.datasets.get(name)} holds, as DatasetSource should give them. */
    private List<JsonNode> expected(String dataset) {
        JsonNode frame = py("reply(frame(om.datasets.get('" + dataset + "')))");
        return expectedRows(frame);
    }

    static List<JsonNode> expectedRows(JsonNode frame) {
        JsonNode index = frame.get("index");
        int levels = index.get("names").size();
        List<JsonNode> rows = new ArrayList<>();
        for (int i = 0; i < index.get("values").size(); i++) {
            ObjectNode row = NODES.objectNode();
            for (int level = 0; level < levels; level++) {
                JsonNode name = index.get("names").get(level);
                String dtype = index.get("dtypes").get(level).asText();
                JsonNode value = levels == 1 ? index.get("values").get(i) : index.get("values").get(i).get(level);
                if (!name.isNull()) {
                    row.set(name.asText(), value);
                } else if (levels > 1) {
                    row.set("level_" + level, value);
                } else if (!dtype.startsWith("int")) {
                    row.set("index", value);
                }
            }
            if (frame.get("type").asText().equals("Series")) {
                row.set(frame.get("name").asText(), frame.get("values").get(i));
            } else {
                for (int c = 0; c < frame.get("columns").size(); c++) {
                    row.set(frame.get("columns").get(c).asText(), frame.get("rows").get(i).get(c));
                }
            }
            rows.add(normal(row));
        }
        return rows;
    }

    /** Numbers by value, ISO date-times as UTC instants (Python prints them naive or with +00:00, Java with Z). */
    static JsonNode normal(JsonNode node) {
        if (node.isObject()) {
            ObjectNode out = NODES.objectNode();
            node.fields().forEachRemaining(e -> out.set(e.getKey(), normal(e.getValue())));
            return out;
        }
        if (node.isArray()) {
            ArrayNode out = NODES.arrayNode();
            node.forEach(v -> out.add(normal(v)));
            return out;
        }
        if (node.isIntegralNumber()) {
            return NODES.numberNode(node.longValue());
        }
        if (node.isNumber()) {
            return NODES.numberNode(node.doubleValue());
        }
        if (node.isTextual() && node.asText().length() >= 19 && node.asText().charAt(10) == 'T') {
            String text = node.asText();
            try {
                return NODES.textNode(OffsetDateTime.parse(text).toInstant().toString());
            } catch (DateTimeParseException notOffset) {
                try {
                    return NODES.textNode(LocalDateTime.parse(text).toInstant(ZoneOffset.UTC).toString());
                } catch (DateTimeParseException notDate) {
                    return node;
                }
            }
        }
        return node;
    }

    private void assertSourceEqualsOmegaml(String dataset) throws Exception {
        List<JsonNode> expected = expected(dataset);
        assertThat(read(dataset).stream().map(OmegamlReadsTest::normal).toList()).as(dataset).isEqualTo(expected);
    }

    @Test
    void framesWithEveryKindOfIndex() throws Exception {
        py("""
                om.datasets.put(pd.DataFrame({'a': [1, 2], 'b.c': [0.5, None],
                                              'when': pd.to_datetime(['2025-01-01 10:00', '2025-01-02 10:00'])}), 'plain')
                om.datasets.put(pd.DataFrame({'a': [3], 'b.c': [1.5], 'when': pd.to_datetime(['2025-01-03 10:00']),
                                              'extra': ['x']}), 'plain')
                om.datasets.put(pd.DataFrame({'v': [1.0, 2.0]}, index=pd.Index(['k1', 'k2'], name='key')), 'keyed')
                om.datasets.put(pd.DataFrame({'v': [1.0, 2.0]}, index=pd.date_range('2025-01-01', periods=2)), 'daily')
                om.datasets.put(pd.DataFrame({'v': [1.0, 2.0]},
                                             index=pd.date_range('2025-01-01', periods=2, tz='UTC', name='ts')), 'aware')
                om.datasets.put(pd.DataFrame({'v': [1.0, 2.0]},
                                             index=pd.MultiIndex.from_tuples([('a', 1), ('b', 2)], names=['x', 'y'])), 'multi')
                om.datasets.put(pd.DataFrame({'v': [1.0, 2.0]},
                                             index=pd.MultiIndex.from_tuples([('a', 1), ('b', 2)])), 'multi-unnamed')
                om.datasets.put(pd.Series([1, 2], name='s'), 'ser')""");
        for (String dataset : List.of("plain", "keyed", "daily", "aware", "multi", "multi-unnamed", "ser")) {
            assertSourceEqualsOmegaml(dataset);
        }
        assertThat(read("daily").get(0).get("index").asText()).as("an unnamed DatetimeIndex keeps its timestamps")
                .isEqualTo("2025-01-01T00:00:00Z");
    }

    @Test
    void rawdictAndPythonData() throws Exception {
        py("""
                om.datasets.put([{'id': 'a1', 't': 21.5}, {'id': 'a2', 't': 22.0}], 'raw', as_raw=True)
                om.datasets.put({'foo': 'bar'}, 'blob')
                om.datasets.put([1, 2, 3], 'blob')""");
        assertSourceEqualsOmegaml("raw");
        JsonNode blob = py("reply(om.datasets.get('blob'))");
        assertThat(read("blob")).containsExactlyElementsOf(blob);
    }

    @Test
    void streamsBothWays() throws Exception {
        py("""
                om.streams.put({'x': 1}, 'from-python')
                om.streams.put({'x': 2}, 'from-python')""");
        assertThat(omega.streams().get("from-python").buffer()).extracting(m -> m.data().toString())
                .containsExactly("{\"x\":1}", "{\"x\":2}");
        omega.streams().put(Map.of("y", 1), "from-java");
        omega.streams().put(Map.of("y", 2), "from-java");
        assertThat(py("reply([m.data for m in om.streams.get('from-java').buffer()])").toString())
                .isEqualTo("[{\"y\":1},{\"y\":2}]");
        assertThat(py("reply(om.streams.metadata('from-java').kind_meta['stream']['name'])").asText())
                .isEqualTo("omegaml.streams/.from-java.stream");
    }

    @Test
    void javaFollowsADatasetOmegamlAppendsTo() throws Exception {
        py("om.datasets.put(pd.DataFrame({'i': [0, 1]}, index=pd.Index(['r0', 'r1'], name='key')), 'live')");
        Stream stream = omega.minibatch().stream("live-rows");
        var attachment = stream.attach(new DatasetSource(omega, "live").follow(true).pollInterval(Duration.ofMillis(50)));
        try {
            for (int batch = 1; batch <= 3; batch++) {
                py("om.datasets.put(pd.DataFrame({'i': [%d, %d]}, index=pd.Index(['r%d', 'r%d'], name='key')), 'live')"
                        .formatted(2 * batch, 2 * batch + 1, 2 * batch, 2 * batch + 1));
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (stream.buffer().size() < 2 * batch + 2 && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                assertThat(stream.buffer()).as("rows followed after batch %d at %s", batch, Instant.now())
                        .hasSize(2 * batch + 2);
            }
        } finally {
            attachment.stop();
        }
        assertThat(stream.buffer().stream().map(m -> normal(m.data())).toList()).isEqualTo(expected("live"));
    }
}
