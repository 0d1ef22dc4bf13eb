package dev.minibatch.mongo;

import static dev.minibatch.mongo.Documents.ID;
import static dev.minibatch.mongo.Documents.STREAM;
import static dev.minibatch.mongo.Documents.date;
import static dev.minibatch.mongo.Documents.instant;

import com.mongodb.ErrorCategory;
import com.mongodb.MongoWriteException;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import dev.minibatch.spi.store.CommitEffects;
import dev.minibatch.spi.store.NewMessage;
import dev.minibatch.spi.store.StateUpdate;
import dev.minibatch.model.TableEntry;
import dev.minibatch.model.TableInfo;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bson.BsonArray;
import org.bson.BsonBoolean;
import org.bson.BsonDocument;
import org.bson.BsonInt64;
import org.bson.BsonString;
import org.bson.BsonValue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tables with lock claims ({@link LockClaims}; FerretDB), where only an insert on a unique
 * {@code _id} and a delete by {@code _id} have one winner: exactly once by window ids, with every
 * contended write decided by such an insert.
 *
 * <p><b>Documents.</b> Entries and tables keep {@link MongoTables}' documents
 * ({@code minibatch_table_entries}, {@code minibatch_tables}), but there they are heads of
 * {@link RevisionChain}s: revision {@code r} of an entry is the marker {@code "entry\n" + len(table)
 * + ":" + table + key + "\n" + r} in {@code minibatch_table_revisions} (with {@code size_delta}, how
 * it moved the table's size), of a table's counters ({@code size}, {@code updates},
 * {@code last_update}, {@code windows}: the last 64 windows counted) {@code "table\n" + table + "\n"
 * + r}; a reader follows the markers past the head. A window being committed has a record
 * {@code {_id: "table_window\n" + W, stream, kind, table_entries, table_outputs, table_keep,
 * table_updates, table_decided, at}} in {@code minibatch_markers}, W = the claim's token.
 *
 * <p><b>A window's commit:</b>
 * <ol>
 *   <li>the token's locks are read: fewer than expected (a lost lease) applies nothing;</li>
 *   <li>every update function runs against the newest revisions (a throw changes nothing: the
 *       claim stays held and the window fails);</li>
 *   <li>the window record is inserted (from here on recovery of the lease looks at the tables);
 *       stage outputs are inserted under a hidden stream name marked with W, changelog entries
 *       appended;</li>
 *   <li>each entry gets its next revision by inserting that revision's marker, which adds W to the
 *       entry's {@code windows} (skipped when W is there; a lost insert re-reads and re-runs the
 *       function); the owner then writes the head;</li>
 *   <li>each table's counters get their next revision: the update count and the size moved by the
 *       entries this window created or removed, W added to its windows (skipped when there), so
 *       concurrent writers never lose a count and a recovery can complete them;</li>
 *   <li>the record is marked decided, the hidden outputs revealed, the messages committed through
 *       their locks (deleted, or DONE with {@code keep}) and the record deleted.</li>
 * </ol>
 * <b>Recovery.</b> A consumer killed mid-way leaves its locks; the store that wins their recovery
 * ({@link LockClaims}' recovery marker) asks {@link #decide}: without a record the messages are
 * simply pending again; with one, the counters of the tables W reached are completed (the size moves
 * from the revisions W won, the update counts from the record), then if every entry it names holds W (or, without entries, the outputs
 * were decided or all written) the window happened and its messages are committed (outputs
 * revealed), if none does they are pending again with {@code attempts + 1} (hidden outputs
 * deleted). So a crash never counts a message twice or loses it.
 *
 * <p><b>Limits, stated.</b> As {@link MongoTables}: a window that updates several entries and dies
 * between two of them is committed with those it reached (logged as an error); a commit that
 * outlives its own lease can race with its recovery; the changelog is at least once. A window
 * record whose consumer died after committing its messages stays until pruned (a day). About
 * three times the commands of {@link MongoTables} per commit: see the module README.
 *
 * <p>Thread-safe; holds no state but prune times.
 */
final class LockTables implements TableProtocol {

    private static final Logger LOG = LoggerFactory.getLogger(LockTables.class);
    private static final String RECORD = "table_window\n";
    private static final String RECORD_KIND = "table_window";
    private static final Duration PRUNE_EVERY = Duration.ofHours(1);
    private static final Duration RECORD_AGE = Duration.ofDays(1);
    /** When this store last pruned a stream's records. */
    private final Map<String, Instant> lastPrune = new java.util.concurrent.ConcurrentHashMap<>();
    /** The revision of a table document (its size, update count and last update, as one chain). */
    static final String META_REV = "meta_rev";
    /** On an entry's revision: how the table's size moved with it (1 created, -1 removed, 0). */
    static final String SIZE_DELTA = "size_delta";
    /** On the window record: table → updates the window applies to it. */
    static final String TABLE_UPDATES = "table_updates";
    private static final int MAX_CAS_TRIES = 1000;

    private final MongoStore store;
    private final LockClaims lockClaims;
    private final MongoCollection<BsonDocument> buffer;
    private final MongoCollection<BsonDocument> entries;
    private final MongoCollection<BsonDocument> tables;
    private final MongoCollection<BsonDocument> markers;
    private final RevisionChain entryChain;
    private final RevisionChain metaChain;

    LockTables(MongoStore store, MongoDatabase database, MongoCollection<BsonDocument> buffer, LockClaims lockClaims) {
        this.store = store;
        this.lockClaims = lockClaims;
        this.buffer = buffer;
        this.entries = database.getCollection(MongoTables.ENTRIES, BsonDocument.class);
        this.tables = database.getCollection(MongoTables.TABLES, BsonDocument.class);
        this.markers = database.getCollection(LockClaims.MARKERS, BsonDocument.class);
        MongoCollection<BsonDocument> revisions = database.getCollection(RevisionChain.REVISIONS, BsonDocument.class);
        this.entryChain = new RevisionChain(revisions, "rev");
        this.metaChain = new RevisionChain(revisions, META_REV);
    }

    static String entryPrefix(String table, String key) {
        return "entry\n" + table.length() + ":" + table + key; // the length keeps table and key apart
    }

    private static String metaPrefix(String table) {
        return "table\n" + table;
    }

    static BsonString recordId(String token) {
        return new BsonString(RECORD + token);
    }

    // ---- reading ------------------------------------------------------------------------------

    private RevisionChain.Head entryHead(String table, String key) {
        return entryChain.read(entryPrefix(table, key), entries.find(Filters.eq(ID, MongoTables.entryId(table, key))).first());
    }

    private RevisionChain.Head metaHead(String table, BsonDocument meta) {
        return metaChain.read(metaPrefix(table), meta);
    }

    private static long number(BsonDocument doc, String field) {
        return doc != null && doc.isNumber(field) ? doc.getNumber(field).longValue() : 0;
    }

    @Override
    public Optional<TableEntry> entry(String table, String key) {
        BsonDocument doc = entryHead(table, key).doc();
        return MongoTables.currentValue(doc) == null ? Optional.empty() : Optional.of(MongoTables.entry(doc));
    }

    @Override
    public List<TableEntry> entries(String table, String afterKey, int limit) {
        return TableDocuments.page(entries, Filters.eq("table", table), head -> {
            // removed entries keep their head (their windows outlive them): skipped, so a page may need more reads
            BsonDocument doc = entryChain.read(entryPrefix(table, head.getString("key").getValue()), head).doc();
            return MongoTables.currentValue(doc) == null ? null : doc;
        }, afterKey, limit);
    }

    @Override
    public MongoCollection<BsonDocument> tables() {
        return tables;
    }

    @Override
    public TableInfo info(BsonDocument meta) {
        String name = meta.getString(ID).getValue();
        BsonDocument doc = metaHead(name, meta).doc();
        return new TableInfo(name, number(doc, MongoTables.SIZE), number(doc, "updates"), doc == null ? null : instant(doc.get("last_update")));
    }

    /** Not atomic with writers running meanwhile (as on every store without transactions). */
    @Override
    public long clear(String table) {
        long n = entries.deleteMany(Filters.eq("table", table)).getDeletedCount();
        entryChain.deleteTable(table, "entry");
        if (tables.find(Filters.eq(ID, table)).first() != null) {
            moveCounters(table, null, 0, 0, true, null);
        }
        return n;
    }

    @Override
    public boolean drop(String table) {
        entries.deleteMany(Filters.eq("table", table));
        entryChain.deleteTable(table, "entry");
        metaChain.deleteTable(table, "table");
        return tables.deleteOne(Filters.eq(ID, table)).getDeletedCount() > 0;
    }

    // ---- commit -------------------------------------------------------------------------------

    @Override
    public int commit(String stream, String token, boolean keep, int expected, CommitEffects effects, List<BsonValue> ids) {
        // 1. still ours? the locks decide (a lapsed lease whose locks are gone applies nothing)
        if (lockClaims.heldCount(token, ids) != expected) {
            return 0;
        }
        Map<List<String>, MongoTables.Slot> slots = new LinkedHashMap<>();
        for (StateUpdate u : effects.updates()) {
            slots.computeIfAbsent(List.of(u.table(), u.key()), k -> new MongoTables.Slot(u.table(), u.key())).functions.add(u.function());
        }
        // 2. run every function against the newest revisions before writing anything
        Map<List<String>, RevisionChain.Head> read = new LinkedHashMap<>();
        for (Map.Entry<List<String>, MongoTables.Slot> e : slots.entrySet()) {
            MongoTables.Slot s = e.getValue();
            RevisionChain.Head head = entryHead(s.table, s.key);
            read.put(e.getKey(), head);
            s.alreadyApplied = MongoTables.applied(head.doc(), token);
            if (!s.alreadyApplied) {
                s.value = s.run(MongoTables.currentValue(head.doc()));
            }
        }
        // 3. the record, hidden outputs, changelog
        BsonDocument updateCounts = new BsonDocument();
        for (MongoTables.Slot s : slots.values()) {
            long before = updateCounts.containsKey(s.table) ? updateCounts.getInt64(s.table).getValue() : 0;
            updateCounts.put(s.table, new BsonInt64(before + s.functions.size()));
        }
        BsonArray touched = new BsonArray();
        slots.values().forEach(s -> touched.add(MongoTables.entryId(s.table, s.key)));
        BsonDocument outputs = new BsonDocument();
        effects.appends().forEach((out, list) -> {
            if (!list.isEmpty()) {
                outputs.append(out, new BsonInt64(list.size()));
            }
        });
        insertRecord(new BsonDocument(ID, recordId(token)).append(STREAM, new BsonString(stream))
                .append(MongoTables.TABLE_ENTRIES, touched).append(MongoTables.TABLE_OUTPUTS, outputs)
                .append(MongoTables.TABLE_KEEP, BsonBoolean.valueOf(keep)).append(TABLE_UPDATES, updateCounts)
                .append("kind", new BsonString(RECORD_KIND))
                .append("at", date(effects.now())));
        pruneRecords(stream, effects.now());
        TableDocuments.writeHiddenOutputs(store, buffer, token, effects);
        Map<String, List<NewMessage>> changelog = new LinkedHashMap<>();
        for (MongoTables.Slot s : slots.values()) {
            String log = effects.changelogs().get(s.table);
            if (log != null && !s.alreadyApplied) {
                changelog.computeIfAbsent(log, x -> new ArrayList<>()).add(CommitEffects.changelogMessage(s.table, s.key, s.value, effects.now()));
            }
        }
        changelog.forEach(store::append);
        // 4. each entry's next revision
        Map<String, Long> counts = new LinkedHashMap<>();
        Map<String, Long> sizes = new LinkedHashMap<>();
        int written = 0;
        for (Map.Entry<List<String>, MongoTables.Slot> e : slots.entrySet()) {
            MongoTables.Slot s = e.getValue();
            try {
                sizes.merge(s.table, (long) write(s, read.get(e.getKey()), token, effects, effects.changelogs().get(s.table)), Long::sum);
            } catch (RuntimeException failure) {
                if (written == 0) {
                    TableDocuments.deleteHiddenOutputs(buffer, token, outputs.keySet());
                    markers.deleteOne(Filters.eq(ID, recordId(token))); // nothing applied: still claimed, failed by the consumer
                    throw failure;
                }
                LOG.error("window {} of stream '{}' updated {} of {} table entries before {} failed; committing it with"
                        + " those (the rest miss this window's update)", token, stream, written, slots.size(), s.table + "/" + s.key, failure);
                break;
            }
            written++;
            counts.merge(s.table, (long) s.functions.size(), Long::sum);
        }
        // 5. each table's counters, once per window
        for (Map.Entry<String, Long> c : counts.entrySet()) {
            moveCounters(c.getKey(), token, sizes.getOrDefault(c.getKey(), 0L), c.getValue(), false, effects.now());
        }
        // 6. reveal, commit, forget
        reveal(token, outputs);
        int committed = store.commit(stream, token, keep);
        markers.deleteOne(Filters.eq(ID, recordId(token)));
        return committed;
    }

    /**
     * At most hourly per stream: deletes window records older than a day, left by consumers killed
     * after their messages were committed (their locks gone, nothing recovers them).
     */
    private void pruneRecords(String stream, Instant now) {
        Instant pruned = lastPrune.get(stream);
        if (pruned == null || now.isBefore(pruned) || !now.isBefore(pruned.plus(PRUNE_EVERY))) {
            lastPrune.put(stream, now);
            markers.deleteMany(Filters.and(Filters.eq(STREAM, stream), Filters.eq("kind", RECORD_KIND),
                    Filters.lt("at", date(now.minus(RECORD_AGE)))));
        }
    }

    private void insertRecord(BsonDocument record) {
        try {
            markers.insertOne(record);
        } catch (MongoWriteException e) {
            if (e.getError().getCategory() != ErrorCategory.DUPLICATE_KEY) {
                throw e; // a duplicate: this commit is being retried under the same token
            }
        }
    }

    /**
     * Gives one entry its next revision; on a lost revision re-reads and re-runs its functions.
     *
     * @return how the table's size moved: 1 when the entry was created, -1 when removed, else 0
     */
    private int write(MongoTables.Slot s, RevisionChain.Head read, String window, CommitEffects effects, String changelogStream) {
        RevisionChain.Head head = read;
        String prefix = entryPrefix(s.table, s.key);
        for (int attempt = 0; attempt < MAX_CAS_TRIES; attempt++) {
            BsonDocument current = head.doc();
            if (MongoTables.applied(current, window)) {
                return 0;
            }
            if (attempt > 0) {
                s.value = s.run(MongoTables.currentValue(current)); // a competing consumer wrote first
                if (changelogStream != null) {
                    store.append(changelogStream, List.of(CommitEffects.changelogMessage(s.table, s.key, s.value, effects.now())));
                }
            }
            BsonArray windows = new BsonArray();
            if (current != null && current.isArray("windows")) {
                List<BsonValue> old = current.getArray("windows");
                windows.addAll(old.subList(Math.max(0, old.size() - (MongoTables.REMEMBERED_WINDOWS - 1)), old.size()));
            }
            windows.add(new BsonString(window));
            boolean wasLive = MongoTables.currentValue(current) != null;
            long version = s.value == null ? 0 : (wasLive ? current.getNumber("version").longValue() + 1 : 1);
            BsonDocument next = new BsonDocument(ID, MongoTables.entryId(s.table, s.key)).append("table", new BsonString(s.table))
                    .append("key", new BsonString(s.key)).append("version", new BsonInt64(version))
                    .append("updated", date(effects.now())).append("windows", windows);
            if (s.value == null) {
                next.append("removed", BsonBoolean.TRUE);
            } else {
                next.append("value", BsonJson.toBson(s.value));
            }
            int sizeDelta = MongoTables.sizeDelta(wasLive, s.value != null);
            next.append(SIZE_DELTA, new org.bson.BsonInt32(sizeDelta)); // for a recovery that completes the counters
            if (entryChain.write(prefix, s.table, "entry", head, next, effects.now(), this::writeEntryHead)) {
                return sizeDelta;
            }
            head = entryHead(s.table, s.key);
        }
        throw new IllegalStateException("table '" + s.table + "', key '" + s.key + "': " + MAX_CAS_TRIES
                + " conflicting writers in a row");
    }

    /** By {@code _id} and the revision read: two owners never both write one head they both saw current. */
    private void writeEntryHead(RevisionChain.Head base, BsonDocument next) {
        if (base.head() == null) {
            RevisionChain.insertHead(entries, next);
        } else {
            entries.replaceOne(Filters.and(Filters.eq(ID, next.get(ID)), Filters.eq("rev", RevisionChain.rev(base.headRev()))), next);
        }
    }

    /**
     * Moves a table's counters (size, update count, last update) by its next revision, once per
     * window: skipped when {@code window} is among the table's last windows. The table document is
     * created by the first revision.
     *
     * @param window the window applying it, or null (clear)
     * @param clear  set the size to 0 instead of moving it
     * @param now    the last update's time, or null to keep it
     */
    private void moveCounters(String table, String window, long sizeDelta, long updates, boolean clear, Instant now) {
        for (int attempt = 0; attempt < MAX_CAS_TRIES; attempt++) {
            RevisionChain.Head head = metaHead(table, tables.find(Filters.eq(ID, table)).first());
            BsonDocument current = head.doc();
            if (window != null && MongoTables.applied(current, window)) {
                if (head.rev() > head.headRev()) {
                    writeMetaHead(table, head, current.clone()); // its writer died before writing the head
                }
                return;
            }
            BsonArray windows = new BsonArray();
            if (current != null && current.isArray("windows")) {
                List<BsonValue> old = current.getArray("windows");
                windows.addAll(old.subList(Math.max(0, old.size() - (MongoTables.REMEMBERED_WINDOWS - 1)), old.size()));
            }
            if (window != null) {
                windows.add(new BsonString(window));
            }
            BsonDocument next = new BsonDocument(ID, new BsonString(table))
                    .append(MongoTables.SIZE, new BsonInt64(clear ? 0 : number(current, MongoTables.SIZE) + sizeDelta))
                    .append("updates", new BsonInt64(number(current, "updates") + updates)).append("windows", windows);
            BsonValue last = now != null ? date(now) : current == null ? null : current.get("last_update");
            if (last != null) {
                next.append("last_update", last);
            }
            if (metaChain.write(metaPrefix(table), table, "table", head, next, now == null ? Instant.now() : now,
                    (base, doc) -> writeMetaHead(table, base, doc))) {
                return;
            }
        }
        throw new IllegalStateException("counters of table '" + table + "': " + MAX_CAS_TRIES + " conflicting writers in a row");
    }

    private void writeMetaHead(String table, RevisionChain.Head base, BsonDocument doc) {
        if (base.head() == null) {
            RevisionChain.insertHead(tables, doc);
        } else {
            tables.replaceOne(Filters.and(Filters.eq(ID, table), base.headRev() == 0 ? Filters.not(Filters.gt(META_REV, 0))
                    : Filters.eq(META_REV, RevisionChain.rev(base.headRev()))), doc);
        }
    }

    /** The record is marked decided first: from then on recovery commits the window, as revealed outputs may be consumed. */
    private void reveal(String token, BsonDocument outputs) {
        if (outputs == null || outputs.isEmpty()) {
            return;
        }
        markers.updateOne(Filters.eq(ID, recordId(token)), Updates.set(MongoTables.TABLE_DECIDED, true)); // one writer: the holder
        for (String out : outputs.keySet()) {
            buffer.updateMany(Filters.and(Filters.eq(STREAM, MongoTables.hiddenOutput(out)), Filters.eq(MongoTables.TABLE_WINDOW, token)),
                    Updates.set(STREAM, out));
            store.pendingChanged(out);
        }
    }

    // ---- recovery -----------------------------------------------------------------------------

    /** What recovery of a lapsed lease does with its messages. */
    enum Decision {
        /** No commit with state had begun: pending again, as any lapsed lease. */
        NONE,
        /** Begun, nothing applied: pending again ({@code attempts + 1}); hidden outputs were deleted. */
        RETRY,
        /** Applied: commit the messages (deleted). */
        COMMIT,
        /** Applied: commit the messages with {@code keep} (DONE). */
        COMMIT_KEEP
    }

    /**
     * For the store that won the recovery of a lapsed token: settles the token's commit with state
     * if one had begun (reveals or deletes its outputs). Call {@link #settled} once the messages
     * are written.
     */
    Decision decide(String stream, String token) {
        BsonDocument record = markers.find(Filters.eq(ID, recordId(token))).first();
        if (record == null) {
            return Decision.NONE;
        }
        int applied = 0;
        int total = 0;
        for (BsonValue id : record.isArray(MongoTables.TABLE_ENTRIES) ? record.getArray(MongoTables.TABLE_ENTRIES) : new BsonArray()) {
            total++;
            BsonDocument entryId = id.asDocument();
            String table = entryId.getString("table").getValue();
            String key = entryId.getString("key").getValue();
            RevisionChain.Head head = entryHead(table, key);
            if (MongoTables.applied(head.doc(), token)) {
                applied++;
                if (head.rev() > head.headRev()) {
                    writeEntryHead(head, head.doc().clone()); // its owner died before writing the head
                }
            }
        }
        BsonDocument outputs = record.isDocument(MongoTables.TABLE_OUTPUTS) ? record.getDocument(MongoTables.TABLE_OUTPUTS) : new BsonDocument();
        if (total == 0 && !outputsDecidedOrComplete(record, token, outputs)) {
            applied = -1; // a window without state whose outputs were not all written: undo it
        }
        boolean keep = record.getBoolean(MongoTables.TABLE_KEEP, BsonBoolean.FALSE).getValue();
        if (applied > 0) {
            completeCounters(record, token);
        }
        if (applied == total) {
            reveal(token, outputs);
            LOG.info("stream '{}': window {} was applied to its tables by a consumer that died before committing it;"
                    + " committed now", stream, token);
            return keep ? Decision.COMMIT_KEEP : Decision.COMMIT;
        }
        if (applied <= 0) {
            TableDocuments.deleteHiddenOutputs(buffer, token, outputs.keySet());
            LOG.info("stream '{}': window {} died before reaching its tables; its messages are pending again", stream, token);
            return Decision.RETRY;
        }
        reveal(token, outputs);
        LOG.error("stream '{}': window {} died after updating {} of its {} table entries; committed with those",
                stream, token, applied, total);
        return keep ? Decision.COMMIT_KEEP : Decision.COMMIT;
    }

    /**
     * The counters of the tables a dead window reached, if it died before moving them: its update
     * counts from the record, its size moves from the entry revisions it won.
     */
    private void completeCounters(BsonDocument record, String token) {
        Map<String, Long> sizes = new LinkedHashMap<>();
        for (BsonValue id : record.getArray(MongoTables.TABLE_ENTRIES)) {
            String table = id.asDocument().getString("table").getValue();
            String key = id.asDocument().getString("key").getValue();
            BsonDocument won = revisionOf(table, key, token);
            sizes.merge(table, won == null ? 0L : number(won, SIZE_DELTA), Long::sum);
        }
        BsonDocument updates = record.isDocument(TABLE_UPDATES) ? record.getDocument(TABLE_UPDATES) : new BsonDocument();
        for (Map.Entry<String, Long> t : sizes.entrySet()) {
            moveCounters(t.getKey(), token, t.getValue(), number(updates, t.getKey()), false, null);
        }
    }

    /** The revision of an entry that {@code window} wrote (the oldest still naming it), or null. */
    private BsonDocument revisionOf(String table, String key, String window) {
        RevisionChain.Head head = entryHead(table, key);
        BsonDocument found = null;
        BsonDocument doc = head.doc();
        long rev = head.rev();
        while (doc != null && MongoTables.applied(doc, window)) {
            found = doc;
            rev--;
            doc = rev < 1 ? null : entryChain.revision(entryPrefix(table, key), rev);
        }
        return found;
    }

    private boolean outputsDecidedOrComplete(BsonDocument record, String token, BsonDocument outputs) {
        if (outputs.isEmpty() || record.getBoolean(MongoTables.TABLE_DECIDED, BsonBoolean.FALSE).getValue()) {
            return true;
        }
        for (Map.Entry<String, BsonValue> o : outputs.entrySet()) {
            long written = buffer.countDocuments(Filters.and(Filters.eq(STREAM, MongoTables.hiddenOutput(o.getKey())),
                    Filters.eq(MongoTables.TABLE_WINDOW, token)));
            if (written < o.getValue().asNumber().longValue()) {
                return false;
            }
        }
        return true;
    }

    /** The token's messages are written: its record goes. */
    void settled(String token) {
        markers.deleteOne(Filters.eq(ID, recordId(token)));
    }
}
