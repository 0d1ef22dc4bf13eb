package dev.minibatch.plugins.sorted;

import dev.minibatch.spi.emitter.EmitterProvider;
import dev.minibatch.spi.OptionSpec;
import dev.minibatch.spi.Options;
import dev.minibatch.spi.emitter.WindowEmitter;
import java.util.List;
import java.util.Locale;

/**
 * Emitter {@code sorted}: options {@code field} (required), {@code size} (required), {@code order}
 * ({@code asc}/{@code desc}), {@code where}, {@code partial}, {@code scan}; e.g.
 * {@code emitter("sorted", Map.of("field", "value", "where", "value%2==0", "size", "3"))}.
 * Stateless and thread-safe; each {@link #create} returns a new emitter for one consumer.
 */
public final class SortedWindowProvider implements EmitterProvider {

    @Override
    public String name() {
        return "sorted";
    }

    @Override
    public String description() {
        return "SortedWindow: pending messages sorted by a field, only those matching 'where', in batches of size";
    }

    @Override
    public List<OptionSpec> options() {
        return List.of(
                OptionSpec.required("field", OptionSpec.Type.STRING, "sort key: '.', a dotted path or a JSON pointer"),
                OptionSpec.required("size", OptionSpec.Type.INT, "messages per window"),
                OptionSpec.optional("order", OptionSpec.Type.STRING, "asc", "asc or desc"),
                OptionSpec.optional("where", OptionSpec.Type.STRING, null, "condition, e.g. value%2==0 or temp>=20"),
                OptionSpec.optional("partial", OptionSpec.Type.BOOLEAN, "false", "emit fewer than size when that is all that matches"),
                OptionSpec.optional("scan", OptionSpec.Type.INT, "10000", "pending messages looked at per poll"));
    }

    @Override
    public WindowEmitter create(Options options) {
        String order = options.getString("order").toLowerCase(Locale.ROOT);
        if (!order.equals("asc") && !order.equals("desc")) {
            throw new IllegalArgumentException("option 'order' must be asc or desc, was '" + options.getString("order") + "'");
        }
        String where = options.getString("where");
        String field = options.getString("field");
        // parse each text option on its own first, so an error names the option it came from
        try {
            FieldPath.parse(field);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("option 'field': " + e.getMessage(), e);
        }
        if (where != null) {
            try {
                Predicate.parse(where);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("option 'where': " + e.getMessage(), e);
            }
        }
        return new SortedWindow(field, SortedWindow.Order.valueOf(order.toUpperCase(Locale.ROOT)), where,
                options.getInt("size"), options.getBoolean("partial", false), options.getInt("scan"));
    }
}
