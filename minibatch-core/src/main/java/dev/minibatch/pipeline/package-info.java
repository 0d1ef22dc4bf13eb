/**
 * The machinery behind {@link dev.minibatch.Stage} (not API: public only for it; may change in any
 * release). Pipelines: stages that read input streams and append to an output stream through per-message
 * operators ({@code map}, {@code filter}, {@code flatMap}, {@code keyBy}) and {@code merge} of
 * several inputs. The output is an ordinary stream, so windows, emitters, sinks, the CLI and the
 * dashboard work on it unchanged.
 *
 * <pre>{@code
 * ConsumerHandle words = mb.stage("lines")
 *     .flatMap(line -> List.of(line.asText().split("\\s+")))
 *     .keyBy(word -> word.asText())
 *     .to("words")
 *     .start();
 * }</pre>
 *
 * <p>A {@link dev.minibatch.Stage} is a consumer like any other — leases, retries,
 * dead letters, competing instances, graceful stop, heartbeats — whose commit appends the outputs:
 * in the same transaction as the inputs' commit on {@link dev.minibatch.spi.store.TransactionalAppend}
 * stores (memory, SQLite), so each input's outputs exist exactly once; elsewhere outputs are
 * appended before the commit (at least once).
 *
 * <p><b>Stability: internal.</b>
 */
package dev.minibatch.pipeline;
