package dev.minibatch.omegaml;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.minibatch.model.ConfigurationException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Java writes, the real omega|ml 0.18 reads: a frame put by omega|ml, rows appended by
 * {@link DatasetSink}, and {@code om.datasets.get} must equal the frame pandas' own concat gives
 * (values, dtypes, index, row order; {@code pandas.testing.assert_frame_equal}). Rows that do not
 * fit are refused and leave the dataset as omega|ml wrote it.
 */
class OmegamlWritesTest extends OmegamlPeerTestBase {



    static Map<String, Object> row(Object... keysAndValues) {
        Map<String, Object> row = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            row.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return row;
    }

    private void append(String dataset, Object rows) {
        try (Omega omega = Omega.connect(url)) {
            new DatasetSink(omega, dataset).put(rows);
        }
    }

    private JsonNode py(String code) {
        return python.run(url, code);
    }

    @Test
    void defaultIndexNewAndDottedColumnsAndDates() {
        py("""
                df = pd.DataFrame({'a': [1, 2], 'b.c': [0.5, None],
                                   'when': pd.to_datetime(['2025-01-01 10:00', '2025-01-02 10:00'])})
                om.datasets.put(df, 'frame')""");
        append("frame", List.of(
                row("a", 3, "b.c", 1.5, "when", Instant.parse("2025-01-03T10:00:00Z"), "extra.col", "x"),
                row("a", 4, "b.c", 2.5, "when", "2025-01-04T10:00:00", "extra.col", "y")));
        py("""
                got = om.datasets.get('frame')
                expected = pd.concat([
                    pd.DataFrame({'a': [1, 2], 'b_c': [0.5, None],
                                  'when': pd.to_datetime(['2025-01-01 10:00', '2025-01-02 10:00'])}),
                    pd.DataFrame({'a': [3, 4], 'b_c': [1.5, 2.5],
                                  'when': pd.to_datetime(['2025-01-03 10:00', '2025-01-04 10:00']),
                                  'extra_col': ['x', 'y']})])
                same(got, expected)""");
    }

    @Test
    void aNamedStringIndexIsFilledFromTheRowsField() {
        py("""
                om.datasets.put(pd.DataFrame({'v': [1.0, 2.0]}, index=pd.Index(['k1', 'k2'], name='key')), 'keyed')""");
        append("keyed", row("key", "k4", "v", 4.0));
        py("""
                expected = pd.DataFrame({'v': [1.0, 2.0, 4.0]}, index=pd.Index(['k1', 'k2', 'k4'], name='key'))
                same(om.datasets.get('keyed'), expected)""");
    }

    @Test
    void aNamedTimezoneAwareDatetimeIndexAndDatetimeColumns() {
        py("""
                df = pd.DataFrame({'v': [1.0, 2.0], 'seen': pd.to_datetime(['2025-01-01 09:00', '2025-01-02 09:00'])},
                                  index=pd.date_range('2025-01-01', periods=2, tz='UTC', name='ts'))
                om.datasets.put(df, 'series')""");
        append("series", List.of(
                row("ts", OffsetDateTime.parse("2025-01-03T01:00:00+01:00"), "v", 3.0,
                        "seen", LocalDateTime.parse("2025-01-03T09:00:00")),
                row("ts", "2025-01-04T00:00:00Z", "v", 4.0, "seen", Instant.parse("2025-01-04T09:00:00Z"))));
        py("""
                got = om.datasets.get('series')
                expected = pd.DataFrame({'v': [1.0, 2.0, 3.0, 4.0],
                                         'seen': pd.to_datetime(['2025-01-01 09:00', '2025-01-02 09:00',
                                                                 '2025-01-03 09:00', '2025-01-04 09:00'])},
                                        index=pd.DatetimeIndex(['2025-01-01', '2025-01-02', '2025-01-03', '2025-01-04'],
                                                               tz='UTC', name='ts'))
                same(got, expected)""");
    }

    @Test
    void anUnnamedDatetimeIndexTakesTheIndexFieldAndHasNoDefault() {
        py("""
                df = pd.DataFrame({'v': [1.0, 2.0]}, index=pd.date_range('2025-01-01', periods=2))
                om.datasets.put(df, 'daily')""");
        assertThatThrownBy(() -> append("daily", row("v", 3.0))).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("'daily'").hasMessageContaining("row 0").hasMessageContaining("'index'")
                .hasMessageContaining("datetime64");
        py("same(om.datasets.get('daily'), pd.DataFrame({'v': [1.0, 2.0]}, index=pd.date_range('2025-01-01', periods=2)))");
        append("daily", row("index", Instant.parse("2025-01-05T00:00:00Z"), "v", 5.0));
        py("""
                expected = pd.DataFrame({'v': [1.0, 2.0, 5.0]},
                                        index=pd.DatetimeIndex(['2025-01-01', '2025-01-02', '2025-01-05']))
                same(om.datasets.get('daily'), expected)""");
    }

