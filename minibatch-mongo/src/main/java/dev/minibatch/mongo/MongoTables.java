package dev.minibatch.mongo;

import static dev.minibatch.mongo.Documents.AVAILABLE_AT;
import static dev.minibatch.mongo.Documents.ATTEMPTS;
import static dev.minibatch.mongo.Documents.ERROR;
import static dev.minibatch.mongo.Documents.ID;
import static dev.minibatch.mongo.Documents.LEASE_OWNER;
import static dev.minibatch.mongo.Documents.LEASE_TOKEN;
import static dev.minibatch.mongo.Documents.LEASE_UNTIL;
import static dev.minibatch.mongo.Documents.PROCESSED;
import static dev.minibatch.mongo.Documents.STREAM;
import static dev.minibatch.mongo.Documents.date;
import static dev.minibatch.mongo.Documents.instant;

import com.fasterxml.jackson.databind.JsonNode;
import com.mongodb.ErrorCategory;
import com.mongodb.MongoWriteException;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Projections;
import com.mongodb.client.model.UpdateOptions;
import com.mongodb.client.model.Updates;
import dev.minibatch.spi.store.CommitEffects;
import dev.minibatch.spi.store.NewMessage;
import dev.minibatch.spi.store.StateUpdate;
import dev.minibatch.model.TableEntry;
import dev.minibatch.model.TableInfo;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.bson.BsonArray;
import org.bson.BsonBoolean;
import org.bson.BsonDocument;
import org.bson.BsonInt64;
import org.bson.BsonString;
import org.bson.BsonValue;
import org.bson.conversions.Bson;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The MongoDB store's tables, without transactions (the test servers have none): exactly once by
 * window ids recorded in the state documents.
 *
 * <p><b>Documents.</b> {@code minibatch_table_entries}: one per key, {@code {_id: {table, key},
 * table, key, value, version, rev, updated, windows: [ids of the last 64 windows applied]}} ({@code
 * removed: true} and no value once removed, so the window ids outlive the value);
 * {@code minibatch_tables}: one per table, {@code {_id: name, size, updates, last_update}}. Python
 * minibatch never reads either.
 *
 * <p><b>A window's commit</b> ({@link #commit}), window id W = the claim's token:
 * <ol>
 *   <li>the claimed messages still held by the token are moved aside in one {@code updateMany}:
 *       their {@code stream} becomes {@code <stream>} + U+0001 + {@code committing}, out of reach of claims and
 *       of lease recovery, and they carry W and the table entries W will touch; fewer than
 *       expected (a lost lease) puts them back and applies nothing;</li>
 *   <li>every update function runs against the committed values (a throw puts the messages back,
 *       still claimed, and fails the window with nothing changed); changelog entries are appended;</li>
 *   <li>each entry is written by compare-and-set on {@code rev}, adding W to its {@code windows},
 *       and skipped when W is already there (a conflict with a competing consumer re-reads and
 *       re-runs the function);</li>
 *   <li>the moved messages are deleted (or, with {@code keep}, returned as DONE).</li>
 * </ol>
 * A consumer killed after step 1 leaves its messages aside. {@link #recover} (run by table
 * consumers about once a second per stream) finds moved messages whose lease has lapsed: when every
 * entry they name holds W, the window was applied and they are committed; when none does, they go
 * back to PENDING with {@code attempts + 1} and are counted again by a later window. So a crash
 * never counts a message twice or loses it. Limits, stated: a window that updates several entries
 * and dies between two of them is committed with the entries it reached (logged as an error;
 * built-in keyed operators write one entry per table per window); a commit that outlives its own
 * lease can race with recovery; the changelog is at least once on a crash (an entry may repeat,
 * or show a value that the retried window then corrects); a consumer killed between its entries and
 * the table's {@code $inc} leaves the size one off until the table is cleared. With lock claims
 * (FerretDB) the store uses {@link LockTables} instead. A table's size ({@code size} in its
 * {@code minibatch_tables} document) and update count are incremented after the writes, by the
 * writers that created or removed entries, in one {@code $inc}.
 */
final class MongoTables implements TableProtocol {

    private static final Logger LOG = LoggerFactory.getLogger(MongoTables.class);

