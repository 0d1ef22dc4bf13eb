/**
 * The built-in window emitters, Python minibatch 0.6's three: {@link dev.minibatch.emitter.CountWindow},
 * {@link dev.minibatch.emitter.FixedTimeWindow} and {@link dev.minibatch.emitter.RelaxedTimeWindow},
 * with the time grid they share ({@link dev.minibatch.emitter.TimeWindows}), also used by plugin
 * emitters.
 *
 * <p><b>Stability: stable API.</b>
 */
package dev.minibatch.emitter;
