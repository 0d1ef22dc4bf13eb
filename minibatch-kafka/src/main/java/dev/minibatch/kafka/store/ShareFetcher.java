package dev.minibatch.kafka.store;

import dev.minibatch.model.Message;
import dev.minibatch.model.MessageState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicIdPartition;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The share-group consumption of one stream in one process: a thread that owns the stream's share
 * consumers ({@link ShareLane}s; a Kafka consumer is single-threaded), puts what they deliver into
 * the {@link SharePool} that claims take from, and applies what consumers decide about the records:
 * ACCEPT on commit, RELEASE on a failed window (when its backoff has passed) or a lapsed lease,
 * RENEW while a record is held longer than a third of the broker's lock.
 *
 * <p>A window's ACCEPTs are sent without waiting ({@code commitAsync}) when they settle the lane's
 * whole batch: the lane's next fetch follows, and a window's commit has never waited for more than
 * its records being handed to the consumer then; when the lane still holds records they are
 * committed and waited for ({@code commitSync}).
 * Acknowledgement results are reported per partition and may be wrong
 * around a broker failure (Kafka 4.4 reports errors for acknowledgements it did store): an error is
 * logged and the records are treated as "may come back", never as lost; windows are at-least-once
 * (a crash right after a commit may deliver its window again).
 *
 * <p><b>Threading.</b> {@link #settle} and the pool are safe from any thread; everything touching a
 * consumer runs on this fetcher's daemon thread. {@link #close()} settles what is due, closes the
 * consumers (which release what they hold) and joins the thread.
 */
final class ShareFetcher implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ShareFetcher.class);
    private static final Duration COMMIT_TIMEOUT = Duration.ofSeconds(30);
    private static final long MAX_IDLE_MS = 20;
    private static final long FLOWING = TimeUnit.SECONDS.toNanos(1);
    private static final Duration LONG_POLL = Duration.ofMillis(100);
    private static final long RENEW_BACK_WAIT = TimeUnit.SECONDS.toNanos(15);
    /** Records moved this many times are kept where they are (a bound on rewriting, should all else fail). */
    private static final int MAX_MOVES = 50;
    /** How long a process that gave its leftovers away leaves them to the collector. */
    private static final long GIVE_PAUSE = TimeUnit.SECONDS.toNanos(3);

    /** What to do with records once {@code notBefore} ({@link System#nanoTime()}) has passed. */
    record Settlement(List<HeldRecord> records, AcknowledgeType type, long notBefore, CompletableFuture<Integer> done) {
    }

    private record Applied(CompletableFuture<Integer> done, int count) {
    }

    private final String stream;
    private final String topic;
    private final String group;
    private final KafkaClients clients;
    private final SharePool pool;
    private final ShareLanes lanes;
    private final Runnable onArrival;
    private final StallMover mover;
    private final LinkedBlockingQueue<Settlement> queue = new LinkedBlockingQueue<>();
    private final List<Settlement> pending = new ArrayList<>();
    private final Thread thread;
    /** How long claims go short with nothing arriving before a stall is handled; random, so processes do not move at once. */
    private final Duration starvationPatience;
    private static final Duration ALONE_PATIENCE = Duration.ofMillis(250);
    private volatile boolean running = true;
    private final FirstDelivery firstDelivery = new FirstDelivery();
    private volatile RuntimeException failure;
    private volatile ShareLane longPolling;
    private volatile long lockNanos = TimeUnit.SECONDS.toNanos(30);
    private long nextMembersCheck;
    /** When the stall role was last asked for ({@link System#nanoTime()}). */
    private long roleAskedAt = System.nanoTime();
    /** The least time between two role questions when a new stall makes the last answer stale. */
    private static final long ROLE_REASK = TimeUnit.MILLISECONDS.toNanos(500);
    private StallRole role = StallRole.KEEP;
    private CompletableFuture<StallRole> roleQuery;
    private java.util.concurrent.ExecutorService roleQueries;
    private long pausedUntil;
    /** After giving leftovers away: leave the group with the idle lanes, so no fetch of theirs takes them back. */
    private boolean leaveWhenSettled;
    private long lastReport;
    /** Records delivered again to another lane while one of this process held them (see {@link ShareLane#takeOver}). */
    private volatile long takenOver;
    private long takenOverLogged;

    ShareFetcher(String stream, String topic, String group, KafkaClients clients, int maxLanes, Runnable onArrival,
                 StallMover mover) {
        this.stream = stream;
        this.topic = topic;
        this.group = group;
        this.clients = clients;
        this.pool = new SharePool(stream);
        this.lanes = new ShareLanes(stream, topic, group, clients, pool, maxLanes);
        this.onArrival = onArrival;
        this.mover = mover;
        this.starvationPatience = Duration.ofMillis(1000 + ThreadLocalRandom.current().nextInt(1000));
        this.thread = new Thread(this::run, "minibatch-kafka-share-" + stream);
        thread.setDaemon(true);
        thread.start();
    }

    SharePool pool() {
        checkAlive();
        return pool;
    }

    String topic() {
        return topic;
    }

    /** How many records came again through another lane while held (see {@link ShareLane#takeOver}). */
    long takenOver() {
        return takenOver;
    }

    /** Queues a settlement; the returned future completes with how many records were acknowledged. */
    CompletableFuture<Integer> settle(List<HeldRecord> records, AcknowledgeType type, long notBefore) {
        CompletableFuture<Integer> done = new CompletableFuture<>();
        if (records.isEmpty()) {
            done.complete(0);
            return done;
        }
        checkAlive();
        queue.add(new Settlement(records, type, notBefore, done));
        ShareLane polling = longPolling;
        if (polling != null) {
            polling.consumer.wakeup();
        }
        return done;
    }

    /** Waits for a settlement; its count, or an error naming the stream. */
    int await(CompletableFuture<Integer> done, String what) {
        try {
            return done.get(COMMIT_TIMEOUT.toSeconds() * 2, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            throw cause instanceof RuntimeException r ? r : new IllegalStateException(cause);
        } catch (TimeoutException e) {
            throw new IllegalStateException(what + " on stream '" + stream + "' got no answer from Kafka in "
                    + COMMIT_TIMEOUT.toSeconds() * 2 + " s; its records may be delivered again");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw KafkaStore.interrupted(what);
        }
    }

    /** See {@link FirstDelivery#awaitIfPending}. */
    boolean awaitFirstDeliveryIfPending(KafkaGroupAdmin admin, String topic, Duration max) {
        return firstDelivery.awaitIfPending(() -> admin.pendingEstimate(group, topic) > 0, max);
    }

    private void checkAlive() {
        RuntimeException f = failure;
        if (f != null) {
            throw f;
        }
        if (!running) {
            throw new IllegalStateException("the kafka:// store is closed");
        }
    }

    // ---- the fetcher thread ----

    private void run() {
        long idleMs = 1;
        try {
            while (running) {
                long now = System.nanoTime();
                queue.drainTo(pending);
                boolean worked = applyDue(now, false);
                worked |= expireLeases(now);
                worked |= renewLanes(now);
                worked |= pollLanes(Duration.ZERO);
                worked |= giveBack(now);
                leaveIfGivenAway();
                if (!paused()) {
                    lanes.manage(now);
                }
                if (LOG.isDebugEnabled() && now - lastReport > 5_000_000_000L) {
                    lastReport = now;
                    LOG.debug("stream '{}': {} free {} claimed {} hungry {} pending {}", stream, lanes, pool.freeCount(),
                            pool.claimedCount(), pool.hungry(), pending.size());
                }
                if (worked || !pending.isEmpty() && anyDue(now)) {
                    idleMs = 1;
                    continue;
                }
                ShareLane only = paused() ? null : lanes.singleFetching();
                if (only != null && pending.isEmpty() && queue.isEmpty()) {
                    longPoll(only);
                    continue;
                }
                // several lanes poll: no single poll can wait for all of them, so look again soon
                // while records flow, and back off when the stream is idle
                boolean flowing = System.nanoTime() - pool.lastArrival() < FLOWING;
                Settlement next = queue.poll(flowing ? 1 : idleMs, TimeUnit.MILLISECONDS);
                if (next != null) {
                    pending.add(next);
                    idleMs = 1;
                } else {
                    idleMs = Math.min(MAX_IDLE_MS, idleMs * 2);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            failure = fatal(e);
            LOG.error("kafka:// store: consuming stream '{}' (share group '{}') stopped: {}", stream, group,
                    failure.getMessage(), e);
        } finally {
            try {
                queue.drainTo(pending);
                if (failure == null) {
                    applyDue(Long.MAX_VALUE, true);
                }
            } catch (RuntimeException e) {
                LOG.warn("kafka:// store: settling on close of stream '{}': {}", stream, e.toString());
            }
            for (Settlement s : pending) {
                s.done.completeExceptionally(failure != null ? failure : new IllegalStateException("the kafka:// store is closed"));
            }
            lanes.closeAll();
            if (roleQueries != null) {
                roleQueries.shutdownNow();
            }
            running = false;
        }
    }

    private void longPoll(ShareLane lane) {
        longPolling = lane;
        ConsumerRecords<byte[], byte[]> records;
        try {
            if (!queue.isEmpty()) {
                return;
            }
            records = lane.poll(LONG_POLL);
        } catch (WakeupException woken) {
            return;
        } finally {
            longPolling = null;
        }
        take(lane, records, System.nanoTime());
    }

    private boolean anyDue(long now) {
        for (Settlement s : pending) {
            if (s.notBefore - now <= 0) {
                return true;
            }
        }
        return false;
    }

    /** Applies the due settlements whose lanes can take acknowledgements now, one commit per lane. */
    private boolean applyDue(long now, boolean closing) {
        if (pending.isEmpty()) {
            return false;
        }
        Set<ShareLane> touched = new HashSet<>();
        List<Applied> applied = new ArrayList<>();
        for (Iterator<Settlement> it = pending.iterator(); it.hasNext(); ) {
            Settlement s = it.next();
            if (!closing && s.notBefore - now > 0) {
                continue;
            }
            if (s.records.stream().anyMatch(h -> h.lane.renewing)) {
                continue;
            }
            int acknowledged = 0;
            for (HeldRecord h : s.records) {
                if (h.lost || !h.lane.outstanding.containsKey(h.id)) {
                    continue;
                }
                try {
                    h.lane.acknowledge(h, s.type);
                    acknowledged++;
                    touched.add(h.lane);
                } catch (IllegalStateException cannot) {
                    LOG.debug("stream '{}': record {} can no longer be acknowledged: {}", stream, h.id, cannot.getMessage());
                }
                h.lane.outstanding.remove(h.id);
                pool.remove(h);
                if (s.type == AcknowledgeType.ACCEPT) {
                    pool.accepted(h);
                }
            }
            it.remove();
            applied.add(new Applied(s.done, acknowledged));
        }
        for (ShareLane lane : touched) {
            if (closing || !lane.outstanding.isEmpty()) {
                // waited for: a commit that returned is acknowledged (commitAsync, tried, let a kill
                // right after it deliver 3x more windows again than the windows in flight)
                commit(lane);
            } else {
                // the lane settled its whole batch: sent at once, not waited for (the lane fetches
                // next). Not left to ride on the lane's next fetch: the consumer may have a fetch
                // waiting at the broker already (up to fetch.max.wait.ms, 500 ms, when the records in
                // its reach are the ones it holds), and the acknowledgements would wait behind it
                lane.consumer.commitAsync();
                lane.idleSince = now;
            }
        }
        for (Applied a : applied) {
            a.done.complete(a.count);
        }
        return !applied.isEmpty();
    }

    private void commit(ShareLane lane) {
        Map<TopicIdPartition, Optional<KafkaException>> results;
        try {
            try {
                results = lane.commit(COMMIT_TIMEOUT);
            } catch (WakeupException woken) {
                results = lane.commit(COMMIT_TIMEOUT); // a wake-up meant for a poll: commit again
            }
        } catch (KafkaException e) {
            if (isFatal(e)) {
                throw e;
            }
            LOG.warn("stream '{}': acknowledging records failed ({}); they may be delivered again", stream, e.toString());
            return;
        }
        results.forEach((tp, error) -> error.ifPresent(e -> LOG.warn(
                "stream '{}': Kafka reported an error for acknowledgements of partition {} ({}); those records may be"
                        + " delivered again", stream, tp.partition(), e.toString())));
        if (lane.outstanding.isEmpty()) {
            lane.idleSince = System.nanoTime();
        }
    }

    private boolean expireLeases(long now) {
        List<HeldRecord> expired = pool.expired(now);
        if (expired.isEmpty()) {
            return false;
        }
        LOG.info("stream '{}': {} claimed records outlived their lease; releasing them", stream, expired.size());
        pending.add(new Settlement(expired, AcknowledgeType.RELEASE, now, new CompletableFuture<>()));
        return true;
    }

    /** Renews each holding lane whose oldest lock is a third through; the lane then polls to get its records back. */
    private boolean renewLanes(long now) {
        boolean any = false;
        for (ShareLane lane : lanes.all()) {
            if (lane.renewing || lane.outstanding.isEmpty() || now - lane.oldestLock() < lockNanos / 3) {
                continue;
            }
            lane.renewAll(now);
            commit(lane);
            any = true;
        }
        return any;
    }

    private boolean pollLanes(Duration timeout) {
        if (paused()) {
            return false;
        }
        boolean got = false;
        for (ShareLane lane : List.copyOf(lanes.all())) {
            if (!lane.polls()) {
                continue;
            }
            ConsumerRecords<byte[], byte[]> records;
            try {
                records = lane.poll(timeout);
            } catch (WakeupException woken) {
                continue;
            }
            got |= take(lane, records, System.nanoTime());
        }
        return got;
    }

    /** Takes what a lane's poll returned: new records into the pool; renewed ones re-locked. */
    private boolean take(ShareLane lane, ConsumerRecords<byte[], byte[]> records, long now) {
        if (lane.consumer.acquisitionLockTimeoutMs().isPresent()) {
            lockNanos = TimeUnit.MILLISECONDS.toNanos(lane.consumer.acquisitionLockTimeoutMs().get());
        }
        boolean arrived = false;
        Set<String> back = new HashSet<>(); // records this lane holds again (renewed, or taken over)
        for (ConsumerRecord<byte[], byte[]> r : records) {
            String id = RecordCodec.id(r.partition(), r.offset());
            HeldRecord known = lane.outstanding.get(id);
            if (known != null) {
                known.record = r;
                known.lockedAt = now;
                if (lane.renewing) {
                    back.add(id);
                }
                continue;
            }
            if (RecordCodec.movedForAnotherGroup(r, group)) {
                lane.consumer.acknowledge(r, AcknowledgeType.ACCEPT); // this group consumes the original
                continue;
            }
            HeldRecord elsewhere = pool.held(id);
            if (elsewhere != null) {
                if (lane.takeOver(elsewhere, r, now, pool)) {
                    takenOver++;
                    back.add(id);
                }
                continue;
            }
            Message m = RecordCodec.decode(stream, r, MessageState.PENDING);
            HeldRecord h = new HeldRecord(r, lane, m, now);
            lane.outstanding.put(id, h);
            pool.add(h);
            arrived = true;
        }
        if (lane.renewing && (!records.isEmpty() || now - lane.renewSent > RENEW_BACK_WAIT)) {
            List<HeldRecord> lost = lane.endRenewal(back);
            if (!lost.isEmpty()) {
                lost.forEach(pool::lose);
                LOG.warn("stream '{}': {} records did not come back after renewing their locks (e.g. {}); another"
                        + " consumer may get them", stream, lost.size(), lost.get(0).id);
            }
        }
        if (takenOver > takenOverLogged) {
            LOG.info("stream '{}': {} records held here came again through share {} (their earlier lock was lost: it"
                    + " expired, or a partition's leader changed); they are settled through it now", stream,
                    takenOver - takenOverLogged, lane);
            takenOverLogged = takenOver;
        }
        if (arrived) {
            lane.idleSince = now;
            firstDelivery.arrived();
            onArrival.run();
        }
        return arrived || !records.isEmpty();
    }

    /** Moves every free record to the end of its partition now (so new appends can reach this process). */
    int moveFree() {
        List<HeldRecord> free = pool().takeFree();
        if (free.isEmpty()) {
            return 0;
        }
        try {
            mover.moveToEnd(free);
        } catch (RuntimeException e) {
            pool.unsettle(free);
            throw e;
        }
        return await(settle(free, AcknowledgeType.ACCEPT, System.nanoTime()), "moving records");
    }

    /**
     * When claims stall on the free records this process holds (see {@link SharePool#stalled}) and
     * something else could fill the windows, moves those records to the end of their partitions and
     * accepts the originals. Unlike a RELEASE this keeps their delivery count, so {@code attempts}
     * still counts failures and crashes only. Copy first, accept second: a crash in between
     * duplicates them, never loses them.
     */
    private boolean giveBack(long now) {
        // alone in the group (the last role found) nobody else moves or gathers: a short patience
        Duration patience = role == StallRole.GIVE ? ALONE_PATIENCE : starvationPatience;
        updateRole(now);
        if (!pool.stalling(now, patience) || role == StallRole.KEEP) {
            return false;
        }
        List<HeldRecord> stalled = pool.stalled(now, patience, MAX_MOVES);
        if (stalled.isEmpty()) {
            return false;
        }
        try {
            mover.moveToEnd(stalled);
        } catch (RuntimeException e) {
            LOG.warn("stream '{}': moving {} records of a stalled count window failed: {}", stream, stalled.size(), e.toString());
            pool.unsettle(stalled);
            return false;
        }
        LOG.debug("stream '{}': moved {} held records to the end of their partitions to unstall count windows ({})", stream,
                stalled.size(), role);
        pending.add(new Settlement(stalled, AcknowledgeType.ACCEPT, now, new CompletableFuture<>()));
        if (role == StallRole.GIVE_AND_PAUSE) {
            pausedUntil = now + GIVE_PAUSE;
            leaveWhenSettled = true;
        }
        nextMembersCheck = now;
        return true;
    }

    /**
     * Keeps {@link #role} current while claims go short: asked at most every 2 s, off this thread
     * (it asks the brokers, and this thread would poll nothing meanwhile), so that a stall finds it known.
     */
    private void updateRole(long now) {
        CompletableFuture<StallRole> query = roleQuery;
        if (query != null && query.isDone()) {
            role = query.exceptionally(e -> StallRole.KEEP).join();
            roleQuery = null;
        }
        // asked again when due, or sooner when claims went short after the last question (its answer
        // describes the group before this stall: KEEP then, when most of a backlog was still to come)
        boolean staleForThisStall = pool.hungrySince() - roleAskedAt > 0 && now - roleAskedAt >= ROLE_REASK;
        if (roleQuery == null && pool.hungry() && pool.freeCount() > 0
                && (now - nextMembersCheck >= 0 || staleForThisStall)) {
            nextMembersCheck = now + TimeUnit.SECONDS.toNanos(2);
            roleAskedAt = now;
            int laneCount = lanes.size();
            if (roleQueries == null) {
                roleQueries = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
                    Thread t = new Thread(r, "minibatch-kafka-stall-role-" + stream);
                    t.setDaemon(true);
                    return t;
                });
            }
            roleQuery = CompletableFuture.supplyAsync(() -> mover.role(laneCount, pool.heldCount()), roleQueries);
        }
    }

    /**
     * Closes the lanes that hold nothing once the given-away records are acknowledged: a lane that
     * stays in the group may have a fetch waiting at the broker, which would take the moved copies
     * back. The lanes reopen when the pause ends.
     */
    private void leaveIfGivenAway() {
        if (!leaveWhenSettled || pending.stream().anyMatch(p -> p.type == AcknowledgeType.ACCEPT)) {
            return;
        }
        leaveWhenSettled = false;
        lanes.closeIdle();
        LOG.debug("stream '{}': left share group '{}' for {} ms so another process gathers the leftovers", stream, group,
                TimeUnit.NANOSECONDS.toMillis(GIVE_PAUSE));
    }

    private boolean paused() {
        return System.nanoTime() - pausedUntil < 0;
    }

    private static boolean isFatal(KafkaException e) {
        return e instanceof AuthorizationException || e instanceof AuthenticationException
                || e instanceof UnsupportedVersionException || e instanceof InvalidConfigurationException;
    }

    private RuntimeException fatal(RuntimeException e) {
        if (e instanceof UnsupportedVersionException) {
            return new IllegalStateException("kafka:// store: the Kafka cluster does not serve share groups, which"
                    + " kafka:// streams are consumed with (KIP-932): " + e.getMessage(), e);
        }
        return new IllegalStateException("kafka:// store: consuming stream '" + stream + "' failed: " + e, e);
    }

    @Override
    public void close() {
        running = false;
        ShareLane polling = longPolling;
        if (polling != null) {
            polling.consumer.wakeup();
        }
        try {
            thread.join(TimeUnit.SECONDS.toMillis(40));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
