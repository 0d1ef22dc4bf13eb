package dev.minibatch.plugins.sorted;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A simple condition on a message, e.g. {@code value%2==0} (Python minibatch's README example),
 * {@code temp>=20.5}, {@code status=='open'}, {@code kind!=debug}, or several joined with
 * {@code &&}. Each clause is {@code <field>[%<divisor>] <op> <value>} with {@code op} one of
 * {@code == != < <= > >=}; the value is a number, {@code true}, {@code false}, {@code null}, or text
 * (quoted or bare). A message without the field never matches (except {@code field==null}).
 * Numbers compare as numbers, text as text (by code point); a number and text never compare equal
 * and never order. Immutable and thread-safe.
 */
final class Predicate {

    private static final Pattern CLAUSE = Pattern.compile(
            "\\s*([^%=!<>\\s]+)\\s*(?:%\\s*([0-9]+(?:\\.[0-9]+)?)\\s*)?(==|!=|<=|>=|<|>|=)\\s*(.*?)\\s*");

    private record Clause(FieldPath field, BigDecimal modulo, String op, Object value) {
    }

    private final String text;
    private final List<Clause> clauses;

    private Predicate(String text, List<Clause> clauses) {
        this.text = text;
        this.clauses = clauses;
    }

    /** Matches everything. */
    static Predicate always() {
        return new Predicate("(all)", List.of());
    }

    static Predicate parse(String text) {
        List<Clause> clauses = new ArrayList<>();
        for (String part : text.split("&&", -1)) {
            Matcher m = CLAUSE.matcher(part);
            if (!m.matches() || m.group(4).isEmpty()) {
                throw new IllegalArgumentException("'" + part.trim() + "' is not a condition such as value%2==0,"
                        + " temp>=20.5 or status=='open'");
            }
            String op = m.group(3).equals("=") ? "==" : m.group(3);
            BigDecimal modulo = m.group(2) == null ? null : new BigDecimal(m.group(2));
            if (modulo != null && modulo.signum() == 0) {
                throw new IllegalArgumentException("'" + part.trim() + "' divides by zero");
            }
            Object value = literal(m.group(4));
            if (modulo != null && !(value instanceof BigDecimal)) {
                throw new IllegalArgumentException("'" + part.trim() + "' compares a remainder with a non-number");
            }
            clauses.add(new Clause(FieldPath.parse(m.group(1)), modulo, op, value));
        }
        return new Predicate(text.trim(), List.copyOf(clauses));
    }

    private static Object literal(String raw) {
        if ((raw.startsWith("'") && raw.endsWith("'") || raw.startsWith("\"") && raw.endsWith("\"")) && raw.length() >= 2) {
            return raw.substring(1, raw.length() - 1);
        }
        switch (raw.toLowerCase(Locale.ROOT)) {
            case "true":
                return Boolean.TRUE;
            case "false":
                return Boolean.FALSE;
            case "null":
                return null;
            default:
                break;
        }
        try {
            return new BigDecimal(raw);
        } catch (NumberFormatException e) {
            return raw;
        }
    }

    boolean test(JsonNode message) {
        for (Clause c : clauses) {
            if (!test(c, message)) {
                return false;
            }
        }
        return true;
    }

    private static boolean test(Clause c, JsonNode message) {
        JsonNode node = c.field().in(message);
        if (c.value() == null) {
            return c.op().equals("==") ? node == null : c.op().equals("!=") && node != null;
        }
        if (node == null) {
            return false;
        }
        Integer cmp;
        if (c.value() instanceof BigDecimal number) {
            if (!node.isNumber()) {
                return c.op().equals("!=");
            }
            BigDecimal actual = node.decimalValue();
            if (c.modulo() != null) {
                actual = actual.remainder(c.modulo());
            }
            cmp = actual.compareTo(number);
        } else if (c.value() instanceof Boolean flag) {
            if (!node.isBoolean()) {
                return c.op().equals("!=");
            }
            cmp = node.booleanValue() == flag ? 0 : null;
        } else {
            if (!node.isTextual()) {
                return c.op().equals("!=");
            }
            cmp = node.textValue().compareTo((String) c.value());
        }
        return switch (c.op()) {
            case "==" -> cmp != null && cmp == 0;
            case "!=" -> cmp == null || cmp != 0;
            case "<" -> cmp != null && cmp < 0;
            case "<=" -> cmp != null && cmp <= 0;
            case ">" -> cmp != null && cmp > 0;
            case ">=" -> cmp != null && cmp >= 0;
            default -> throw new IllegalStateException(c.op());
        };
    }

    @Override
    public String toString() {
        return text;
    }
}
