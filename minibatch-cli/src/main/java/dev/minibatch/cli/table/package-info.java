/**
 * Table queries for the command and the status server: the JSON shapes of table entries and
 * listings ({@link dev.minibatch.cli.table.TableJson}), the errors for unknown tables and keys,
 * and the {@code GET /tables…} endpoints of {@code minibatch serve}
 * ({@link dev.minibatch.cli.table.TableEndpoints}). Everything reads through the public
 * {@link dev.minibatch.table.Table} API; nothing here writes.
 */
package dev.minibatch.cli.table;