    static final String ENTRIES = "minibatch_table_entries";
    static final String TABLES = "minibatch_tables";
    /** The live entries of a table, in its {@code minibatch_tables} document. */
    static final String SIZE = "size";
    /** Where moved messages wait (control characters are never in stream names). */
    static final String COMMITTING = "\u0001committing";
    /** Where a window's stage outputs wait until it is decided. */
    static final String OUTPUT = "\u0001output";
    static final String TABLE_WINDOW = "table_window";
    static final String TABLE_STREAM = "table_stream";
    static final String TABLE_KEEP = "table_keep";
    static final String TABLE_ENTRIES = "table_entries";
    static final String TABLE_OUTPUTS = "table_outputs";
    static final String TABLE_DECIDED = "table_decided";
    /** Window ids kept per entry: more than the windows that can be in flight for one key. */
    static final int REMEMBERED_WINDOWS = 64;
    private static final long RECOVER_EVERY_MILLIS = 1000;
    private static final int MAX_CAS_TRIES = 1000;

    private final MongoStore store;
    private final MongoCollection<BsonDocument> buffer;
    private final MongoCollection<BsonDocument> windowDocs;
    private final MongoCollection<BsonDocument> entries;
    private final MongoCollection<BsonDocument> tables;
    private final Map<String, Long> nextRecovery = new ConcurrentHashMap<>();
    /** Streams this store committed with state or outputs, or recovered for a table consumer: their claims also settle. */
    private final java.util.Set<String> inUse = ConcurrentHashMap.newKeySet();
    private volatile boolean indexed;

    /**
     * @param windowDocs the store's Python window documents, or null if it writes none
     */
    MongoTables(MongoStore store, MongoDatabase database, MongoCollection<BsonDocument> buffer,
                MongoCollection<BsonDocument> windowDocs) {
        this.store = store;
        this.buffer = buffer;
        this.windowDocs = windowDocs;
        this.entries = database.getCollection(ENTRIES, BsonDocument.class);
        this.tables = database.getCollection(TABLES, BsonDocument.class);
    }

    private void ensureIndexes() {
        if (!indexed) {
            StoreIndexes.ensure(entries, List.of(new StoreIndexes.Index(
                    new BsonDocument("table", new org.bson.BsonInt32(1)).append("key", new org.bson.BsonInt32(1)), new IndexOptions())));
            indexed = true;
        }
    }

    static String committing(String stream) {
        return stream + COMMITTING;
    }

    static BsonDocument entryId(String table, String key) {
        return new BsonDocument("table", new BsonString(table)).append("key", new BsonString(key));
    }

    // ---- queries ------------------------------------------------------------------------------

    @Override
    public Optional<TableEntry> entry(String table, String key) {
        BsonDocument doc = entries.find(Filters.eq(ID, entryId(table, key))).first();
        return doc == null || doc.getBoolean("removed", BsonBoolean.FALSE).getValue() ? Optional.empty() : Optional.of(entry(doc));
    }

    static TableEntry entry(BsonDocument doc) {
        Instant updated = instant(doc.get("updated"));
        return new TableEntry(doc.getString("key").getValue(), BsonJson.toJson(doc.get("value")),
                doc.getNumber("version").longValue(), updated == null ? Instant.EPOCH : updated);
    }

    private static Bson live(String table) {
        return Filters.and(Filters.eq("table", table), Filters.ne("removed", true));
    }

    @Override
    public List<TableEntry> entries(String table, String afterKey, int limit) {
        ensureIndexes();
        return TableDocuments.page(entries, live(table), doc -> doc, afterKey, limit); // removed ones are filtered out by the server
    }

    @Override
    public MongoCollection<BsonDocument> tables() {
        return tables;
    }

    @Override
    public TableInfo info(BsonDocument meta) {
        String name = meta.getString(ID).getValue();
        // tables written before the counter existed have no size: counted then
        long size = meta.isNumber(SIZE) ? meta.getNumber(SIZE).longValue() : entries.countDocuments(live(name));
        return new TableInfo(name, size, updates(meta), instant(meta.get("last_update")));
    }

    static long updates(BsonDocument meta) {
        return meta.isNumber("updates") ? meta.getNumber("updates").longValue() : 0;
    }

    @Override
    public long clear(String table) {
        long n = entries.deleteMany(Filters.eq("table", table)).getDeletedCount();
        tables.updateOne(Filters.eq(ID, table), Updates.set(SIZE, new BsonInt64(0)));
        return n;
    }

