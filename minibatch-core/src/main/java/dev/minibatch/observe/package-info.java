/**
 * Observing consumers without depending on a metrics library: {@link dev.minibatch.observe.ConsumerListener}
 * receives what each consumer does (windows committed and failed, dead letters, lost leases).
 * Register one per consumer with {@code Streaming.listener(…)} or for every consumer of a client
 * with {@code Minibatch.Builder.listener(…)} / {@code Minibatch.addListener(…)}. The
 * {@code minibatch-micrometer} module turns these events into Micrometer meters.
 *
 * <p><b>Stability: stable API.</b>
 */
package dev.minibatch.observe;
