package dev.minibatch.test;

import dev.minibatch.spi.store.StreamStore;
import dev.minibatch.store.memory.MemoryStore;

class MemoryStoreContractTest extends StreamStoreContract implements KeyedStoreContract, TransactionalAppendContract, TableStoreContract {
    @Override
    protected StreamStore createStore() {
        return new MemoryStore();
    }
}