    @Override
    public boolean drop(String table) {
        entries.deleteMany(Filters.eq("table", table));
        return tables.deleteOne(Filters.eq(ID, table)).getDeletedCount() > 0;
    }

    // ---- commit -------------------------------------------------------------------------------

    /** One entry's chain of update functions within a window. */
    static final class Slot {
        final String table;
        final String key;
        final List<StateUpdate.Function> functions = new ArrayList<>();
        JsonNode value;
        boolean alreadyApplied;

        Slot(String table, String key) {
            this.table = table;
            this.key = key;
        }

        JsonNode run(JsonNode current) {
            JsonNode v = current;
            for (StateUpdate.Function f : functions) {
                v = f.apply(v);
            }
            return v;
        }
    }

    /**
     * See the class comment.
     *
     * @param ids the ids the claim took, when this store made it (else the token alone finds them)
     */
    @Override
    public int commit(String stream, String token, boolean keep, int expected, CommitEffects effects, List<BsonValue> ids) {
        ensureIndexes();
        inUse.add(stream);
        Map<List<String>, Slot> slots = new LinkedHashMap<>();
        for (StateUpdate u : effects.updates()) {
            slots.computeIfAbsent(List.of(u.table(), u.key()), k -> new Slot(u.table(), u.key())).functions.add(u.function());
        }
        BsonArray touched = new BsonArray();
        slots.values().forEach(s -> touched.add(entryId(s.table, s.key)));
        BsonDocument outputs = new BsonDocument(); // stream → count of outputs this window appends (changelogs excluded)
        effects.appends().forEach((out, list) -> {
            if (!list.isEmpty()) {
                outputs.append(out, new BsonInt64(list.size()));
            }
        });
        Bson held = Filters.and(Filters.eq(LEASE_TOKEN, token), Filters.eq(STREAM, stream), Filters.eq(PROCESSED, true));
        if (ids != null) {
            held = Filters.and(held, Filters.in(ID, ids));
        }
        // 1. move the messages aside, marked with the window and the entries it touches
        long moved = buffer.updateMany(held, Updates.combine(Updates.set(STREAM, committing(stream)),
                Updates.set(TABLE_WINDOW, token), Updates.set(TABLE_STREAM, stream), Updates.set(TABLE_KEEP, keep),
                Updates.set(TABLE_ENTRIES, touched), Updates.set(TABLE_OUTPUTS, outputs))).getMatchedCount();
        if (moved != expected) {
            putBack(stream, token, outputs.keySet());
            return 0;
        }
        // 2. run every function against the committed values before writing anything
        Map<List<String>, BsonDocument> read = new LinkedHashMap<>();
        try {
            for (Map.Entry<List<String>, Slot> e : slots.entrySet()) {
                BsonDocument doc = entries.find(Filters.eq(ID, entryId(e.getValue().table, e.getValue().key))).first();
                read.put(e.getKey(), doc);
                e.getValue().alreadyApplied = applied(doc, token);
                if (!e.getValue().alreadyApplied) {
                    e.getValue().value = e.getValue().run(currentValue(doc));
                }
            }
        } catch (RuntimeException e) {
            putBack(stream, token, outputs.keySet()); // still claimed: the consumer releases the window as failed
            throw e;
        }
        Map<String, List<NewMessage>> changelog = new LinkedHashMap<>();
        for (Slot s : slots.values()) {
            String log = effects.changelogs().get(s.table);
            if (log != null && !s.alreadyApplied) {
                changelog.computeIfAbsent(log, x -> new ArrayList<>()).add(CommitEffects.changelogMessage(s.table, s.key, s.value, effects.now()));
            }
        }
        TableDocuments.writeHiddenOutputs(store, buffer, token, effects);
        changelog.forEach(store::append);
        // 3. compare-and-set each entry, recording the window
        Map<String, Long> counts = new LinkedHashMap<>();
        Map<String, Long> sizes = new LinkedHashMap<>();
        int written = 0;
        for (Map.Entry<List<String>, Slot> e : slots.entrySet()) {
            Slot s = e.getValue();
            try {
                sizes.merge(s.table, (long) write(s, read.get(e.getKey()), token, effects,
                        changelog.isEmpty() ? null : effects.changelogs().get(s.table)), Long::sum);
            } catch (RuntimeException failure) {
                if (written == 0) {
                    putBack(stream, token, outputs.keySet());
                    throw failure;
                }
                LOG.error("window {} of stream '{}' updated {} of {} table entries before {} failed; committing it with"
                        + " those (the rest miss this window's update)", token, stream, written, slots.size(), s.table + "/" + s.key, failure);
                break;
            }
            written++;
            counts.merge(s.table, (long) s.functions.size(), Long::sum);
        }
        for (Map.Entry<String, Long> c : counts.entrySet()) {
            // the size moves by the entries this window created or removed (each by the one writer that won it)
            countUpdates(tables, c.getKey(), Updates.combine(Updates.inc("updates", c.getValue()),
                    Updates.inc(SIZE, sizes.getOrDefault(c.getKey(), 0L)), Updates.set("last_update", date(effects.now()))));
        }
        // 4. commit the moved messages
        finish(stream, token, keep, outputs);
        return (int) moved;
    }

