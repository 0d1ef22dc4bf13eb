package dev.minibatch.mongo;

import static dev.minibatch.mongo.Documents.BUFFER;
import static dev.minibatch.mongo.Documents.STREAMS;
import static dev.minibatch.mongo.Documents.WINDOWS;

import com.mongodb.MongoException;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import dev.minibatch.internal.Names;
import dev.minibatch.model.ConsumerStatus;
import dev.minibatch.model.Message;
import dev.minibatch.model.MessageState;
import dev.minibatch.model.StoreException;
import dev.minibatch.model.StreamInfo;
import dev.minibatch.model.StreamStats;
import dev.minibatch.model.TableEntry;
import dev.minibatch.model.TableInfo;
import dev.minibatch.spi.store.AppendWakeups;
import dev.minibatch.spi.store.Claim;
import dev.minibatch.spi.store.CommitEffects;
import dev.minibatch.spi.store.KeyedStore;
import dev.minibatch.spi.store.Lease;
import dev.minibatch.spi.store.NewMessage;
import dev.minibatch.spi.store.Selection;
import dev.minibatch.spi.store.StreamActivity;
import dev.minibatch.spi.store.StreamStore;
import dev.minibatch.spi.store.TableStore;
import dev.minibatch.spi.store.TransactionalAppend;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.bson.BsonDocument;

/**
 * The {@code mongodb://} store: Python minibatch 0.6's collections {@code stream}, {@code buffer}
 * and {@code window} in the URL's database, with Python's field names, BSON types and indexes, so
 * Java and Python producers and consumers can share a stream (see the module README and
 * {@code PYTHON-INTEROP.md} §2, §3 and §10).
 *
 * <p><b>Documents</b> and how Java's states map onto Python's {@code processed} flag: {@link Documents}.
 *
 * <p><b>Claims</b> need no transactions: one {@link ClaimProtocol}, chosen at open, makes them
 * atomic — a guarded {@code updateMany} ({@link UpdateClaims}, three commands a steady-state window)
 * or lock documents inserted on a unique {@code _id} ({@link LockClaims}, for FerretDB). Expired
 * leases are recovered (PENDING again, {@code attempts + 1}) unless the store was opened with
 * {@code recovery=false}. With {@code windows=true} a Python-shaped window document is written per
 * claim ({@link WindowDocuments}).
 *
 * <p><b>Wake-ups.</b> As {@link AppendWakeups}, an insert change stream on {@code buffer} wakes idle
 * consumers where the server has change streams ({@link AppendWatcher}); elsewhere they poll.
 *
 * <p><b>Threading and lifecycle.</b> Thread-safe and shareable by any number of processes on any
 * hosts: every state change is a single-document-atomic MongoDB update with a precondition. Opened
 * by {@link MongoStoreProvider}; {@link #close()} closes the client if the store created it.
 *
 * <p><b>Parts.</b> This class keeps the public API, names driver failures ({@link #call}) and
 * delegates: {@link StreamCatalog}, {@link StreamBuffer}, {@link Claims} over the protocol (which
 * brings its {@link TableProtocol}), {@link ConsumerHeartbeats}, {@link AppendWatcher}.
 */
