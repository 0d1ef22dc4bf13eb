/**
 * The embedded {@code sqlite:} store (the default): streams in one SQLite file, shared by the
 * processes of one machine.
 *
 * <p><b>Stability: internal</b> (use it through {@code Minibatch.connect("sqlite:/path.db")}).
 */
package dev.minibatch.store.sqlite;
