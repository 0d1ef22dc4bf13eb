/**
 * The API: {@link dev.minibatch.Minibatch} (a client of one store), {@link dev.minibatch.Stream}
 * (append, buffer, dead letters), {@link dev.minibatch.Streaming} (configure and start a consumer),
 * {@link dev.minibatch.Stage} (pipelines) and {@link dev.minibatch.Attachment} (a source feeding a
 * stream). The values they exchange — messages, windows, stream and consumer figures, exceptions —
 * are in {@link dev.minibatch.model}.
 *
 * <p><b>Stability: stable API.</b> Changes keep source and binary compatibility within a major
 * version.
 */
package dev.minibatch;
