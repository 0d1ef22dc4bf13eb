package dev.minibatch.store.memory;

import dev.minibatch.model.ConsumerStatus;
import dev.minibatch.model.Message;
import dev.minibatch.model.MessageState;
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
import dev.minibatch.spi.store.TransactionalTableStore;
import dev.minibatch.store.LocalWakeups;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The {@code memory:} store: one process, no persistence, fastest. Each stream is guarded by its
 * own lock; pending messages sit in a tree ordered by (created, sequence), so a claim costs
 * O(log n + window) whatever the backlog. Keys are indexed per stream (one tree per key) from the
 * stream's first keyed message on, so unkeyed streams never pay for it.
 *
 * <p>This class only routes each call to the part that does that job, all package-private:
 * {@link MemoryStreams} (streams, append, read, counts, expiry), {@link MemoryStream} and
 * {@link MemoryEntry} (one stream's state, one message), {@link MemoryClaims} (claiming, lease
 * recovery and renewal), {@link MemoryCommits} (commit, release, dead letter), {@link MemoryTables}
 * (table state) and {@link MemoryActivity} (heartbeats, append counts).
 *
 * <p>Append notices ({@link AppendWakeups}) are prompt: only this JVM can append here, so every
 * append — plain, a commit's stage outputs and changelogs, a dead letter, a release that makes
 * messages pending again — tells the stream's subscribers, after the stream locks are released.
 */
public final class MemoryStore implements StreamStore, StreamActivity, KeyedStore, TransactionalTableStore, AppendWakeups {

    private final LocalWakeups wakeups = new LocalWakeups(true);
    private final MemoryStreams streams = new MemoryStreams(wakeups);
    private final MemoryTables tables = new MemoryTables();
    private final MemoryClaims claims = new MemoryClaims(streams);
    private final MemoryCommits commits = new MemoryCommits(streams, tables, wakeups);
    private final MemoryActivity activity = new MemoryActivity(streams);

    @Override
    public String url() {
        return "memory:";
    }

    // ---- streams and messages (MemoryStreams) -------------------------------------------------

    @Override
    public StreamInfo openStream(String name, Duration interval, Instant now) {
        return streams.openStream(name, interval, now);
    }

    @Override
    public Optional<StreamInfo> findStream(String name) {
        return streams.findStream(name);
    }

    @Override
    public List<StreamInfo> listStreams() {
        return streams.listStreams();
    }

    @Override
    public boolean compareAndSetLastRead(String stream, Instant expected, Instant next, Instant now) {
        return streams.compareAndSetLastRead(stream, expected, next);
    }

    @Override
    public void append(String stream, List<NewMessage> messages) {
        streams.append(stream, messages);
    }

    @Override
    public List<Message> read(String stream, Selection selection, List<MessageState> states) {
        return streams.read(stream, selection, states);
    }

    @Override
    public List<KeyCount> pendingByKey(String stream, Selection selection, Instant now) {
        return streams.pendingByKey(stream, selection, now);
    }

    @Override
    public StreamStats stats(String stream) {
        return streams.stats(stream);
    }

    @Override
    public int expire(String stream, Instant cutoff) {
        return streams.expire(stream, cutoff);
    }

    @Override
    public int clear(String stream) {
        return streams.clear(stream);
    }

    // ---- claims (MemoryClaims) ----------------------------------------------------------------

    @Override
    public Claim claim(String stream, Selection selection, Lease lease) {
        return claims.claim(stream, selection, lease);
    }

    @Override
    public boolean renew(String stream, String token, Instant expiresAt) {
        return claims.renew(stream, token, expiresAt);
    }

    // ---- ends of claims (MemoryCommits) -------------------------------------------------------

    @Override
    public int commit(String stream, String token, boolean keep) {
        return commits.commit(stream, token, keep);
    }

    @Override
    public int commitWithState(String stream, String token, boolean keep, int expected, CommitEffects effects) {
        return commits.commitWithState(stream, token, keep, expected, effects);
    }

    @Override
    public int release(String stream, String token, Instant availableAt, String error) {
        return commits.release(stream, token, availableAt, error);
    }

    @Override
    public int deadLetter(String stream, String token, String deadStream, String error, Instant now) {
        return commits.deadLetter(stream, token, deadStream, error, now);
    }

    // ---- tables (MemoryTables) ----------------------------------------------------------------

    @Override
    public Optional<TableEntry> tableEntry(String table, String key) {
        streams.checkOpen();
        return tables.entry(table, key);
    }

    @Override
    public List<TableEntry> tableEntries(String table, String afterKey, int limit) {
        streams.checkOpen();
        return tables.entries(table, afterKey, limit);
    }

    @Override
    public Optional<TableInfo> tableInfo(String table) {
        streams.checkOpen();
        return tables.info(table);
    }

    @Override
    public List<TableInfo> listTables() {
        streams.checkOpen();
        return tables.list();
    }

    @Override
    public long clearTable(String table) {
        streams.checkOpen();
        return tables.clear(table);
    }

    @Override
    public boolean dropTable(String table) {
        streams.checkOpen();
        return tables.drop(table);
    }

    // ---- activity (MemoryActivity) ------------------------------------------------------------

    @Override
    public void heartbeat(ConsumerStatus status) {
        activity.heartbeat(status);
    }

    @Override
    public List<ConsumerStatus> consumers(String stream, Instant since) {
        return activity.consumers(stream, since);
    }

    @Override
    public long appendedTotal(String stream) {
        return activity.appendedTotal(stream);
    }

    // ---- append notices (LocalWakeups) --------------------------------------------------------

    @Override
    public Subscription subscribeAppends(String stream, Runnable onAppend) {
        return wakeups.subscribe(stream, onAppend);
    }

    @Override
    public void close() {
        streams.close();
        wakeups.close();
    }
}
