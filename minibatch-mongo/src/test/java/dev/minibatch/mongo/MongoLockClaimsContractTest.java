package dev.minibatch.mongo;

import dev.minibatch.plugin.Providers;
import dev.minibatch.spi.store.StreamStore;

/**
 * The shared store suite on the emulator with {@code claims=locks}, the claim mode FerretDB gets
 * automatically: the lock documents, their recovery and the marker compare-and-set, on a server
 * whose own filters are atomic (so a flaw in the locks shows up here, not only on FerretDB).
 */
class MongoLockClaimsContractTest extends MongoStoreContractTest {

    private String lockUrl;

    @Override
    protected StreamStore createStore() {
        super.createStore().close();
        lockUrl = mongoUrl("claims=locks");
        StreamStore store = Providers.defaults().openStore(lockUrl);
        org.junit.jupiter.api.Assertions.assertEquals(MongoStoreOptions.ClaimMode.LOCKS, ((MongoStore) store).claimMode());
        return store;
    }

    @Override
    protected StreamStore reopenStore() {
        return Providers.defaults().openStore(lockUrl);
    }
}
