/**
 * The values every layer shares: {@link dev.minibatch.model.Message}, {@link dev.minibatch.model.Window},
 * stream and consumer figures, table entries, the consumer handle, and the exceptions. It imports
 * no other package of minibatch, so the API, the SPIs and the runtime can all use it without
 * import circles.
 *
 * <p><b>Stability: stable API.</b> Changes keep source and binary compatibility within a major
 * version.
 */
package dev.minibatch.model;
