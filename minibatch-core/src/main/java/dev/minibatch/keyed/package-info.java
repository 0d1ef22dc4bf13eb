/**
 * Keyed windows: {@code mb.streaming("s").keyBy(…)} with any emitter gives windows per key.
 *
 * <p>{@link dev.minibatch.keyed.KeyedEmitter} wraps a factory of ordinary emitters and runs one
 * emitter instance per key, each seeing the buffer through a context scoped to its key (peeks and
 * claims of that key only, a per-key {@code lastRead}, windows that carry the key). So a
 * {@code CountWindow(n)} yields n messages of one key, a time window one window per key per
 * interval, a session window one session per key; emitter authors write no key bookkeeping.
 *
 * <p>Keys come from a {@link dev.minibatch.keyed.KeySelector}: the stored message key (indexed by
 * {@link dev.minibatch.spi.store.KeyedStore}s, claimed per key by the store), or a field path / function
 * over the data for streams written without keys (Python producers): then each sweep reads the
 * pending messages (up to a scan limit) and claims by ids — correct on every store, but a cost of
 * O(pending) per sweep instead of one grouped count.
 *
 * <p>On a {@link dev.minibatch.spi.store.BatchClaims} store (SQLite) a count-style claim of one key also
 * claims the ready windows of the next keys of the sweep in the same store step, and the consumer
 * commits those windows together: a keyed window's rows are spread over the file, and one
 * transaction writes the pages neighbouring keys share once.
 *
 * <p><b>Stability: stable API</b> ({@link dev.minibatch.keyed.KeySelector}); {@link dev.minibatch.keyed.KeyedEmitter}
 * is evolving.
 */
package dev.minibatch.keyed;