    static int sizeDelta(boolean wasLive, boolean isLive) {
        return wasLive == isLive ? 0 : isLive ? 1 : -1;
    }

    static boolean applied(BsonDocument doc, String window) {
        if (doc == null || !doc.isArray("windows")) {
            return false;
        }
        for (BsonValue w : doc.getArray("windows")) {
            if (w.isString() && w.asString().getValue().equals(window)) {
                return true;
            }
        }
        return false;
    }

    static JsonNode currentValue(BsonDocument doc) {
        if (doc == null || doc.getBoolean("removed", BsonBoolean.FALSE).getValue() || !doc.containsKey("value")) {
            return null;
        }
        return BsonJson.toJson(doc.get("value"));
    }

    /**
     * The table document's update, upserted. Two first writers of a table can both insert on a
     * server that does not re-check (FerretDB: the loser gets a duplicate key, or a reply without
     * {@code n} the driver cannot parse); the loser's update is then applied to the winner's document.
     */
    static void countUpdates(MongoCollection<BsonDocument> tables, String table, Bson update) {
        try {
            tables.updateOne(Filters.eq(ID, table), update, new UpdateOptions().upsert(true));
        } catch (MongoWriteException | org.bson.BsonInvalidOperationException e) {
            boolean duplicate = e instanceof MongoWriteException w && w.getError().getCategory() == ErrorCategory.DUPLICATE_KEY;
            if (!duplicate && (e instanceof MongoWriteException || tables.find(Filters.eq(ID, table)).first() == null)) {
                throw e;
            }
            tables.updateOne(Filters.eq(ID, table), update);
        }
    }

    /**
     * Writes one entry by compare-and-set; on a conflict re-reads and re-runs its functions.
     *
     * @return how the table's size moved: 1 when the entry was created, -1 when removed, else 0
     */
    private int write(Slot s, BsonDocument doc, String window, CommitEffects effects, String changelogStream) {
        BsonDocument current = doc;
        for (int attempt = 0; attempt < MAX_CAS_TRIES; attempt++) {
            if (applied(current, window)) {
                return 0;
            }
            if (attempt > 0) {
                s.value = s.run(currentValue(current)); // a competing consumer wrote first
                if (changelogStream != null) {
                    store.append(changelogStream, List.of(CommitEffects.changelogMessage(s.table, s.key, s.value, effects.now())));
                }
            }
            BsonArray windows = new BsonArray();
            if (current != null && current.isArray("windows")) {
                List<BsonValue> old = current.getArray("windows");
                windows.addAll(old.subList(Math.max(0, old.size() - (REMEMBERED_WINDOWS - 1)), old.size()));
            }
            windows.add(new BsonString(window));
            boolean wasLive = currentValue(current) != null;
            long version = s.value == null ? 0 : (wasLive ? current.getNumber("version").longValue() + 1 : 1);
            BsonDocument next = new BsonDocument(ID, entryId(s.table, s.key)).append("table", new BsonString(s.table))
                    .append("key", new BsonString(s.key)).append("version", new BsonInt64(version))
                    .append("rev", new BsonInt64(current == null ? 1 : current.getNumber("rev").longValue() + 1))
                    .append("updated", date(effects.now())).append("windows", windows);
            if (s.value == null) {
                next.append("removed", BsonBoolean.TRUE);
            } else {
                next.append("value", BsonJson.toBson(s.value));
            }
            int sizeDelta = sizeDelta(wasLive, s.value != null);
            if (current == null) {
                try {
                    entries.insertOne(next);
                    return sizeDelta;
                } catch (MongoWriteException e) {
                    if (e.getError().getCategory() != ErrorCategory.DUPLICATE_KEY) {
                        throw e;
                    }
                }
            } else if (entries.replaceOne(Filters.and(Filters.eq(ID, entryId(s.table, s.key)),
                    Filters.eq("rev", current.getNumber("rev"))), next).getMatchedCount() == 1) {
                return sizeDelta;
            }
            current = entries.find(Filters.eq(ID, entryId(s.table, s.key))).first();
        }
        throw new IllegalStateException("table '" + s.table + "', key '" + s.key + "': " + MAX_CAS_TRIES
                + " conflicting writers in a row");
    }

