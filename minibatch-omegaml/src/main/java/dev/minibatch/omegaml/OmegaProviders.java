package dev.minibatch.omegaml;

import dev.minibatch.spi.OptionSpec;
import dev.minibatch.spi.Options;
import dev.minibatch.spi.connector.Sink;
import dev.minibatch.spi.connector.Source;
import java.util.List;

/** {@code omegaml} source and sink by name; each opens its own connection and closes it when done. */
public final class OmegaProviders {
    private OmegaProviders() {
    }

    static final OptionSpec URL = OptionSpec.optional("url", OptionSpec.Type.STRING, null,
            "MongoDB URL of omega|ml's database (default OMEGA_MONGO_URL, MONGO_URL, omega|ml's default)");
    static final OptionSpec BUCKET = OptionSpec.optional("bucket", OptionSpec.Type.STRING, Omega.DEFAULT_BUCKET, "bucket");
    static final OptionSpec DATASET = OptionSpec.required("dataset", OptionSpec.Type.STRING, "dataset name");

    static Omega connect(Options options) {
        Omega.Builder b = Omega.builder().bucket(options.getString("bucket"));
        if (options.has("url")) {
            b.url(options.getString("url"));
        }
        return b.build();
    }

    /** Source {@code omegaml}: rows of a dataset into the stream. */
    public static final class SourceProvider implements dev.minibatch.spi.connector.SourceProvider {
        @Override
        public String name() {
            return "omegaml";
        }

        @Override
        public String description() {
            return "rows of an omega|ml dataset (pandas.dfrows, rawdict, python.data)";
        }

        @Override
        public List<OptionSpec> options() {
            return List.of(URL, BUCKET, DATASET,
                    OptionSpec.optional("follow", OptionSpec.Type.BOOLEAN, "false", "keep polling for new rows"),
                    OptionSpec.optional("raw", OptionSpec.Type.BOOLEAN, "false", "append stored documents unchanged"),
                    OptionSpec.optional("resume", OptionSpec.Type.BOOLEAN, "true", "continue after a restart"),
                    OptionSpec.optional("pollInterval", OptionSpec.Type.DURATION, "1s", "poll interval with follow"),
                    OptionSpec.optional("batchSize", OptionSpec.Type.INT, "1000", "rows per round trip"));
        }

        @Override
        public Source create(Options options) {
            Omega omega = connect(options);
            return new DatasetSource(omega, options.getString("dataset"))
                    .follow(options.getBoolean("follow", false))
                    .raw(options.getBoolean("raw", false))
                    .resume(options.getBoolean("resume", true))
                    .pollInterval(options.getDuration("pollInterval"))
                    .batchSize(options.getInt("batchSize", 1000))
                    .onFinish(omega::close);
        }
    }

    /** Sink {@code omegaml}: windows as rows of a dataset. */
    public static final class SinkProvider implements dev.minibatch.spi.connector.SinkProvider {
        @Override
        public String name() {
            return "omegaml";
        }

        @Override
        public String description() {
            return "rows into an omega|ml dataset (new datasets as pandas.rawdict)";
        }

        @Override
        public List<OptionSpec> options() {
            return List.of(URL, BUCKET, DATASET);
        }

        @Override
        public Sink create(Options options) {
            Omega omega = connect(options);
            return new DatasetSink(omega, options.getString("dataset")).onClose(omega::close);
        }
    }
}
