package dev.minibatch.mongo;

import com.mongodb.ErrorCategory;
import com.mongodb.MongoWriteException;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import java.time.Instant;
import org.bson.BsonDocument;
import org.bson.BsonInt64;
import org.bson.BsonString;
import org.bson.BsonValue;

/**
 * Compare-and-set of one document's revisions by unique-{@code _id} inserts, for servers whose
 * filtered updates are not atomic (FerretDB 1.24 reads, filters and writes back without re-checking:
 * a guarded {@code updateOne} can have several winners; an insert on {@code _id} has exactly one).
 *
 * <p><b>Documents.</b> The <em>head</em> is an ordinary document (a table entry, a table's size)
 * carrying its revision in a field; it is only a hint. Revision {@code r} of it is a marker
 * {@code {_id: "<prefix>\n<r>", table, kind, rev, doc, at}} in {@code minibatch_table_revisions}; {@code doc}
 * is the whole state at that revision. Whoever inserts marker {@code r + 1} first owns revision
 * {@code r + 1}; it then writes the head by {@code _id} and the revision it read, so a head write
 * never races another owner's, except that a stale head can be written back when two writers saw
 * the same stale head (harmless: see reading).
 *
 * <p><b>Reading</b> ({@link #read}) starts from the head and follows the markers of the next
 * revisions by {@code _id} (FerretDB answers exactly that filter from its index) until one is
 * missing: usually one probe that finds nothing. So a head that lags or went back never gives a
 * stale value, as long as the markers after it exist: the owner of revision {@code r} deletes the
 * marker of {@code r - }{@link #KEPT} (one {@code deleteOne} by {@code _id}), far behind any head a
 * writer in flight can leave.
 *
 * <p>Thread-safe; holds no state. A writer killed between its marker and its head write leaves a
 * lagging head, which readers and the next writer step over.
 */
final class RevisionChain {

    static final String REVISIONS = "minibatch_table_revisions";
    /** Markers kept behind the newest revision of a document. */
    static final long KEPT = 256;

    /** Writes a head: the state of {@code next} (its {@code rev} set), replacing the head read as {@code base}. */
    interface HeadWriter {
        void write(Head base, BsonDocument next);
    }

    /**
     * A document's newest revision as read.
     *
     * @param rev     the newest revision (0: never written)
     * @param doc     its state, or null at revision 0
     * @param head    the head document as stored, or null when there is none
     * @param headRev the revision the head document holds (0 when none)
     */
    record Head(long rev, BsonDocument doc, BsonDocument head, long headRev) {
    }

    private final MongoCollection<BsonDocument> revisions;
    private final String revField;

    /**
     * @param revField the field of the head (and of {@code doc}) that holds its revision
     */
    RevisionChain(MongoCollection<BsonDocument> revisions, String revField) {
        this.revisions = revisions;
        this.revField = revField;
    }

    static String markerId(String prefix, long rev) {
        return prefix + "\n" + rev;
    }

    /** The newest revision, from the stored head (null when absent) and the markers after it. */
    Head read(String prefix, BsonDocument head) {
        long headRev = head != null && head.isNumber(revField) ? head.getNumber(revField).longValue() : 0;
        long rev = headRev;
        BsonDocument doc = head;
        while (true) {
            BsonDocument marker = revisions.find(Filters.eq(Documents.ID, new BsonString(markerId(prefix, rev + 1)))).first();
            if (marker == null || !marker.isDocument("doc")) {
                return new Head(rev, rev == 0 ? null : doc, head, headRev);
            }
            rev++;
            doc = marker.getDocument("doc");
        }
    }

    /** The state at one revision, from its marker, or null when it is not (or no longer) kept. */
    BsonDocument revision(String prefix, long rev) {
        BsonDocument marker = revisions.find(Filters.eq(Documents.ID, new BsonString(markerId(prefix, rev)))).first();
        return marker == null || !marker.isDocument("doc") ? null : marker.getDocument("doc");
    }

    /**
     * Tries to make {@code next} revision {@code base.rev() + 1} (its {@code rev} field is set here).
     *
     * @return false when another writer owns that revision (read again and retry)
     */
    boolean write(String prefix, String table, String kind, Head base, BsonDocument next, Instant now, HeadWriter headWriter) {
        long rev = base.rev() + 1;
        next.put(revField, new BsonInt64(rev));
        try {
            revisions.insertOne(new BsonDocument(Documents.ID, new BsonString(markerId(prefix, rev)))
                    .append("table", new BsonString(table)).append("kind", new BsonString(kind)).append("rev", new BsonInt64(rev)).append("doc", next)
                    .append("at", Documents.date(now)));
        } catch (MongoWriteException e) {
            if (e.getError().getCategory() == ErrorCategory.DUPLICATE_KEY) {
                return false;
            }
            throw e;
        }
        headWriter.write(base, next);
        if (rev > KEPT) {
            revisions.deleteOne(Filters.eq(Documents.ID, new BsonString(markerId(prefix, rev - KEPT))));
        }
        return true;
    }

    /** Deletes every marker of the table (clear and drop; not atomic with writers running meanwhile). */
    long deleteTable(String table, String kind) {
        return revisions.deleteMany(Filters.and(Filters.eq("table", table), Filters.eq("kind", kind))).getDeletedCount();
    }

    /** Inserts a head that did not exist; false when another writer inserted one first (it then lags, harmlessly). */
    static boolean insertHead(MongoCollection<BsonDocument> heads, BsonDocument doc) {
        try {
            heads.insertOne(doc);
            return true;
        } catch (MongoWriteException e) {
            if (e.getError().getCategory() == ErrorCategory.DUPLICATE_KEY) {
                return false;
            }
            throw e;
        }
    }

    static BsonValue rev(long rev) {
        return new BsonInt64(rev);
    }
}
