package dev.minibatch.plugins.sorted;

import com.fasterxml.jackson.databind.JsonNode;
import dev.minibatch.model.Message;
import dev.minibatch.model.Window;
import dev.minibatch.spi.store.Claim;
import dev.minibatch.spi.emitter.EmitterContext;
import dev.minibatch.spi.store.Selection;
import dev.minibatch.spi.emitter.WindowEmitter;
import dev.minibatch.spi.emitter.WindowQuery;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Python minibatch's README example of a custom emitter: sort the pending messages by a field and
 * emit only those matching a condition, in batches of {@code size}. With
 * {@code field=value, where=value%2==0, size=3} it is exactly the README's {@code SortedWindow}
 * ("sort all data by value and output only multiples of 2 in batches of interval size").
 *
 * <p>Each poll reads up to {@code scan} pending messages (oldest first), keeps those matching
 * {@code where}, sorts them by {@code field} ({@code asc} or {@code desc}; messages without the
 * field last; numbers before text; ties in append order), and, once {@code size} of them match
 * (or, with {@code partial}, at least one), claims the first {@code size} by id, all or nothing.
 * The window holds them <em>in sorted order</em>, not append order — that is the point of this
 * emitter.
 *
 * <p>Messages that never match stay pending: drain them with another consumer or {@code maxAge}.
 * Delivery is at least once; a failed batch is released with backoff and, since it still sorts
 * first, retried whole once its backoff is over (until then nothing is emitted, as in the README
 * example, which only ever looks at the first {@code size} matches).
 *
 * <p><b>Threading.</b> One instance per consumer, called from its loop thread only.
 */
public final class SortedWindow implements WindowEmitter {

    /** asc or desc. */
    public enum Order {
        ASC, DESC
    }

    private final FieldPath field;
    private final Order order;
    private final Predicate where;
    private final int size;
    private final boolean partial;
    private final int scan;
    private final Comparator<Message> sorting;
    private List<String> batchIds = List.of();

    /**
     * @param field   what to sort by: {@code .}, a dotted path or a JSON pointer
     * @param order   ascending or descending
     * @param where   a condition such as {@code value%2==0}, or null for every message
     * @param size    messages per window (at least 1)
     * @param partial emit fewer than {@code size} when that is all that matches
     * @param scan    how many pending messages, oldest first, one poll looks at (at least size)
     */
    public SortedWindow(String field, Order order, String where, int size, boolean partial, int scan) {
        this.field = FieldPath.parse(field);
        this.order = Objects.requireNonNull(order, "order");
        this.where = where == null || where.isBlank() ? Predicate.always() : Predicate.parse(where);
        if (size < 1) {
            throw new IllegalArgumentException("SortedWindow size must be >= 1, was " + size);
        }
        if (scan < size) {
            throw new IllegalArgumentException("SortedWindow scan must be at least size (" + size + "), was " + scan);
        }
        this.size = size;
        this.partial = partial;
        this.scan = scan;
        Comparator<Message> byField = (a, b) -> compareValues(this.field.in(a.data()), this.field.in(b.data()));
        if (order == Order.DESC) {
            Comparator<Message> reversed = byField.reversed();
            // messages without the field stay last in both orders
            byField = (a, b) -> {
                boolean am = this.field.in(a.data()) == null;
                boolean bm = this.field.in(b.data()) == null;
                return am || bm ? Boolean.compare(am, bm) : reversed.compare(a, b);
            };
        }
        this.sorting = byField; // List.sort is stable: ties keep append order
    }

    /** Missing last, then numbers (numerically), then text; other JSON sorts by its text form. */
    private static int compareValues(JsonNode a, JsonNode b) {
        if (a == null || b == null) {
            return Boolean.compare(a == null, b == null);
        }
        int ra = rank(a);
        int rb = rank(b);
        if (ra != rb) {
            return Integer.compare(ra, rb);
        }
        if (a.isNumber()) {
            return a.decimalValue().compareTo(b.decimalValue());
        }
        if (a.isTextual()) {
            return a.textValue().compareTo(b.textValue());
        }
        if (a.isBoolean()) {
            return Boolean.compare(a.booleanValue(), b.booleanValue());
        }
        return a.toString().compareTo(b.toString());
    }

    private static int rank(JsonNode n) {
        return n.isNumber() ? 0 : n.isTextual() ? 1 : n.isBoolean() ? 2 : 3;
    }

    @Override
    public Optional<WindowQuery> windowReady(EmitterContext context) {
        List<Message> matching = new ArrayList<>();
        for (Message m : context.peek(Selection.pending().limit(scan))) {
            if (where.test(m.data())) {
                matching.add(m);
            }
        }
        if (matching.size() < size && !(partial && !matching.isEmpty())) {
            return Optional.empty();
        }
        matching.sort(sorting);
        List<String> ids = new ArrayList<>(size);
        for (Message m : matching.subList(0, Math.min(size, matching.size()))) {
            ids.add(m.id());
        }
        batchIds = ids;
        return Optional.of(WindowQuery.count(ids.size()));
    }

    @Override
    public Selection query(EmitterContext context, WindowQuery query) {
        return Selection.ids(batchIds).minCount(batchIds.size());
    }

    @Override
    public Optional<Window> emit(EmitterContext context, WindowQuery query, Claim claim) {
        if (claim.isEmpty()) {
            return Optional.empty();
        }
        List<Message> sorted = new ArrayList<>(claim.messages());
        sorted.sort(sorting);
        return Optional.of(context.window(query, claim, sorted));
    }

    @Override
    public String toString() {
        return "SortedWindow(field=" + field + ", order=" + order.name().toLowerCase(java.util.Locale.ROOT)
                + ", where=" + where + ", size=" + size + (partial ? ", partial" : "") + ")";
    }
}
