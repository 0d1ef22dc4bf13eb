package dev.minibatch.mongo;

import dev.minibatch.model.ConfigurationException;
import dev.minibatch.spi.OptionSpec;
import dev.minibatch.spi.OptionSpec.Type;
import dev.minibatch.spi.Options;
import dev.minibatch.spi.connector.Source;
import dev.minibatch.spi.connector.SourceProvider;
import java.util.List;
import java.util.Locale;

/** Source {@code mongodb}: a collection's inserted documents, resumable; see {@link MongoSource}. */
public final class MongoSourceProvider implements SourceProvider {

    @Override
    public String name() {
        return "mongodb";
    }

    @Override
    public String description() {
        return "documents inserted into a MongoDB collection (change streams or polling; resumes after a restart)";
    }

    @Override
    public List<OptionSpec> options() {
        return List.of(
                MongoUrlOption.URL,
                MongoUrlOption.DATABASE,
                OptionSpec.required("collection", Type.STRING, "the collection to read"),
                OptionSpec.optional("idField", Type.STRING, "_id", "ordered field polling reads by (Python's idcol)"),
                OptionSpec.optional("batchSize", Type.INT, "100", "documents per read and per append"),
                OptionSpec.optional("pollInterval", Type.DURATION, "100ms", "wait when nothing new arrived"),
                OptionSpec.optional("changeStream", Type.STRING, "auto", "auto, true (required) or false (always poll)"),
                OptionSpec.optional("offsetKey", Type.STRING, null, "key of the saved position (default <db>.<collection>-><stream>)"),
                OptionSpec.optional("offsetsCollection", Type.STRING, MongoSource.DEFAULT_OFFSETS_COLLECTION,
                        "collection holding saved positions"),
                OptionSpec.optional("start", Type.STRING, "earliest", "without a saved position: earliest or latest"));
    }

    @Override
    public Source create(Options options) {
        String url = MongoUrlOption.resolve(options, "source 'mongodb'");
        MongoConnection.Target target = MongoConnection.parse(url, "source 'mongodb'", MongoStoreProvider.OPTIONS,
                options.getString("database"));
        MongoSource.Builder builder = MongoSource.builderFor(target, options.getString("collection"));
        builder.idField(options.getString("idField"))
                .batchSize(options.getInt("batchSize"))
                .pollInterval(options.getDuration("pollInterval"))
                .offsetsCollection(options.getString("offsetsCollection"))
                .offsetKey(options.getString("offsetKey"));
        builder.changeStreams(switch (options.getString("changeStream").toLowerCase(Locale.ROOT)) {
            case "auto" -> MongoSource.ChangeStreams.AUTO;
            case "true", "on", "yes" -> MongoSource.ChangeStreams.ON;
            case "false", "off", "no" -> MongoSource.ChangeStreams.OFF;
            default -> throw new ConfigurationException("source 'mongodb': option 'changeStream' must be auto, true or false, was '"
                    + options.getString("changeStream") + "'");
        });
        builder.startAtEnd(switch (options.getString("start").toLowerCase(Locale.ROOT)) {
            case "earliest" -> false;
            case "latest" -> true;
            default -> throw new ConfigurationException("source 'mongodb': option 'start' must be earliest or latest, was '"
                    + options.getString("start") + "'");
        });
        return builder.build();
    }
}
