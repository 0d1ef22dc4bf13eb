package dev.minibatch.omegaml;

import dev.minibatch.spi.connector.StreamWriter;
import com.fasterxml.jackson.databind.JsonNode;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.ReplaceOptions;
import com.mongodb.client.model.Sorts;
import dev.minibatch.mongo.BsonJson;
import dev.minibatch.spi.connector.Source;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.bson.BsonDocument;
import org.bson.BsonString;
import org.bson.BsonValue;
import org.bson.conversions.Bson;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Appends the rows of an omega|ml dataset to a stream, in row order: {@code pandas.dfrows} and
 * {@code serows} by {@code _om#rowid}, {@code pandas.rawdict} and {@code python.data} by
 * {@code _id}. Rows are appended as plain JSON objects ({@link OmegaDatasets} explains the
 * conversion); with {@code raw} the stored documents are appended as they are, {@code _id} and
 * all, as Python minibatch's DatasetSource does.
 *
 * <p>Unlike Python, the source remembers how far it got (per dataset and stream, in the
 * {@code minibatch_source_offsets} collection, written after each batch was appended), so a
 * restart continues instead of replaying the dataset; {@code resume(false)} replays like Python.
 * With {@code follow} it keeps polling for new rows until cancelled; otherwise it ends after the
 * rows present. A missing dataset is registered as {@code pandas.rawdict}, as Python does, so it
 * can be followed before its first row exists.
 *
 * <p>Lifecycle: one {@code stream} call at a time; {@code cancel} from any thread.
 */
public final class DatasetSource implements Source {

    private static final Logger LOG = LoggerFactory.getLogger(DatasetSource.class);
    private static final String OFFSETS = "minibatch_source_offsets";

    private final Omega omega;
    private final String dataset;
    private boolean follow;
    private boolean raw;
    private boolean resume = true;
    private int batchSize = 1000;
    private Duration pollInterval = Duration.ofSeconds(1);
    private Runnable onFinish = () -> { };
    private volatile boolean cancelled;

    public DatasetSource(Omega omega, String dataset) {
        this.omega = Objects.requireNonNull(omega, "omega");
        if (dataset == null || dataset.isBlank()) {
            throw new IllegalArgumentException("dataset name must not be empty");
        }
        this.dataset = dataset;
    }

    /** Keep polling for new rows until cancelled (default false: end after the rows present). */
    public DatasetSource follow(boolean keepFollowing) {
        this.follow = keepFollowing;
        return this;
    }

    /** Append stored documents unchanged, as Python does (default false: plain rows). */
    public DatasetSource raw(boolean asStored) {
        this.raw = asStored;
        return this;
    }

    /** Continue from the last appended row after a restart (default true); false replays like Python. */
    public DatasetSource resume(boolean continueWhereLeft) {
        this.resume = continueWhereLeft;
        return this;
    }

    /** Rows read and appended per round trip (default 1000). */
    public DatasetSource batchSize(int rows) {
        if (rows < 1) {
            throw new IllegalArgumentException("batchSize must be >= 1, was " + rows);
        }
        this.batchSize = rows;
        return this;
    }

    /** How often {@code follow} polls (default 1 s). */
    public DatasetSource pollInterval(Duration every) {
        if (every == null || every.isNegative() || every.isZero()) {
            throw new IllegalArgumentException("pollInterval must be positive, was " + every);
        }
        this.pollInterval = every;
        return this;
    }

    /** Runs when {@link #stream} returns (providers close their connection here). */
    DatasetSource onFinish(Runnable action) {
        this.onFinish = action;
        return this;
    }

    @Override
    public void stream(StreamWriter stream) throws Exception {
        try {
            run(stream);
        } finally {
            onFinish.run();
        }
    }

    private void run(StreamWriter stream) throws InterruptedException {
        OmegaDatasets datasets = omega.datasets();
        BsonDocument meta = datasets.ensure(dataset);
        String kind = OmegaDatasets.kind(meta);
        boolean byRowId = kind.equals(OmegaDatasets.DFROWS) || kind.equals(OmegaDatasets.SEROWS);
        String positionField = byRowId ? OmegaDatasets.ROWID : "_id";
        MongoCollection<BsonDocument> rows = datasets.collectionOf(meta, dataset);
        MongoCollection<BsonDocument> offsets = omega.database().getCollection(OFFSETS, BsonDocument.class);
        String offsetId = "omegaml-dataset:" + omega.bucket() + "/" + dataset + "->" + stream.name();
        BsonValue position = null;
        if (resume) {
            BsonDocument saved = offsets.find(Filters.eq("_id", offsetId)).first();
            position = saved == null ? null : saved.get("position");
        }
        while (!cancelled) {
            Bson filter = position == null ? new BsonDocument() : Filters.gt(positionField, position);
            if (position == null && byRowId) {
                filter = Filters.exists(OmegaDatasets.ROWID);
            }
            List<BsonDocument> batch = rows.find(filter).sort(Sorts.ascending(positionField, "_id")).limit(batchSize)
                    .into(new ArrayList<>());
            if (batch.isEmpty()) {
                if (!follow) {
                    return;
                }
                Thread.sleep(pollInterval.toMillis());
                // the kind may change when Python writes the first frame into a registered dataset
                BsonDocument fresh = datasets.find(dataset);
                if (fresh != null && !OmegaDatasets.kind(fresh).equals(kind)) {
                    meta = fresh;
                    kind = OmegaDatasets.kind(fresh);
                    byRowId = kind.equals(OmegaDatasets.DFROWS) || kind.equals(OmegaDatasets.SEROWS);
                    positionField = byRowId ? OmegaDatasets.ROWID : "_id";
                    position = null;
                }
                continue;
            }
            BsonDocument kindMeta = OmegaDatasets.kindMeta(meta);
            List<JsonNode> values = new ArrayList<>(batch.size());
            for (BsonDocument doc : batch) {
                values.add(raw ? BsonJson.toJson(doc) : OmegaDatasets.row(doc, kind, kindMeta));
            }
            stream.appendAll(values);
            stream.flush();
            position = batch.get(batch.size() - 1).get(positionField);
            if (resume) {
                offsets.replaceOne(Filters.eq("_id", offsetId), new BsonDocument("_id", new BsonString(offsetId))
                        .append("position", position), new ReplaceOptions().upsert(true));
            }
            LOG.debug("dataset '{}' → stream '{}': appended {} rows", dataset, stream.name(), values.size());
        }
    }

    @Override
    public void cancel() {
        cancelled = true;
    }

    @Override
    public String toString() {
        return "DatasetSource[" + omega.bucket() + "/" + dataset + (follow ? ", follow" : "") + "]";
    }
}