    /** Moved messages back into their stream, still claimed by the token (nothing was applied). */
    private void putBack(String stream, String token, java.util.Collection<String> outputStreams) {
        TableDocuments.deleteHiddenOutputs(buffer, token, outputStreams);
        buffer.updateMany(Filters.and(Filters.eq(STREAM, committing(stream)), Filters.eq(TABLE_WINDOW, token)),
                Updates.combine(Updates.set(STREAM, stream), Updates.unset(TABLE_WINDOW), Updates.unset(TABLE_STREAM),
                        Updates.unset(TABLE_KEEP), Updates.unset(TABLE_ENTRIES), Updates.unset(TABLE_OUTPUTS)));
    }

    static String hiddenOutput(String stream) {
        return stream + OUTPUT;
    }
    /**
     * Step 4 for stage outputs: the moved inputs are marked decided first (from then on recovery
     * commits the window, as revealed outputs may already be consumed), then the window's hidden
     * outputs join their streams, keeping their ids and order.
     *
     * @param outputs stream → count, as recorded on the moved inputs; null or empty for none
     */
    private void revealOutputs(String stream, String token, BsonDocument outputs) {
        if (outputs == null || outputs.isEmpty()) {
            return;
        }
        buffer.updateMany(Filters.and(Filters.eq(STREAM, committing(stream)), Filters.eq(TABLE_WINDOW, token)),
                Updates.set(TABLE_DECIDED, true));
        for (String out : outputs.keySet()) {
            buffer.updateMany(Filters.and(Filters.eq(STREAM, hiddenOutput(out)), Filters.eq(TABLE_WINDOW, token)),
                    Updates.set(STREAM, out));
        }
    }

    /**
     * For recovery of a window without table entries: whether it must be committed — revealing had
     * begun (an input is marked decided), or every output was inserted, still hidden.
     */
    private boolean outputsDecidedOrComplete(String stream, String token, BsonDocument moved) {
        if (!moved.isDocument(TABLE_OUTPUTS) || moved.getDocument(TABLE_OUTPUTS).isEmpty()) {
            return true;
        }
        if (buffer.countDocuments(Filters.and(Filters.eq(STREAM, committing(stream)), Filters.eq(TABLE_WINDOW, token),
                Filters.eq(TABLE_DECIDED, true))) > 0) {
            return true;
        }
        for (Map.Entry<String, BsonValue> o : moved.getDocument(TABLE_OUTPUTS).entrySet()) {
            long written = buffer.countDocuments(Filters.and(Filters.eq(STREAM, hiddenOutput(o.getKey())),
                    Filters.eq(TABLE_WINDOW, token)));
            if (written < o.getValue().asNumber().longValue()) {
                return false;
            }
        }
        return true;
    }

    /** Commits moved messages: deleted, or DONE in their stream with {@code keep}; and their window documents. */
    private void finish(String stream, String token, boolean keep, BsonDocument outputs) {
        revealOutputs(stream, token, outputs);
        Bson moved = Filters.and(Filters.eq(STREAM, committing(stream)), Filters.eq(TABLE_WINDOW, token));
        if (keep) {
            buffer.updateMany(moved, Updates.combine(Updates.set(STREAM, stream), Updates.unset(LEASE_TOKEN),
                    Updates.unset(LEASE_OWNER), Updates.unset(LEASE_UNTIL), Updates.unset(AVAILABLE_AT),
                    Updates.unset(TABLE_WINDOW), Updates.unset(TABLE_STREAM), Updates.unset(TABLE_KEEP), Updates.unset(TABLE_ENTRIES),
                    Updates.unset(TABLE_OUTPUTS), Updates.unset(TABLE_DECIDED)));
        } else {
            buffer.deleteMany(moved);
        }
        if (windowDocs != null) {
            if (keep) {
                windowDocs.updateMany(Filters.eq(LEASE_TOKEN, token),
                        Updates.combine(Updates.set(PROCESSED, true), Updates.unset(LEASE_TOKEN)));
            } else {
                windowDocs.deleteMany(Filters.eq(LEASE_TOKEN, token));
            }
        }
    }

