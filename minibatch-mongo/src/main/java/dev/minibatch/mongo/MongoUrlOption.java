package dev.minibatch.mongo;

import dev.minibatch.model.ConfigurationException;
import dev.minibatch.spi.OptionSpec;
import dev.minibatch.spi.Options;

/** The {@code url} and {@code database} options the source and sink providers share. */
final class MongoUrlOption {

    static final OptionSpec URL = OptionSpec.optional("url", OptionSpec.Type.STRING, null,
            "mongodb://host[:port]/database (default: MINIBATCH_MONGO_URL, then MONGO_URL)");
    static final OptionSpec DATABASE = OptionSpec.optional("database", OptionSpec.Type.STRING, null,
            "database, if not the URL's");

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
