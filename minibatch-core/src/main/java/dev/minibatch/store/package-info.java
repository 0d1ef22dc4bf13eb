/**
 * The stores built into the core, each in a package of its own: {@code memory:}
 * ({@link dev.minibatch.store.memory}) and the embedded {@code sqlite:} store
 * ({@link dev.minibatch.store.sqlite}). Found by URL scheme through their providers.
 *
 * <p><b>Stability: internal</b> (use them through {@code Minibatch.connect(url)}).
 */
package dev.minibatch.store;