    // ---- recovery -----------------------------------------------------------------------------

    /**
     * Settles windows whose consumer died while committing them (see the class comment). At most
     * about once a second per stream and store; cheap when there is nothing to settle (one
     * indexed query).
     *
     * @return how many windows were settled
     */
    /**
     * Whether claims of {@code stream} should settle half-done commits: once this store committed
     * a window of it with state or outputs, or a table consumer asked; plain consumers pay nothing.
     */
    boolean inUse(String stream) {
        return inUse.contains(stream);
    }

    int recover(String stream, Instant now) {
        inUse.add(stream);
        long due = nextRecovery.getOrDefault(stream, 0L);
        long nowMillis = System.currentTimeMillis();
        if (nowMillis < due) {
            return 0;
        }
        nextRecovery.put(stream, nowMillis + RECOVER_EVERY_MILLIS);
        Map<String, BsonDocument> stale = new LinkedHashMap<>();
        for (BsonDocument doc : buffer.find(Filters.and(Filters.eq(STREAM, committing(stream)), Filters.lt(LEASE_UNTIL, date(now))))
                .projection(Projections.include(TABLE_WINDOW, TABLE_ENTRIES, TABLE_KEEP, TABLE_OUTPUTS)).limit(10_000)) {
            if (doc.isString(TABLE_WINDOW)) {
                stale.putIfAbsent(doc.getString(TABLE_WINDOW).getValue(), doc);
            }
        }
        for (Map.Entry<String, BsonDocument> w : stale.entrySet()) {
            String window = w.getKey();
            BsonDocument doc = w.getValue();
            int applied = 0;
            int total = 0;
            for (BsonValue id : doc.isArray(TABLE_ENTRIES) ? doc.getArray(TABLE_ENTRIES) : new BsonArray()) {
                total++;
                if (applied(entries.find(Filters.eq(ID, id)).first(), window)) {
                    applied++;
                }
            }
            boolean keep = doc.getBoolean(TABLE_KEEP, BsonBoolean.FALSE).getValue();
            BsonDocument outputs = doc.isDocument(TABLE_OUTPUTS) ? doc.getDocument(TABLE_OUTPUTS) : null;
            if (total == 0 && !outputsDecidedOrComplete(stream, window, doc)) {
                applied = -1; // a stage window without state whose outputs were not all written: undo it
            }
            if (applied == total) {
                finish(stream, window, keep, outputs);
                LOG.info("stream '{}': window {} was applied to its tables by a consumer that died before committing it;"
                        + " committed now", stream, window);
            } else if (applied <= 0) {
                TableDocuments.deleteHiddenOutputs(buffer, window, doc.isDocument(TABLE_OUTPUTS) ? doc.getDocument(TABLE_OUTPUTS).keySet() : List.of());
                buffer.updateMany(Filters.and(Filters.eq(STREAM, committing(stream)), Filters.eq(TABLE_WINDOW, window)),
                        Updates.combine(Updates.set(STREAM, stream), Updates.set(PROCESSED, false), Updates.set(AVAILABLE_AT, date(now)),
                                Updates.set(ERROR, "the consumer committing table window " + window + " died before applying it"),
                                Updates.inc(ATTEMPTS, 1), Updates.unset(LEASE_TOKEN), Updates.unset(LEASE_OWNER),
                                Updates.unset(LEASE_UNTIL), Updates.unset(TABLE_WINDOW), Updates.unset(TABLE_STREAM),
                                Updates.unset(TABLE_KEEP), Updates.unset(TABLE_ENTRIES), Updates.unset(TABLE_OUTPUTS)));
                if (windowDocs != null) {
                    windowDocs.deleteMany(Filters.eq(LEASE_TOKEN, window));
                }
                LOG.info("stream '{}': window {} died before reaching its tables; its messages are pending again", stream, window);
            } else {
                finish(stream, window, keep, outputs);
                LOG.error("stream '{}': window {} died after updating {} of its {} table entries; committed with those",
                        stream, window, applied, total);
            }
        }
        return stale.size();
    }
}
