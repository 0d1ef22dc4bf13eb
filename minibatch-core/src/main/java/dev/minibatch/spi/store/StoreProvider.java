package dev.minibatch.spi.store;

import dev.minibatch.spi.Provider;
import java.util.List;

/**
 * Opens stores for URL schemes ({@code memory:}, {@code sqlite:}, {@code mongodb://}).
 * {@link #name()} is the main scheme; {@link #schemes()} may add aliases.
 */
public interface StoreProvider extends Provider {

    /**
     * The URL schemes handled, lower case, without the colon. Default: {@code name()}.
     *
     * @return the schemes
     */
    default List<String> schemes() {
        return List.of(name());
    }

    /**
     * Opens a store, failing fast with a {@link dev.minibatch.model.StoreException} naming the URL (with
     * any password removed) when it cannot be reached or written.
     *
     * @param url the store's URL
     * @return the open store
     */
    StreamStore open(String url);
}
