package dev.minibatch.store.memory;

import dev.minibatch.model.ConfigurationException;
import dev.minibatch.spi.store.StoreProvider;
import dev.minibatch.spi.store.StreamStore;

/** {@code memory:} — a fresh in-process store per connection. */
public final class MemoryStoreProvider implements StoreProvider {

    @Override
    public String name() {
        return "memory";
    }

    @Override
    public String description() {
        return "in-process store, no persistence (tests, pipelines inside one JVM)";
    }

    @Override
    public StreamStore open(String url) {
        if (!url.equals("memory:") && !url.equals("memory://")) {
            throw new ConfigurationException("memory store URL must be 'memory:', was '" + url + "'");
        }
        return new MemoryStore();
    }
}
