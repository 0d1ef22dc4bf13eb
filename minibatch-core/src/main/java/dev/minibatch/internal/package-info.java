/**
 * Helpers shared by the core's packages (JSON, names, URLs, threads, the home folder) — <b>not
 * API</b>: public only for other minibatch modules; may change in any release.
 *
 * <p><b>Stability: internal.</b>
 */
package dev.minibatch.internal;
