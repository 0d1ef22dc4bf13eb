package dev.minibatch.test;

import dev.minibatch.spi.store.StreamStore;
import dev.minibatch.store.memory.MemoryStore;

/** The memory store's in-process append notices. */
class MemoryAppendWakeupsTest extends AppendWakeupsContract {
    @Override
    protected StreamStore createStore() {
        return new MemoryStore();
    }
}
