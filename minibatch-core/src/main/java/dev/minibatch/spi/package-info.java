/**
 * What every provider shares: {@link dev.minibatch.spi.Provider} (a named, versioned factory found
 * through {@link java.util.ServiceLoader} or a PF4J plugin) and its
 * {@link dev.minibatch.spi.Options}. The SPIs themselves are split by audience:
 * <ul>
 * <li>{@link dev.minibatch.spi.store} — store authors: the stream store, its capability mixins,
 *     claims, leases, selections;</li>
 * <li>{@link dev.minibatch.spi.emitter} — emitter authors: the window emitter, its context and
 *     queries;</li>
 * <li>{@link dev.minibatch.spi.connector} — connector authors: sources and sinks.</li>
 * </ul>
 *
 * <p><b>Stability: SPI, evolving.</b> New methods arrive as default methods or small mixins, never
 * as abstract methods every implementer must write; anything else is announced in the changelog.
 */
package dev.minibatch.spi;
