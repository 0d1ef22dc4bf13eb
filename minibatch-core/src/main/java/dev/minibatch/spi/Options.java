package dev.minibatch.spi;

import dev.minibatch.model.ConfigurationException;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Options validated against a provider's {@link OptionSpec}s: unknown keys, missing required keys
 * and unparsable values are rejected with a message naming the option and listing the valid ones.
 * A spec named {@code prefix.*} accepts any key starting with {@code prefix.} (pass-through client
 * properties such as {@code kafka.sasl.mechanism}).
 */
public final class Options {

    private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|h|d)?");

    private final String owner;
    private final Map<String, String> values;
    private final Map<String, OptionSpec> specs;

    private Options(String owner, Map<String, String> values, Map<String, OptionSpec> specs) {
        this.owner = owner;
        this.values = values;
        this.specs = specs;
    }

    /**
     * Options for code that declares none (tests, explicit instances).
     *
     * @param raw option values by key
     * @return the options, unchecked
     */
    public static Options of(Map<String, ?> raw) {
        Map<String, String> values = new LinkedHashMap<>();
        raw.forEach((k, v) -> values.put(k, v == null ? null : String.valueOf(v)));
        return new Options("options", Collections.unmodifiableMap(values), Map.of());
    }

    /**
     * Checks {@code raw} against {@code declared} and fills in defaults.
     *
     * @param owner names the provider in error messages, e.g. {@code "emitter 'sliding'"}
     * @param declared the provider's declared options
     * @param raw the values given
     * @return the checked options
     */
    public static Options validate(String owner, List<OptionSpec> declared, Map<String, ?> raw) {
        Map<String, OptionSpec> specs = new LinkedHashMap<>();
        for (OptionSpec spec : declared) {
            specs.put(spec.name(), spec);
        }
        Map<String, String> values = new LinkedHashMap<>();
        for (Map.Entry<String, ?> entry : new TreeMap<String, Object>(raw).entrySet()) {
            String key = entry.getKey();
            OptionSpec spec = specFor(specs, key);
            if (spec == null) {
                throw new ConfigurationException(owner + " has no option '" + key + "'; valid options: "
                        + (specs.isEmpty() ? "(none)" : String.join(", ", specs.keySet())));
            }
            String text = entry.getValue() == null ? null : String.valueOf(entry.getValue()).trim();
            if (text == null || text.isEmpty()) {
                throw new ConfigurationException(owner + ": option '" + key + "' has an empty value");
            }
            check(owner, spec, key, text);
            values.put(key, text);
        }
        for (OptionSpec spec : declared) {
            if (spec.name().endsWith(".*") || values.containsKey(spec.name())) {
                continue;
            }
            if (spec.required()) {
                throw new ConfigurationException(owner + " needs option '" + spec.name() + "' ("
                        + spec.description() + "); given: " + (raw.isEmpty() ? "(none)" : String.join(", ", new TreeMap<String, Object>(raw).keySet())));
            }
            if (spec.defaultValue() != null) {
                values.put(spec.name(), spec.defaultValue());
            }
        }
        return new Options(owner, Collections.unmodifiableMap(values), specs);
    }

    private static OptionSpec specFor(Map<String, OptionSpec> specs, String key) {
        OptionSpec exact = specs.get(key);
        if (exact != null) {
            return exact;
        }
        for (OptionSpec spec : specs.values()) {
            String name = spec.name();
            if (name.endsWith(".*") && key.startsWith(name.substring(0, name.length() - 1))
                    && key.length() > name.length() - 1) {
                return spec;
            }
        }
        return null;
    }

    private static void check(String owner, OptionSpec spec, String key, String text) {
        try {
            switch (spec.type()) {
                case INT -> Integer.parseInt(text);
                case LONG -> Long.parseLong(text);
                case DOUBLE -> Double.parseDouble(text);
                case BOOLEAN -> parseBoolean(text);
                case DURATION -> parseDuration(text);
                case STRING -> { }
                default -> throw new IllegalStateException(spec.type().toString());
            }
        } catch (IllegalArgumentException | DateTimeParseException e) {
            throw new ConfigurationException(owner + ": option '" + key + "' must be " + describe(spec.type())
                    + ", was '" + text + "'");
        }
    }

    private static String describe(OptionSpec.Type type) {
        return switch (type) {
            case INT, LONG -> "a whole number";
            case DOUBLE -> "a number";
            case BOOLEAN -> "true or false";
            case DURATION -> "a duration such as 500ms, 2s, 5m or PT2S";
            case STRING -> "text";
        };
    }

    private static boolean parseBoolean(String text) {
        return switch (text.toLowerCase(Locale.ROOT)) {
            case "true", "yes", "1", "on" -> true;
            case "false", "no", "0", "off" -> false;
            default -> throw new IllegalArgumentException(text);
        };
    }

    /**
     * Parses {@code 500ms}, {@code 2s}, {@code 1.5s}, {@code 5m}, {@code 1h}, {@code 1d}, {@code PT2S}, or plain seconds.
     *
     * @param text the duration's text
     * @return the duration
     */
    public static Duration parseDuration(String text) {
        String t = text.trim();
        if (t.toUpperCase(Locale.ROOT).startsWith("P")) {
            return Duration.parse(t.toUpperCase(Locale.ROOT));
        }
        Matcher m = DURATION.matcher(t.toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException("not a duration: " + text);
        }
        double amount = Double.parseDouble(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        double millis = switch (unit) {
            case "ms" -> amount;
            case "s" -> amount * 1_000;
            case "m" -> amount * 60_000;
            case "h" -> amount * 3_600_000;
            case "d" -> amount * 86_400_000;
            default -> throw new IllegalArgumentException(unit);
        };
        return Duration.ofNanos(Math.round(millis * 1_000_000));
    }

    /**
     * Whether {@code key} has a value (given or default).
     *
     * @param key the option's key
     * @return true if it has one
     */
    public boolean has(String key) {
        return values.containsKey(key);
    }

    /**
     * The value of {@code key} as text.
     *
     * @param key the option's key
     * @return the value, or null
     */
    public String getString(String key) {
        return values.get(key);
    }

    /**
     * The value of {@code key} as text, or {@code fallback}.
     *
     * @param key the option's key
     * @param fallback the value when absent
     * @return the value
     */
    public String getString(String key, String fallback) {
        return values.getOrDefault(key, fallback);
    }

    /**
     * The value of {@code key} as an int.
     *
     * @param key the option's key
     * @return the value, or null
     */
    public Integer getInt(String key) {
        String v = values.get(key);
        return v == null ? null : Integer.valueOf(v);
    }

    /**
     * The value of {@code key} as an int, or {@code fallback}.
     *
     * @param key the option's key
     * @param fallback the value when absent
     * @return the value
     */
    public int getInt(String key, int fallback) {
        Integer v = getInt(key);
        return v == null ? fallback : v;
    }

    /**
     * The value of {@code key} as a long.
     *
     * @param key the option's key
     * @return the value, or null
     */
    public Long getLong(String key) {
        String v = values.get(key);
        return v == null ? null : Long.valueOf(v);
    }

    /**
     * The value of {@code key} as a double.
     *
     * @param key the option's key
     * @return the value, or null
     */
    public Double getDouble(String key) {
        String v = values.get(key);
        return v == null ? null : Double.valueOf(v);
    }

    /**
     * The value of {@code key} as a boolean.
     *
     * @param key the option's key
     * @return the value, or null
     */
    public Boolean getBoolean(String key) {
        String v = values.get(key);
        return v == null ? null : parseBoolean(v);
    }

    /**
     * The value of {@code key} as a boolean, or {@code fallback}.
     *
     * @param key the option's key
     * @param fallback the value when absent
     * @return the value
     */
    public boolean getBoolean(String key, boolean fallback) {
        Boolean v = getBoolean(key);
        return v == null ? fallback : v;
    }

    /**
     * The value of {@code key} as a duration (see {@link #parseDuration}).
     *
     * @param key the option's key
     * @return the value, or null
     */
    public Duration getDuration(String key) {
        String v = values.get(key);
        return v == null ? null : parseDuration(v);
    }

    /**
     * The values of keys under {@code prefix.}, with the prefix removed (pass-through properties).
     *
     * @param prefix the prefix, without the dot
     * @return the values by key without the prefix
     */
    public Map<String, String> withPrefix(String prefix) {
        String p = prefix.endsWith(".") ? prefix : prefix + ".";
        Map<String, String> out = new LinkedHashMap<>();
        values.forEach((k, v) -> {
            if (k.startsWith(p)) {
                out.put(k.substring(p.length()), v);
            }
        });
        return out;
    }

    /**
     * All values, defaults included.
     *
     * @return the values by key
     */
    public Map<String, String> asMap() {
        return values;
    }

    /**
     * Keys given, for error messages.
     *
     * @return the keys
     */
    public List<String> keys() {
        return new ArrayList<>(values.keySet());
    }

    @Override
    public String toString() {
        return owner + values.keySet();
    }

    /**
     * The name used in messages.
     *
     * @return the owner's name
     */
    public String owner() {
        return owner;
    }

    /**
     * The declared spec of a key, or null.
     *
     * @param key the option's key
     * @return the spec, or null
     */
    public OptionSpec spec(String key) {
        return specFor(specs, key);
    }
}
