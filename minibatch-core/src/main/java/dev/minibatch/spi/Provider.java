package dev.minibatch.spi;

import java.util.List;

/**
 * Something discoverable by name: a store (by URL scheme), a source, a sink or an emitter. Found by
 * {@link java.util.ServiceLoader} on the class path and in PF4J plugin jars; an explicit instance
 * always wins over discovery.
 *
 * <p>Implementations need a public no-argument constructor, must be thread-safe and cheap to
 * construct: discovery instantiates every provider, used or not. Expensive work belongs in
 * {@code create}/{@code open}.
 */
public interface Provider {

    /**
     * The lower-case name users write: {@code "kafka"}, {@code "sliding"}, a URL scheme.
     *
     * @return the name
     */
    String name();

    /**
     * The provider's version; defaults to its jar's Implementation-Version, else {@code "unknown"}.
     *
     * @return the version
     */
    default String version() {
        String version = getClass().getPackage() == null ? null : getClass().getPackage().getImplementationVersion();
        return version == null ? "unknown" : version;
    }

    /**
     * One line saying what it is, for {@code minibatch plugins}.
     *
     * @return the description
     */
    default String description() {
        return "";
    }

    /**
     * The options {@code create} accepts; others are rejected before creation.
     *
     * @return the declared options
     */
    default List<OptionSpec> options() {
        return List.of();
    }
}
