package dev.minibatch.spi;

import java.util.Objects;

/**
 * One declared option of a provider.
 *
 * @param name         the key users write, e.g. {@code size}
 * @param type         how the text value is parsed and checked
 * @param required     whether it must be given
 * @param defaultValue the value used when absent (as text), or null
 * @param description  one line for help output
 */
public record OptionSpec(String name, Type type, boolean required, String defaultValue, String description) {

    /** Value types; text values are parsed eagerly so mistakes surface before anything starts. */
    public enum Type {
        /** Any text. */
        STRING,
        /** A Java {@code int}. */
        INT,
        /** A Java {@code long}. */
        LONG,
        /** A Java {@code double}. */
        DOUBLE,
        /** {@code true} or {@code false}. */
        BOOLEAN,
        /** {@code 500ms}, {@code 2s}, {@code 5m}, {@code 1h}, ISO-8601 {@code PT2S}, or plain seconds. */
        DURATION
    }

    /**
     * Checks the name and type; a null description becomes empty.
     *
     * @param name the key users write
     * @param type how the text value is parsed and checked
     * @param required whether it must be given
     * @param defaultValue the value used when absent (as text), or null
     * @param description one line for help output
     */
    public OptionSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        description = description == null ? "" : description;
    }

    /**
     * A required option.
     *
     * @param name the key users write
     * @param type the value's type
     * @param description one line for help output
     * @return the spec
     */
    public static OptionSpec required(String name, Type type, String description) {
        return new OptionSpec(name, type, true, null, description);
    }

    /**
     * An optional option.
     *
     * @param name the key users write
     * @param type the value's type
     * @param defaultValue the value used when absent (as text), or null
     * @param description one line for help output
     * @return the spec
     */
    public static OptionSpec optional(String name, Type type, String defaultValue, String description) {
        return new OptionSpec(name, type, false, defaultValue, description);
    }
}
