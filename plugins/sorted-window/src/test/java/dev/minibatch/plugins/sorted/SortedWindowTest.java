package dev.minibatch.plugins.sorted;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.minibatch.model.Window;
import dev.minibatch.plugins.sorted.SortedWindow.Order;
import dev.minibatch.test.EmitterHarness;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The README example and its options, with a manual clock. */
class SortedWindowTest {

    private static List<Integer> values(Window w) {
        return w.data().stream().map(n -> n.get("value").asInt()).toList();
    }

    private static List<Map<String, Integer>> readings(int... values) {
        return java.util.Arrays.stream(values).mapToObj(v -> Map.of("value", v)).toList();
    }

    @Test
    void pythonReadmeExampleSortsAndEmitsOnlyMultiplesOfTwoInBatches() {
        try (EmitterHarness h = EmitterHarness.memory(new SortedWindow("value", Order.ASC, "value%2==0", 3, false, 10_000))) {
            h.stream().appendAll(readings(9, 8, 1, 6, 7));
            assertThat(h.round()).as("only 2 even values: a batch needs 3").isEmpty();
            h.stream().appendAll(readings(4, 3, 2));
            assertThat(values(h.round().orElseThrow())).as("sorted, even only, the 3 smallest").containsExactly(2, 4, 6);
            assertThat(h.round()).as("8 alone").isEmpty();
            h.stream().appendAll(readings(12, 10));
            assertThat(values(h.round().orElseThrow())).containsExactly(8, 10, 12);
            assertThat(h.pending()).extracting(m -> m.data().get("value").asInt())
                    .as("odd values never match and stay pending, in append order").containsExactly(9, 1, 7, 3);
        }
    }

    @Test
    void descendingWithPartialBatchesAndMessagesWithoutTheFieldLast() {
        try (EmitterHarness h = EmitterHarness.memory(new SortedWindow("t", Order.DESC, null, 3, true, 100))) {
            h.append(Map.of("t", 1), Map.of("other", 0), Map.of("t", 5), Map.of("t", 3), Map.of("t", 4));
            Window w = h.round().orElseThrow();
            assertThat(w.data()).extracting(n -> n.path("t").asInt(-1)).containsExactly(5, 4, 3);
            Window rest = h.round().orElseThrow();
            assertThat(rest.data()).extracting(n -> n.path("t").asInt(-1)).as("partial batch; missing field last")
                    .containsExactly(1, -1);
            assertThat(h.pending()).isEmpty();
        }
    }

    @Test
    void tiesKeepAppendOrderAndTextSortsAfterNumbers() {
        try (EmitterHarness h = EmitterHarness.memory(new SortedWindow(".", Order.ASC, null, 5, false, 100))) {
            h.append("b", 2, "a", 1, 2);
            List<String> twos = h.pending().stream().filter(m -> m.data().isNumber() && m.data().asInt() == 2)
                    .map(dev.minibatch.model.Message::id).toList();
            Window w = h.round().orElseThrow();
            assertThat(w.data()).extracting(JsonNode::toString).containsExactly("1", "2", "2", "\"a\"", "\"b\"");
            assertThat(List.of(w.messages().get(1).id(), w.messages().get(2).id()))
                    .as("stable sort: equal keys keep append order").isEqualTo(twos);
        }
    }

    @Test
    void conditionsOnNestedFieldsTextAndConjunctions() {
        try (EmitterHarness h = EmitterHarness.memory(new SortedWindow("/s/temp", Order.ASC,
                "s.kind=='room' && s.temp>=20 && s.temp!=25", 10, true, 100))) {
            h.append(Map.of("s", Map.of("kind", "room", "temp", 22.5)), Map.of("s", Map.of("kind", "room", "temp", 25)),
                    Map.of("s", Map.of("kind", "fridge", "temp", 21)), Map.of("s", Map.of("kind", "room", "temp", 19)),
                    Map.of("s", Map.of("kind", "room", "temp", 20)), Map.of("s", Map.of("kind", "room")));
            Window w = h.round().orElseThrow();
            assertThat(w.data()).extracting(n -> n.at("/s/temp").asDouble()).containsExactly(20.0, 22.5);
            assertThat(h.pending()).hasSize(4);
        }
    }

    @Test
    void aFailedBatchIsRetriedWholeAfterItsBackoff() {
        try (EmitterHarness h = EmitterHarness.memory(new SortedWindow("value", Order.ASC, null, 2, false, 100))
                .configure(s -> s.backoff(Duration.ofSeconds(1), Duration.ofSeconds(1)))) {
            h.stream().appendAll(readings(3, 1, 2, 4));
            h.failNextWindow();
            assertThat(values(h.round().orElseThrow())).containsExactly(1, 2);
            assertThat(h.round()).as("1 and 2 still sort first and wait out their backoff").isEmpty();
            h.advance(Duration.ofSeconds(1));
            Window retry = h.round().orElseThrow();
            assertThat(values(retry)).containsExactly(1, 2);
            assertThat(retry.attempt()).isEqualTo(2);
            assertThat(values(h.round().orElseThrow())).containsExactly(3, 4);
        }
    }

    @Test
    void scanBoundsHowManyPendingMessagesArePeekedAt() {
        try (EmitterHarness h = EmitterHarness.memory(new SortedWindow("value", Order.DESC, null, 2, false, 2))) {
            h.stream().appendAll(readings(1, 2, 100));
            assertThat(values(h.round().orElseThrow())).as("100 is beyond the 2 oldest").containsExactly(2, 1);
        }
    }

    @Test
    void predicatesParseOrSayWhatIsWrong() {
        Predicate p = Predicate.parse("value % 3 = 1");
        assertThat(p.test(com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode().put("value", 7))).isTrue();
        assertThat(p.test(com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode().put("value", 6))).isFalse();
        assertThatThrownBy(() -> Predicate.parse("value >")).hasMessageContaining("is not a condition");
        assertThatThrownBy(() -> Predicate.parse("value%0==1")).hasMessageContaining("divides by zero");
        assertThatThrownBy(() -> Predicate.parse("value%2=='x'")).hasMessageContaining("non-number");
        assertThatThrownBy(() -> FieldPath.parse("a..b")).hasMessageContaining("empty part");
    }
}