public final class MongoStore implements StreamStore, StreamActivity, AppendWakeups, KeyedStore, TableStore,
        TransactionalAppend {

    private final String url;
    private final MongoClient client;
    private final boolean ownsClient;
    private final MongoDatabase database;
    private final MongoStoreOptions options;
    private final AppendWatcher watcher;
    private final StreamCatalog catalog;
    private final StreamBuffer streamBuffer;
    private final ConsumerHeartbeats heartbeats;
    /** How claims are made atomic, chosen once at open: guarded updates or lock documents. */
    private final ClaimProtocol claimProtocol;
    private final Claims claims;
    private volatile boolean closed;

    /**
     * A store on a client you manage (the store never closes it), for example one with a driver
     * {@code CommandListener} attached.
     *
     * @param databaseName the database holding {@code stream}, {@code buffer}, {@code window}
     * @param options      window documents, lease recovery, change streams
     * @throws StoreException when {@code changeStreams} is {@code ON} and the server has none
     */
    public MongoStore(MongoClient client, String databaseName, MongoStoreOptions options) {
        this("mongodb (client " + client.getClusterDescription().getClusterSettings().getHosts() + ")/" + databaseName,
                client, false, databaseName, options);
    }

    /** A store on a client you manage, with {@link MongoStoreOptions#defaults()}. */
    public MongoStore(MongoClient client, String databaseName) {
        this(client, databaseName, MongoStoreOptions.defaults());
    }

    /**
     * A store on a client you manage (the store never closes it).
     *
     * @param writeWindows          write Python-compatible window documents for each claim
     * @param recoverExpiredLeases  make messages of expired leases claimable again
     */
    public MongoStore(MongoClient client, String databaseName, boolean writeWindows, boolean recoverExpiredLeases) {
        this(client, databaseName, MongoStoreOptions.defaults().withWindows(writeWindows).withRecovery(recoverExpiredLeases));
    }

    MongoStore(String url, MongoClient client, boolean ownsClient, String databaseName, MongoStoreOptions options) {
        this.url = url;
        this.client = client;
        this.ownsClient = ownsClient;
        this.database = client.getDatabase(databaseName);
        MongoCollection<BsonDocument> streams = database.getCollection(STREAMS, BsonDocument.class);
        MongoCollection<BsonDocument> buffer = database.getCollection(BUFFER, BsonDocument.class);
        MongoCollection<BsonDocument> windows = database.getCollection(WINDOWS, BsonDocument.class);
        this.options = options;
        this.watcher = new AppendWatcher(buffer, "MongoDB store " + url);
        this.catalog = new StreamCatalog(url, streams);
        this.heartbeats = new ConsumerHeartbeats(database);
        ServerKind server = call("identify the server", () -> ServerKind.of(database, BUFFER));
        MongoStoreOptions.ClaimMode mode = options.claims() == MongoStoreOptions.ClaimMode.AUTO
                ? server.claimMode() : options.claims();
        ClaimBook book = new ClaimBook(new WindowDocuments(url, options.windows() ? windows : null));
        this.claimProtocol = mode == MongoStoreOptions.ClaimMode.LOCKS
                ? new LockClaims(this, database, buffer, book) : new UpdateClaims(this, database, buffer, book);
        this.claims = new Claims(buffer, claimProtocol, book, catalog, options.recovery());
        this.streamBuffer = new StreamBuffer(url, buffer, catalog, claimProtocol.cache());
        call("create indexes", () -> {
            StoreIndexes.ensureStore(streams, buffer, windows, server.secondaryIndexesUsed(), claimProtocol);
            return null;
        });
        if (options.changeStreams() == MongoSource.ChangeStreams.ON) {
            watcher.requireSupport();
        }
    }

    /** How this store makes claims atomic: {@code LOCKS} or {@code UPDATE}, never {@code AUTO}. */
    public MongoStoreOptions.ClaimMode claimMode() {
        return claimProtocol.mode();
    }

    @Override
    public String url() {
        return url;
    }

    /** The database holding the collections. */
    public String databaseName() {
        return database.getName();
    }

    /** Whether window documents are written for claims ({@code windows} URL option). */
    public boolean writesWindows() {
        return options.windows();
    }

    /** Whether expired leases are recovered before claiming ({@code recovery} URL option). */
    public boolean recoversExpiredLeases() {
        return options.recovery();
    }

    /** The options the store was opened with. */
    public MongoStoreOptions options() {
        return options;
    }

    // ---- streams, appends, reads --------------------------------------------------------------

    @Override
    public StreamInfo openStream(String name, Duration interval, Instant now) {
        Names.checkStreamName(name);
        return call("open stream '" + name + "'", () -> catalog.open(name, interval, now));
    }

    @Override
    public Optional<StreamInfo> findStream(String name) {
        return call("find stream '" + name + "'", () -> catalog.find(name));
    }

    @Override
    public List<StreamInfo> listStreams() {
        return call("list streams", catalog::list);
    }

    @Override
    public void append(String stream, List<NewMessage> messages) {
        if (messages.isEmpty()) {
            return;
        }
        List<BsonDocument> docs = new ArrayList<>(messages.size());
        for (NewMessage m : messages) {
            docs.add(Documents.newMessageDocument(stream, m));
        }
        call("append to stream '" + stream + "'", () -> {
            streamBuffer.append(stream, messages, docs);
            return null;
        });
    }

    @Override
    public List<Message> read(String stream, Selection selection, List<MessageState> states) {
        List<MessageState> wanted = states == null || states.isEmpty() ? List.of(MessageState.PENDING) : states;
        return call("read stream '" + stream + "'", () -> streamBuffer.read(stream, selection, wanted));
    }

    /** One aggregation: pending and available messages grouped by key, oldest key first. */
    @Override
    public List<KeyCount> pendingByKey(String stream, Selection selection, Instant now) {
        return call("count stream '" + stream + "' by key", () -> streamBuffer.pendingByKey(stream, selection, now));
    }

    /** Messages of the stream may have become pending through this store (claims cache candidates). */
    void pendingChanged(String stream) {
        claimProtocol.cache().changed(stream);
    }

    // ---- claims (Claims, over the ClaimProtocol) ----------------------------------------------

    @Override
    public Claim claim(String stream, Selection selection, Lease lease) {
        return call("claim from stream '" + stream + "'", () -> claims.claim(stream, selection, lease));
    }

    @Override
    public boolean renew(String stream, String token, Instant expiresAt) {
        return call("renew a lease in stream '" + stream + "'", () -> claims.renew(stream, token, expiresAt));
    }

    /** With guarded updates one command: {@code deleteMany} (or with {@code keep} an {@code updateMany}) by {@code _id} and token. */
    @Override
    public int commit(String stream, String token, boolean keep) {
        return call("commit in stream '" + stream + "'", () -> claims.commit(stream, token, keep));
    }

    @Override
    public int release(String stream, String token, Instant availableAt, String error) {
        return call("release in stream '" + stream + "'", () -> claims.release(stream, token, availableAt, error));
    }

    @Override
    public int deadLetter(String stream, String token, String deadStream, String error, Instant now) {
        Names.checkStreamName(deadStream);
        return call("dead-letter from stream '" + stream + "'",
                () -> claims.deadLetter(stream, token, deadStream, error, now));
    }

    @Override
    public boolean compareAndSetLastRead(String stream, Instant expected, Instant next, Instant now) {
        return call("move last_read of stream '" + stream + "'",
                () -> claimProtocol.compareAndSetLastRead(catalog.collection(), stream, expected, next, now));
    }

    // ---- tables (the protocol's TableProtocol) ------------------------------------------------

    @Override
    public int commitWithState(String stream, String token, boolean keep, int expected, CommitEffects effects) {
        return call("commit with table state in stream '" + stream + "'", () -> claimProtocol.tables()
                .commit(stream, token, keep, expected, effects, claims.ended(token)));
    }

    /** Stage outputs with the inputs' commit: each protocol's way ({@link ClaimProtocol#commitAndAppend}). */
    @Override
    public int commitAndAppend(String stream, String token, boolean keep, int expected, Map<String, List<NewMessage>> appends,
                               Instant now) {
        return claimProtocol.commitAndAppend(stream, token, keep, expected, appends, now); // through the public operations, which name failures
    }

    @Override
    public void recoverTables(String stream, Instant now) {
        call("recover table windows of stream '" + stream + "'", () -> {
            claimProtocol.recoverTables(stream, now);
            return null;
        });
    }

    @Override
    public Optional<TableEntry> tableEntry(String table, String key) {
        return call("read table '" + table + "'", () -> claimProtocol.tables().entry(table, key));
    }

    @Override
    public List<TableEntry> tableEntries(String table, String afterKey, int limit) {
        return call("read table '" + table + "'", () -> claimProtocol.tables().entries(table, afterKey, limit));
    }

    @Override
    public Optional<TableInfo> tableInfo(String table) {
        return call("read table '" + table + "'", () -> claimProtocol.tables().info(table));
    }

    @Override
    public List<TableInfo> listTables() {
        return call("list tables", () -> claimProtocol.tables().list());
    }

    @Override
    public long clearTable(String table) {
        return call("clear table '" + table + "'", () -> claimProtocol.tables().clear(table));
    }

    @Override
    public boolean dropTable(String table) {
        return call("drop table '" + table + "'", () -> claimProtocol.tables().drop(table));
    }

    // ---- housekeeping and activity ------------------------------------------------------------

    @Override
    public StreamStats stats(String stream) {
        return call("stats of stream '" + stream + "'", () -> streamBuffer.stats(stream));
    }

    @Override
    public int expire(String stream, Instant cutoff) {
        return call("expire messages of stream '" + stream + "'", () -> streamBuffer.expire(stream, cutoff));
    }

    @Override
    public int clear(String stream) {
        return call("clear stream '" + stream + "'", () -> streamBuffer.clear(stream));
    }

    @Override
    public void heartbeat(ConsumerStatus status) {
        call("record a heartbeat of a consumer of stream '" + status.stream() + "'", () -> {
            heartbeats.heartbeat(status);
            return null;
        });
    }

    @Override
    public List<ConsumerStatus> consumers(String stream, Instant since) {
        return call("list the consumers of stream '" + stream + "'", () -> heartbeats.consumers(stream, since));
    }

    /**
     * -1: this store does not count appends. A count would add a write to the stream document on
     * every append, doubling the round trips of single appends, for a status page.
     */
    @Override
    public long appendedTotal(String stream) {
        return -1;
    }

    /**
     * Wake-ups by an insert change stream on {@code buffer}, filtered to the subscribed streams,
     * where the server has change streams (replica sets, sharded clusters) and the store was not
     * opened with {@code changeStream=false}; elsewhere the subscription stays inactive and
     * consumers poll.
     */
    @Override
    public Subscription subscribeAppends(String stream, Runnable onAppend) {
        if (options.changeStreams() == MongoSource.ChangeStreams.OFF) {
            return AppendWatcher.INACTIVE;
        }
        return watcher.subscribe(stream, onAppend);
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        watcher.close();
        if (ownsClient) {
            client.close();
        }
    }

    // ---- helpers ------------------------------------------------------------------------------

    /** Runs a driver call, turning driver failures into StoreExceptions that name the store. */
    private <T> T call(String what, Supplier<T> work) {
        if (closed) {
            throw new StoreException("MongoDB store " + url + " is closed");
        }
        try {
            return work.get();
        } catch (MongoException e) {
            throw new StoreException("MongoDB store " + url + ": " + what + " failed: "
                    + MongoConnection.shorten(e.getMessage()), e);
        } catch (IllegalStateException e) {
            if (closed) {
                throw new StoreException("MongoDB store " + url + " is closed", e);
            }
            throw e;
        }
    }

    @Override
    public String toString() {
        return "MongoStore[" + url + "]";
    }
}
