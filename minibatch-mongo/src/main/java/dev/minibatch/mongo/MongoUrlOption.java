package dev.minibatch.mongo;

import dev.minibatch.ConfigurationException;
import dev.minibatch.spi.Options;

/** The {@code url} option of the source and sink providers, with Python's environment fallbacks. */
final class MongoUrlOption {

    private MongoUrlOption() {
    }

    /** {@code url}, else {@code MINIBATCH_MONGO_URL}, else {@code MONGO_URL}, else a clear error. */
    static String resolve(Options options, String what) {
        for (String candidate : new String[] {options.getString("url"), System.getenv("MINIBATCH_MONGO_URL"),
                System.getenv("MONGO_URL")}) {
            if (candidate != null && !candidate.isBlank()) {
                return candidate.trim();
            }
        }
        throw new ConfigurationException(what + " needs option 'url' (mongodb://host[:port]/database), or"
                + " MINIBATCH_MONGO_URL or MONGO_URL in the environment");
    }
}
