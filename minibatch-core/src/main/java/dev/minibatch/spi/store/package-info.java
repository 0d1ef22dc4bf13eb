/**
 * The SPI for store authors: {@link dev.minibatch.spi.store.StreamStore} (a named buffer of
 * messages with atomic, leased claims), its {@link dev.minibatch.spi.store.StoreProvider}, and the
 * optional capability mixins a store may add, each independent of the others and named for what it
 * adds: {@link dev.minibatch.spi.store.KeyedStore}, {@link dev.minibatch.spi.store.BatchClaims},
 * {@link dev.minibatch.spi.store.BatchTableCommits},
 * {@link dev.minibatch.spi.store.DeferredClaims}, {@link dev.minibatch.spi.store.TransactionalAppend},
 * {@link dev.minibatch.spi.store.TableStore}, {@link dev.minibatch.spi.store.AppendWakeups},
 * {@link dev.minibatch.spi.store.StreamActivity}. The runtime resolves them once per consumer as
 * {@link dev.minibatch.spi.store.StoreCapabilities}. {@code minibatch-test} has a compatibility
 * suite for each. {@link dev.minibatch.spi.store.TransactionalTableStore} spares a store author the
 * glue between two of them ({@code commitAndAppend} from {@code commitWithState}).
 *
 * <p><b>Stability: SPI, evolving.</b> New methods arrive as default methods or small mixins.
 */
package dev.minibatch.spi.store;
