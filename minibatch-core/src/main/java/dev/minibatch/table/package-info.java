/**
 * Tables: durable per-key JSON state materialised from keyed streams, in the stream's own store.
 *
 * <p><b>Writing.</b> Keyed consumers fold windows into a table: {@code aggregate(table, initial,
 * (state, window) -> state)}, {@code reduce(table, type, (a, b) -> c)} over message values,
 * {@code accumulate(table, initial, (state, value) -> state)} per message (streamz's name), or a
 * window function returning explicit {@link dev.minibatch.table.TableUpdates}. See
 * {@link dev.minibatch.Streaming}.
 *
 * <p><b>Delivery.</b> Exactly once into the table: a window's state updates are committed in the
 * same step as the window's claim — one transaction on memory and SQLite; on MongoDB, which the
 * test servers run without transactions, the claim's messages are moved aside with the window's
 * id before any state is touched and the state documents record the ids of the windows applied
 * to them, so a window is applied once and a dead consumer's half-done window is settled by the
 * next one (see minibatch-mongo's {@code MongoTables}). A lost lease applies nothing. A
 * state function that throws, or a value that cannot be stored ({@link TableValueException}),
 * fails the window: it is released with {@code attempts + 1} and retried, then dead-lettered; the
 * table stays as it was.
 *
 * <p><b>Ordering.</b> Update functions run at commit time against the committed value, so
 * competing consumers of one key never lose an update; with {@code workers(1)} one consumer
 * applies a key's windows in append order. Across competing consumers a key's windows may be
 * applied in any order, so the state function should be order-insensitive (sums, counts,
 * maxima) when several consumers share a stream.
 *
 * <p><b>Changelog.</b> {@code changelog(table, stream)} appends one message per changed key
 * (key = the table key, data = {@code {"table", "key", "value"}}, value null on removal) to an
 * ordinary stream in the same step.
 *
 * <p><b>Reading.</b> {@link dev.minibatch.table.Table} ({@code mb.table("counts")}) reads
 * committed state: {@code get}, paged {@code entries}, {@code size}; {@code clear} and
 * {@code drop}. Stores implement {@link dev.minibatch.spi.store.TableStore}.
 *
 * <p><b>Stability: stable API.</b>
 */
package dev.minibatch.table;

import dev.minibatch.model.TableValueException;
