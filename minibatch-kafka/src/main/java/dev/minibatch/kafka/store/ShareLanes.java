package dev.minibatch.kafka.store;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The share consumers ({@link ShareLane}s) of one stream in one process, and when to open and
 * close them: the first once a claim tells the window size; a second to read ahead for count
 * windows; more when claims go short and no lane fetches, or the fetching ones bring nothing (a lane
 * fetches only from the partitions the group assigned it); a lane with a batch smaller than the
 * windows replaced; lanes idle for 30 s closed (one stays). Fetcher thread only.
 */
final class ShareLanes {

    private static final Logger LOG = LoggerFactory.getLogger(ShareLanes.class);
    private static final long LANE_IDLE_CLOSE = TimeUnit.SECONDS.toNanos(30);
    private static final long LANE_PATIENCE = TimeUnit.MILLISECONDS.toNanos(500);
    /** How long the first lane waits for a first claim to say how large windows are. */
    private static final long FIRST_LANE_WAIT = TimeUnit.MILLISECONDS.toNanos(200);
    private static final int DEFAULT_BATCH = 500;
    private static final int MAX_BATCH = 10_000;

    private final String stream;
    private final String topic;
    private final String group;
    private final KafkaClients clients;
    private final SharePool pool;
    private final int maxLanes;
    private final List<ShareLane> lanes = new ArrayList<>();
    private final long started = System.nanoTime();
    private int laneNumbers;
    private long lastLaneOpened;

    ShareLanes(String stream, String topic, String group, KafkaClients clients, SharePool pool, int maxLanes) {
        this.stream = stream;
        this.topic = topic;
        this.group = group;
        this.clients = clients;
        this.pool = pool;
        this.maxLanes = maxLanes;
    }

    List<ShareLane> all() {
        return lanes;
    }

    int size() {
        return lanes.size();
    }

    /** The one lane that polls, if exactly one does (and is not renewing): a poll of it may wait. */
    ShareLane singleFetching() {
        ShareLane only = null;
        for (ShareLane lane : lanes) {
            if (lane.polls()) {
                if (only != null) {
                    return null;
                }
                only = lane;
            }
        }
        return only != null && !only.renewing ? only : null;
    }

    /** Opens a lane when claims go short and every lane holds a batch; closes lanes idle for long. */
    void manage(long now) {
        if (lanes.isEmpty()) {
            if (pool.asked() || now - started > FIRST_LANE_WAIT) {
                open(now);
            }
            return;
        }
        if (!clients.batchSizeFixed()) {
            for (ShareLane lane : lanes) {
                if (lane.fetching() && lane.batch < batch()) { // windows grew: a lane with a larger batch
                    lanes.remove(lane);
                    lane.close();
                    LOG.debug("stream '{}': replaced {} (batches of {}) for windows of {}", stream, lane, lane.batch,
                            pool.wanted());
                    open(now);
                    return;
                }
            }
        }
        boolean anyFetching = lanes.stream().anyMatch(ShareLane::polls);
        if (lanes.size() == 1 && pool.wanted() > 1 && maxLanes > 1) {
            open(now); // count windows: a second lane reads ahead while the first holds a batch (joining takes a while)
            return;
        }
        // when the polling lanes bring nothing while claims go short, another lane may be assigned
        // the partitions that have records
        boolean fetchingInVain = anyFetching && pool.hungry() && now - lastLaneOpened > LANE_PATIENCE
                && now - pool.lastArrival() > LANE_PATIENCE;
        if (pool.wantsMore() && (!anyFetching || fetchingInVain) && lanes.size() < maxLanes) {
            open(now);
            return;
        }
        if (lanes.size() > 1) {
            for (Iterator<ShareLane> it = lanes.iterator(); it.hasNext(); ) {
                ShareLane lane = it.next();
                if (lane.fetching() && now - lane.idleSince > LANE_IDLE_CLOSE && lanes.size() > 1) {
                    it.remove();
                    lane.close();
                    LOG.debug("stream '{}': closed idle share {}", stream, lane);
                }
            }
        }
    }

    /** Closes the lanes that hold nothing (they leave the group; {@link #manage} opens lanes again). */
    void closeIdle() {
        for (Iterator<ShareLane> it = lanes.iterator(); it.hasNext(); ) {
            ShareLane lane = it.next();
            if (lane.outstanding.isEmpty() && !lane.renewing) {
                it.remove();
                lane.close();
            }
        }
    }

    /** Closes every lane: each sends its pending acknowledgements and releases what it still holds. */
    void closeAll() {
        for (ShareLane lane : lanes) {
            try {
                lane.close();
            } catch (RuntimeException e) {
                LOG.debug("closing {} of stream '{}': {}", lane, stream, e.toString());
            }
        }
        lanes.clear();
    }

    /**
     * A lane's batch ({@code max.poll.records}): at least a window. A lane fetches only from the
     * partitions the group assigned it, and not again until its batch is settled; with batches
     * smaller than a window, a window needs several lanes' batches, and at the end of a backlog the
     * records left behind a lane's held batch are out of every lane's reach.
     */
    private int batch() {
        return Math.min(MAX_BATCH, Math.max(DEFAULT_BATCH, pool.wanted()));
    }

    private void open(long now) {
        int batch = batch();
        ShareLane lane = new ShareLane(++laneNumbers, clients.shareConsumer(group, laneNumbers, batch,
                batch > DEFAULT_BATCH), batch);
        lane.consumer.setAcknowledgementCommitCallback((offsets, error) -> {
            if (error != null) { // called on the fetcher thread, in a poll that carried acknowledgements
                LOG.warn("stream '{}': Kafka reported an error for acknowledgements of {} ({}); those records may be"
                        + " delivered again", stream, offsets.keySet(), error.toString());
            }
        });
        lane.consumer.subscribe(List.of(topic));
        lanes.add(lane);
        lastLaneOpened = now;
        LOG.debug("stream '{}': opened share {} of group '{}'", stream, lane, group);
    }

    @Override
    public String toString() {
        return lanes.toString();
    }
}
