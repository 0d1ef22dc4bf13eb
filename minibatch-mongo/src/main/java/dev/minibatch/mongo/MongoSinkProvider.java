package dev.minibatch.mongo;

import dev.minibatch.spi.OptionSpec;
import dev.minibatch.spi.OptionSpec.Type;
import dev.minibatch.spi.Options;
import dev.minibatch.spi.connector.Sink;
import dev.minibatch.spi.connector.SinkProvider;
import java.util.List;

/** Sink {@code mongodb}: inserts each result into a collection, idempotent by window; see {@link MongoSink}. */
public final class MongoSinkProvider implements SinkProvider {

    @Override
    public String name() {
        return "mongodb";
    }

    @Override
    public String description() {
        return "inserts each window's result into a MongoDB collection (idempotent under retries)";
    }

    @Override
    public List<OptionSpec> options() {
        return List.of(
                MongoUrlOption.URL,
                MongoUrlOption.DATABASE,
                OptionSpec.required("collection", Type.STRING, "the collection to write"),
                OptionSpec.optional("idempotent", Type.BOOLEAN, "true",
                        "deterministic _ids per window so a retried window writes no duplicate rows"));
    }

    @Override
    public Sink create(Options options) {
        return new MongoSink(MongoUrlOption.resolve(options, "sink 'mongodb'"), options.getString("database"),
                options.getString("collection"), options.getBoolean("idempotent", true));
    }
}
