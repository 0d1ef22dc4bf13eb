package dev.minibatch;

import dev.minibatch.model.ConfigurationException;
import dev.minibatch.model.InvalidMessageException;
import dev.minibatch.model.StoreException;
import dev.minibatch.model.StreamOptions;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** Each kind of bad input gets a clear exception naming the problem, and loses nothing appended before. */
class BadInputTest {

    @TempDir
    Path dir;

    private Minibatch mb;

    @BeforeEach
    void connect() {
        mb = Minibatch.builder().url("sqlite:" + dir.resolve("bad.db")).maxMessageBytes(1024).shutdownHook(false).build();
    }

    @AfterEach
    void close() {
        mb.close();
    }

    @Test
    void nullAndEmptyStreamNamesAreRejected() {
        assertThatThrownBy(() -> mb.stream(null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("must not be null");
        assertThatThrownBy(() -> mb.stream("")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("must not be empty");
        assertThatThrownBy(() -> mb.streaming("  ")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("whitespace");
    }

    @ParameterizedTest
    @ValueSource(strings = {" leading", "trailing ", "tab\there", "dollar$sign", "new\nline"})
    void invalidStreamNamesAreRejectedWithTheReason(String name) {
        assertThatThrownBy(() -> mb.stream(name)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("stream name");
    }

    @Test
    void overlongStreamNamesAreRejected() {
        assertThatThrownBy(() -> mb.stream("x".repeat(256))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("256 characters").hasMessageContaining("limit is 255");
    }

    @Test
    void omegamlStyleNamesAreAccepted() {
        assertThat(mb.stream("omegaml.streams/.test.stream").name()).isEqualTo("omegaml.streams/.test.stream");
    }

    static final class NoProperties {
    }

    static final class SelfReferencing {
        public SelfReferencing self = this;
    }

    @Test
    void valuesJacksonCannotSerialiseAreRejectedAndEarlierMessagesSurvive() {
        Stream stream = mb.stream("s");
        stream.append(Map.of("ok", 1));
        assertThatThrownBy(() -> stream.append(new NoProperties()))
                .isInstanceOf(InvalidMessageException.class)
                .hasMessageContaining("stream 's'")
                .hasMessageContaining(NoProperties.class.getName())
                .hasMessageContaining("not JSON-serialisable");
        assertThatThrownBy(() -> stream.append(new SelfReferencing()))
                .isInstanceOf(InvalidMessageException.class)
                .hasMessageContaining(SelfReferencing.class.getName());
        assertThatThrownBy(() -> stream.append(null))
                .isInstanceOf(InvalidMessageException.class).hasMessageContaining("cannot append null");
        assertThat(stream.buffer()).hasSize(1);
        assertThat(stream.buffer().get(0).data().get("ok").asInt()).isEqualTo(1);
    }

    @Test
    void messagesOverTheSizeLimitAreRejected() {
        Stream stream = mb.stream("big");
        stream.append(Map.of("small", "x"));
        assertThatThrownBy(() -> stream.append(Map.of("blob", "y".repeat(2000))))
                .isInstanceOf(InvalidMessageException.class)
                .hasMessageContaining("exceeds the limit of 1024 bytes")
                .hasMessageContaining("stream 'big'");
        assertThat(stream.buffer()).hasSize(1);
    }

    @Test
    void appendAllIsAllOrNothingAndNamesTheBadValue() {
        Stream stream = mb.stream("batch");
        List<Object> values = new ArrayList<>();
        values.add(Map.of("n", 0));
        values.add(Map.of("n", 1));
        values.add(new NoProperties());
        assertThatThrownBy(() -> stream.appendAll(values))
                .isInstanceOf(InvalidMessageException.class).hasMessageContaining("value #2");
        assertThat(stream.buffer()).isEmpty();
        Map<String, Object> withNull = new HashMap<>();
        withNull.put("k", null);
        stream.appendAll(List.of(withNull));
        assertThat(stream.buffer()).hasSize(1);
    }

    @Test
    void unknownUrlSchemesListTheKnownOnes() {
        assertThatThrownBy(() -> Minibatch.connect("redis://localhost/0"))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("unknown store 'redis'")
                .hasMessageContaining("sqlite").hasMessageContaining("memory");
        assertThatThrownBy(() -> Minibatch.connect("no-scheme-here"))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("has no scheme");
    }

    @Test
    void anUnwritableSqlitePathIsAClearStoreError() throws Exception {
        Path file = Files.writeString(dir.resolve("not-a-directory"), "x");
        String url = "sqlite:" + file.resolve("sub").resolve("mb.db");
        assertThatThrownBy(() -> Minibatch.connect(url))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining(file.resolve("sub").toString());
    }

    @Test
    void badSqliteOptionsAreNamed() {
        assertThatThrownBy(() -> Minibatch.connect("sqlite:" + dir.resolve("x.db") + "?journal=off"))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("unknown option 'journal'")
                .hasMessageContaining("synchronous");
    }

    @Test
    void builderSettingsOutOfRangeAreNamed() {
        assertThatThrownBy(() -> mb.streaming("s").size(0)).hasMessageContaining("size must be >= 1");
        assertThatThrownBy(() -> mb.streaming("s").workers(0)).hasMessageContaining("workers must be >= 1");
        assertThatThrownBy(() -> mb.streaming("s").maxAttempts(0)).hasMessageContaining("maxAttempts");
        assertThatThrownBy(() -> mb.streaming("s").interval(java.time.Duration.ZERO)).hasMessageContaining("interval");
        assertThatThrownBy(() -> StreamOptions.defaults().batchSize(0)).hasMessageContaining("batchSize");
    }

    @Test
    void unknownEmitterNamesListTheKnownOnes() {
        assertThatThrownBy(() -> mb.streaming("s").emitter("slidng", Map.of()).run(w -> { }))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("unknown emitter 'slidng'")
                .hasMessageContaining("count, fixed, relaxed");
    }

    @Test
    void invalidEmitterOptionsNameTheOption() {
        assertThatThrownBy(() -> mb.streaming("s").emitter("count", Map.of("sise", "3")).run(w -> { }))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("has no option 'sise'").hasMessageContaining("valid options: size");
        assertThatThrownBy(() -> mb.streaming("s").emitter("count", Map.of("size", "three")).run(w -> { }))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("'size' must be a whole number, was 'three'");
        assertThatThrownBy(() -> mb.streaming("s").emitter("count", Map.of("size", "0")).run(w -> { }))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("size must be >= 1");
        assertThatThrownBy(() -> mb.streaming("s").emitter("fixed", Map.of()).run(w -> { }))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("needs option 'interval'");
    }
}
