package dev.minibatch.mongo;

import static dev.minibatch.mongo.Documents.STREAM;
import static dev.minibatch.mongo.Documents.date;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import dev.minibatch.model.ConsumerStats;
import dev.minibatch.model.ConsumerStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.bson.BsonBoolean;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonString;

/**
 * Consumer heartbeats in the Java-only collection {@code minibatch_consumers} (Python never reads
 * it): one document per consumer, replaced on each heartbeat, day-old ones pruned hourly.
 * Thread-safe; the caller turns driver failures into {@code StoreException}s.
 */
final class ConsumerHeartbeats {

    private static final Duration PRUNE_CONSUMERS_EVERY = Duration.ofHours(1);

    private final MongoCollection<BsonDocument> consumers;
    /** The heartbeat collection is indexed on first use: producers never create it. */
    private volatile boolean consumersIndexed;
    /** When heartbeats last pruned day-old consumers, by stream. */
    private final Map<String, Instant> lastPrune = new ConcurrentHashMap<>();

    ConsumerHeartbeats(MongoDatabase database) {
        this.consumers = database.getCollection("minibatch_consumers", BsonDocument.class);
    }

    void heartbeat(ConsumerStatus status) {
        if (!consumersIndexed) {
            consumers.createIndex(new BsonDocument(STREAM, new BsonInt32(1)).append("last_seen", new BsonInt32(-1)));
            consumersIndexed = true;
        }
        ConsumerStats st = status.stats();
        BsonDocument doc = new BsonDocument("_id", new BsonString(status.stream() + "\n" + status.consumerId()))
                .append(STREAM, new BsonString(status.stream()))
                .append("consumer_id", new BsonString(status.consumerId()))
                .append("emitter", new BsonString(String.valueOf(status.emitter())))
                .append("started", date(status.started()))
                .append("last_seen", date(status.lastSeen()))
                .append("windows", new org.bson.BsonInt64(st.windows()))
                .append("messages", new org.bson.BsonInt64(st.messages()))
                .append("failures", new org.bson.BsonInt64(st.failures()))
                .append("dead_lettered", new org.bson.BsonInt64(st.deadLettered()))
                .append("leases_lost", new org.bson.BsonInt64(st.leasesLost()))
                .append("in_flight", new BsonInt32(st.inFlight()))
                .append("stopped", BsonBoolean.valueOf(status.stopped()));
        consumers.replaceOne(Filters.eq("_id", doc.get("_id")), doc, new com.mongodb.client.model.ReplaceOptions().upsert(true));
        // one command per heartbeat: forgetting day-old consumers can wait an hour
        Instant pruned = lastPrune.get(status.stream());
        if (pruned == null || !status.lastSeen().isBefore(pruned.plus(PRUNE_CONSUMERS_EVERY))
                || status.lastSeen().isBefore(pruned)) {
            lastPrune.put(status.stream(), status.lastSeen());
            consumers.deleteMany(Filters.and(Filters.eq(STREAM, status.stream()),
                    Filters.lt("last_seen", date(status.lastSeen().minus(Duration.ofDays(1))))));
        }
    }

    List<ConsumerStatus> consumers(String stream, Instant since) {
        List<ConsumerStatus> out = new ArrayList<>();
        for (BsonDocument d : consumers.find(Filters.and(Filters.eq(STREAM, stream), Filters.gte("last_seen", date(since))))
                .sort(new BsonDocument("last_seen", new BsonInt32(-1)))) {
            out.add(new ConsumerStatus(stream, d.getString("consumer_id").getValue(), d.getString("emitter").getValue(),
                    Documents.instantOrEpoch(d.get("started")), Documents.instantOrEpoch(d.get("last_seen")),
                    new ConsumerStats(d.getNumber("windows").longValue(), d.getNumber("messages").longValue(),
                            d.getNumber("failures").longValue(), d.getNumber("dead_lettered").longValue(),
                            d.getNumber("leases_lost").longValue(), d.getNumber("in_flight").intValue()),
                    d.getBoolean("stopped").getValue()));
        }
        return out;
    }
}
