/**
 * The SPI for emitter authors: {@link dev.minibatch.spi.emitter.WindowEmitter} (decides when a
 * window is ready and what it holds), the {@link dev.minibatch.spi.emitter.EmitterContext} it is
 * given (clock, peeks, claims, commits — never a database handle),
 * {@link dev.minibatch.spi.emitter.ForwardingEmitterContext} for emitters that wrap others,
 * {@link dev.minibatch.spi.emitter.WindowQuery} and the {@link dev.minibatch.spi.emitter.EmitterProvider}
 * that makes emitters available by name.
 *
 * <p><b>Stability: SPI, evolving.</b> New methods arrive as default methods.
 */
package dev.minibatch.spi.emitter;
