package dev.minibatch.mongo;

import com.mongodb.ErrorCategory;
import com.mongodb.MongoBulkWriteException;
import com.mongodb.bulk.BulkWriteError;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.InsertManyOptions;
import com.mongodb.client.model.Projections;
import dev.minibatch.spi.store.NewMessage;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.bson.BsonDocument;
import org.bson.BsonObjectId;
import org.bson.BsonString;
import org.bson.BsonValue;
import org.bson.types.ObjectId;

/**
 * Appends of messages with an origin ({@link NewMessage#withOrigin}: pipeline stage outputs),
 * which MongoDB cannot join to the input window's commit in one transaction: each document gets an
 * {@code _id} derived from (stream, origin), so a stage window retried after its outputs were
 * appended but before its commit (a crash, a lost lease) inserts the same ids again, the server
 * refuses them as duplicate keys, and the refusal is taken as "appended already". The insert is
 * unordered, so the other documents of the batch are stored regardless.
 *
 * <p><b>Ids</b> are ObjectIds, so Python minibatch reads, marks and deletes them like its own:
 * bytes 0–3 the input message's ObjectId timestamp, 4–6 its counter (both from 3 bytes of the hash
 * for other origins), 7–8 the output's index within its input, 9–11 three bytes of
 * SHA-256(stream, origin). A window's outputs share one {@code created} time and the store orders
 * by {@code created}, then {@code _id}: so the outputs of inputs from one producer keep input
 * order, and an input's outputs their index order.
 *
 * <p><b>Nothing is dropped by a collision:</b> every document stores its origin (an extra field,
 * {@code origin}, that Python ignores), and a duplicate-key refusal counts as appended only when
 * the stored document has the same stream and origin; a different message whose derived id merely
 * collided is stored under a fresh ObjectId. Idempotence lasts while the first copy is stored: an
 * output a downstream consumer already consumed and deleted before the retry is appended again
 * (at least once for that consumer).
 *
 * <p>Stateless; thread-safe.
 */
final class IdempotentAppends {

    static final String ORIGIN = "origin";

    private IdempotentAppends() {
    }

    /** Whether any message carries an origin (then {@link #insert} stores the batch). */
    static boolean any(List<NewMessage> messages) {
        for (NewMessage m : messages) {
            if (m.origin() != null) {
                return true;
            }
        }
        return false;
    }

    /**
     * Inserts {@code docs} ({@code docs.get(i)} is {@code messages.get(i)}'s document): those with
     * an origin under their derived id with the origin stored, skipping the ones stored before.
     *
     * @return how many documents were inserted now
     */
    static int insert(MongoCollection<BsonDocument> buffer, String stream, List<BsonDocument> docs, List<NewMessage> messages) {
        for (int i = 0; i < docs.size(); i++) {
            String origin = messages.get(i).origin();
            if (origin != null) {
                docs.get(i).put(Documents.ID, derivedId(stream, origin));
                docs.get(i).put(ORIGIN, new BsonString(origin));
            }
        }
        return insertSkippingOwnDuplicates(buffer, docs);
    }

    private static int insertSkippingOwnDuplicates(MongoCollection<BsonDocument> buffer, List<BsonDocument> docs) {
        try {
            buffer.insertMany(docs, new InsertManyOptions().ordered(false));
            return docs.size();
        } catch (MongoBulkWriteException e) {
            List<BsonDocument> refused = new ArrayList<>();
            for (BulkWriteError error : e.getWriteErrors()) {
                BsonDocument doc = docs.get(error.getIndex());
                if (ErrorCategory.fromErrorCode(error.getCode()) != ErrorCategory.DUPLICATE_KEY || !doc.containsKey(ORIGIN)) {
                    throw e;
                }
                refused.add(doc);
            }
            List<BsonValue> ids = new ArrayList<>(refused.size());
            refused.forEach(d -> ids.add(d.get(Documents.ID)));
            Map<BsonValue, BsonDocument> stored = new HashMap<>();
            buffer.find(Filters.in(Documents.ID, ids)).projection(Projections.include(Documents.STREAM, ORIGIN))
                    .forEach(d -> stored.put(d.get(Documents.ID), d));
            List<BsonDocument> collided = new ArrayList<>();
            for (BsonDocument doc : refused) {
                BsonDocument there = stored.get(doc.get(Documents.ID));
                if (there != null && Objects.equals(there.get(Documents.STREAM), doc.get(Documents.STREAM))
                        && Objects.equals(there.get(ORIGIN), doc.get(ORIGIN))) {
                    continue; // appended by an earlier attempt of the same window
                }
                doc.put(Documents.ID, new BsonObjectId(new ObjectId())); // another message: never drop it
                collided.add(doc);
            }
            int inserted = docs.size() - refused.size();
            return collided.isEmpty() ? inserted : inserted + insertSkippingOwnDuplicates(buffer, collided);
        }
    }

    /** The id of the message with {@code origin} in {@code stream}; the same on every call. */
    static BsonObjectId derivedId(String stream, String origin) {
        byte[] hash = sha256(stream + "\n" + origin);
        ByteBuffer id = ByteBuffer.allocate(12);
        ObjectId input = null;
        int index = -1;
        // a stage's origin: <input stream>/<input id>#<index or "dead">
        int hashMark = origin.lastIndexOf('#');
        int slash = hashMark < 0 ? -1 : origin.lastIndexOf('/', hashMark);
        if (slash >= 0) {
            String inputId = origin.substring(slash + 1, hashMark);
            String suffix = origin.substring(hashMark + 1);
            if (ObjectId.isValid(inputId)) {
                input = new ObjectId(inputId);
            }
            if (suffix.equals("dead")) {
                index = 0xFFFF;
            } else if (!suffix.isEmpty() && suffix.chars().allMatch(Character::isDigit) && suffix.length() < 10) {
                index = Integer.parseInt(suffix) & 0xFFFF;
            }
        }
        if (input != null) {
            byte[] in = input.toByteArray();
            id.put(in, 0, 4).put(in, 9, 3); // timestamp, then counter: input order within a producer
        } else {
            id.put(hash, 3, 7);
        }
        if (index >= 0) {
            id.putShort((short) index);
        } else {
            id.put(hash, 10, 2);
        }
        id.put(hash, 0, 3);
        return new BsonObjectId(new ObjectId(id.array()));
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM has no SHA-256", e); // every Java platform must have it
        }
    }
}
