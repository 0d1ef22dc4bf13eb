/**
 * The {@code memory:} store: streams in this JVM's memory, for tests and short-lived pipelines.
 *
 * <p><b>Stability: internal</b> (use it through {@code Minibatch.connect("memory:")}).
 */
package dev.minibatch.store.memory;
