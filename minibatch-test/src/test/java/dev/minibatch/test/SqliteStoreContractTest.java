package dev.minibatch.test;

import dev.minibatch.plugin.Providers;
import dev.minibatch.spi.store.StreamStore;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

class SqliteStoreContractTest extends PersistentStoreContract implements KeyedStoreContract, TransactionalAppendContract,
        TableStoreContract, BatchClaimsContract, DeferredClaimsContract {
    @TempDir
    Path dir;

    @Override
    protected StreamStore createStore() {
        return Providers.defaults().openStore("sqlite:" + dir.resolve("contract.db"));
    }

    @Override
    protected StreamStore reopenStore() {
        return createStore();
    }

    @Override
    public StreamStore otherStore() {
        return createStore();
    }
}