    @Test
    void integerAndMultiIndexes() {
        py("""
                om.datasets.put(pd.DataFrame({'v': [1.0, 2.0]}, index=pd.Index([10, 20], name='n')), 'numbered')
                df = pd.DataFrame({'v': [1.0, 2.0], 'a.b': [1, 2]},
                                  index=pd.MultiIndex.from_tuples([('a', 1), ('b', 2)], names=['x', 'y']))
                om.datasets.put(df, 'multi')
                om.datasets.put(pd.DataFrame({'v': [1.0, 2.0]}), 'plain')""");
        append("numbered", row("n", 30, "v", 3.0));
        append("multi", row("x", "c", "y", 3, "v", 3.0, "a.b", 3));
        append("plain", List.of(row("v", 3.0), row("v", 4.0)));
        py("""
                same(om.datasets.get('numbered'), pd.DataFrame({'v': [1.0, 2.0, 3.0]}, index=pd.Index([10, 20, 30], name='n')))
                same(om.datasets.get('multi'), pd.DataFrame({'v': [1.0, 2.0, 3.0], 'a_b': [1, 2, 3]},
                     index=pd.MultiIndex.from_tuples([('a', 1), ('b', 2), ('c', 3)], names=['x', 'y'])))
                # pd.concat with the rows' fresh default index, as omega|ml's own put of a new frame
                same(om.datasets.get('plain'), pd.DataFrame({'v': [1.0, 2.0, 3.0, 4.0]}, index=[0, 1, 0, 1]))""");
    }

    @Test
    void windowsOfAStreamFedByADatasetSourceGoIntoAnotherFrame() throws Exception {
        py("""
                om.datasets.put(pd.DataFrame({'v': [float(i) for i in range(10)]},
                                             index=pd.date_range('2025-02-01', periods=10, freq='h')), 'hourly-in')
                om.datasets.put(pd.DataFrame({'v': [-1.0]}, index=pd.DatetimeIndex(['2025-01-31 23:00'])), 'hourly-out')""");
        try (Omega omega = Omega.connect(url)) {
            dev.minibatch.Stream stream = omega.minibatch().stream("hourly");
            new DatasetSource(omega, "hourly-in").stream(stream); // rows {"index": "<ISO>", "v": …} as JSON
            dev.minibatch.model.ConsumerHandle consumer = omega.minibatch().streaming("hourly").size(5)
                    .sink(new DatasetSink(omega, "hourly-out")).start(window -> { });
            try {
                long deadline = System.nanoTime() + java.time.Duration.ofSeconds(30).toNanos();
                while (consumer.stats().messages() < 10 && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
            } finally {
                consumer.stop();
            }
        }
        py("""
                expected = pd.concat([pd.DataFrame({'v': [-1.0]}, index=pd.DatetimeIndex(['2025-01-31 23:00'])),
                                      pd.DataFrame({'v': [float(i) for i in range(10)]},
                                                   index=pd.date_range('2025-02-01', periods=10, freq='h'))])
                same(om.datasets.get('hourly-out'), expected)""");
    }

    @Test
    void aSeries() {
        py("om.datasets.put(pd.Series([1, 2], name='s'), 'ser')");
        append("ser", List.of(3, row("s", 4)));
        py("same(om.datasets.get('ser'), pd.Series([1, 2, 3, 4], name='s', index=[0, 1, 0, 1]))");
    }

    @Test
    void rawdictAndPythonData() {
        append("raw", List.of(row("id", "a1", "t", 21.5, "at", Instant.parse("2025-01-01T10:00:00Z")),
                row("id", "a2", "t", 22.0, "at", Instant.parse("2025-01-01T11:00:00Z"))));
        py("""
                expected = pd.DataFrame({'id': ['a1', 'a2'], 't': [21.5, 22.0],
                                         'at': pd.to_datetime(['2025-01-01 10:00', '2025-01-01 11:00'])})
                got = om.datasets.get('raw')
                same(got[['id', 't', 'at']], expected)
                om.datasets.put({'a': 1}, 'blob')""");
        append("blob", row("b", 2, "when", Instant.parse("2025-01-01T10:00:00Z")));
        assertThat(py("reply(om.datasets.get('blob'))").toString())
                .isEqualTo("[{\"a\":1},{\"b\":2,\"when\":\"2025-01-01T10:00:00Z\"}]");
        assertThat(py("""
                m = om.datasets.metadata('blob')
                reply(m.objid == list(om.datasets.mongodb[m.collection].find())[-1]['_id'])""")
                .asBoolean()).as("objid names the last document, as omega|ml keeps it").isTrue();
    }

    @Test
    void rowsThatDoNotFitAreRefusedAndChangeNothing() {
        py("""
                om.datasets.put(pd.DataFrame({'n': [1, 2], 'v': [1.0, 2.0]}, index=pd.Index(['k1', 'k2'], name='key')),
                                'strict')""");
        String before = py("reply(frame(om.datasets.get('strict')))").toString();
        assertThatThrownBy(() -> append("strict", List.of(row("key", "k3", "n", 3, "v", 3.0), row("n", 4, "v", 4.0))))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("'strict'").hasMessageContaining("row 1")
                .hasMessageContaining("'key'");
        assertThatThrownBy(() -> append("strict", List.of(row("key", "k3", "n", "three", "v", 3.0))))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("'strict'").hasMessageContaining("row 0")
                .hasMessageContaining("column 'n'").hasMessageContaining("int64").hasMessageContaining("'three'");
        assertThatThrownBy(() -> append("strict", List.of(row("key", "k3", "n", 3, "v", "x"))))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("column 'v'").hasMessageContaining("float64");
        assertThat(py("reply(frame(om.datasets.get('strict')))").toString()).isEqualTo(before);
        try (Omega omega = Omega.connect(url)) {
            assertThat(omega.database().getCollection(omega.datasets().collection("strict")).countDocuments()).isEqualTo(2);
        }
    }
}
