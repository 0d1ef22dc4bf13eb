package dev.minibatch.keyed;

import dev.minibatch.model.Message;
import dev.minibatch.model.Window;
import dev.minibatch.spi.store.Claim;
import dev.minibatch.spi.emitter.EmitterContext;
import dev.minibatch.spi.emitter.ForwardingEmitterContext;
import dev.minibatch.spi.store.KeyedStore.KeyCount;
import dev.minibatch.spi.store.Lease;
import dev.minibatch.spi.store.Selection;
import dev.minibatch.spi.store.StoreCapabilities;
import dev.minibatch.spi.emitter.WindowEmitter;
import dev.minibatch.spi.emitter.WindowQuery;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Windows per key for any emitter: one emitter instance per key (from a factory), each driven
 * through an {@link EmitterContext} scoped to its key. A <em>sweep</em> finds the keys with pending
 * messages — one grouped count on a {@link dev.minibatch.spi.store.KeyedStore} with stored keys, else one read of up to
 * {@code scanLimit} pending messages whose keys are computed here — and then visits those keys one
 * round each, oldest key first. On a {@link dev.minibatch.spi.store.BatchClaims} store (SQLite) a count-style claim of one
 * key (no time bounds) also claims the same selection for the next keys of the sweep known to have
 * enough — as many windows as this consumer went through in the last {@code AHEAD_HORIZON} (200 ms),
 * at most {@value #CLAIM_AHEAD} — in one store step, and hands those windows out as their keys
 * come up (renewing a lease a third gone); a window claimed ahead that its key's emitter does not
 * take is released, and so is every one left when the consumer stops.
 *
 * <p><b>Guarantees.</b> Claims stay the store's atomic claims (by key, or by the ids of one key),
 * so competing consumers never share a message and a window never mixes keys. With
 * {@code workers(1)} windows, and so each key's windows, are processed and committed in order. A
 * message whose key cannot be computed is claimed alone and moved to the dead-letter stream with
 * the reason; the others go on.
 *
 * <p><b>Per-key time.</b> A key's {@code lastRead} lives in this consumer (starting at the stream's
 * {@code lastRead}, so all keys and all consumers share one grid); it is not stored. After a
 * restart a key's grid restarts there; time windows include late messages, so nothing is lost.
 * Keys with nothing pending are forgotten at the next sweep, so memory follows the live keys.
 *
 * <p><b>Threading.</b> Like every emitter: one instance per consumer, called from its loop thread.
 */
public final class KeyedEmitter implements WindowEmitter {

    private static final Logger LOG = LoggerFactory.getLogger(KeyedEmitter.class);

    /** Default most pending messages read per sweep when keys are computed from the data. */
    public static final int DEFAULT_SCAN_LIMIT = 10_000;

    /** Most keys' windows claimed in one store step on a {@link dev.minibatch.spi.store.BatchClaims} store. */
    static final int CLAIM_AHEAD = 64;
    /** Windows claimed ahead are about this much work at the recent pace, so slow windows are not hoarded. */
    static final Duration AHEAD_HORIZON = Duration.ofMillis(200);
    /** How many windows are claimed ahead before the pace is known. */
    static final int FIRST_AHEAD = 8;

    private final StoreCapabilities capabilities;
    private final String stream;
    private final Supplier<? extends WindowEmitter> factory;
    private final KeySelector selector;
    private final int scanLimit;
    private final boolean claimsByStoredKey;
    /** Whether a claim of one key's window also takes the ready windows of the next keys (one store step). */
    private final boolean claimsAhead;
    private final String description;
    private final HashMap<String, Lane> lanes = new HashMap<>();
    private final ArrayDeque<Lane> queue = new ArrayDeque<>();
    private Lane current;
    private Duration idleDelay;
    /** Pace of this consumer's keyed claims (an average of the time between them, ms; -1 unknown). */
    private double claimEveryMillis = -1;
    private Instant lastClaimAt;

    /**
     * @param capabilities     what the consumer's store can do (claims by stored key, batch claims)
     * @param stream           the consumed stream
     * @param factory          a new emitter per call; called once per key (and once here, to check it)
     * @param selector         how keys are found
     * @param scanLimit        most pending messages read per sweep when keys are computed here
     */
    public KeyedEmitter(StoreCapabilities capabilities, String stream, Supplier<? extends WindowEmitter> factory,
                        KeySelector selector, int scanLimit) {
        this.capabilities = Objects.requireNonNull(capabilities, "capabilities");
        this.stream = Objects.requireNonNull(stream, "stream");
        this.factory = Objects.requireNonNull(factory, "factory");
        this.selector = Objects.requireNonNull(selector, "selector");
        if (scanLimit < 1) {
            throw new IllegalArgumentException("scanLimit must be >= 1, was " + scanLimit);
        }
        this.scanLimit = scanLimit;
        this.claimsByStoredKey = selector.isStored() && capabilities.keys() != null;
        this.claimsAhead = claimsByStoredKey && capabilities.batchClaims() != null;
        WindowEmitter sample = newEmitter();
        WindowEmitter second = newEmitter();
        if (sample == second) {
            throw new IllegalArgumentException("a keyed consumer needs a new emitter per key; the factory returned one"
                    + " instance twice");
        }
        this.description = "Keyed(" + selector + ", " + sample + ")";
    }

    private WindowEmitter newEmitter() {
        WindowEmitter e = factory.get();
        if (e == null) {
            throw new IllegalArgumentException("the emitter factory of a keyed consumer returned null");
        }
        return e;
    }

    /**
     * Which key's emitter is running a round now (between windowReady and emit); for tests and logs.
     *
     * @return the key, or empty between rounds
     */
    public Optional<String> currentKey() {
        return current == null ? Optional.empty() : Optional.ofNullable(current.key);
    }

    @Override
    public Optional<WindowQuery> windowReady(EmitterContext context) {
        boolean swept = false;
        while (true) {
            if (queue.isEmpty()) {
                if (swept) {
                    current = null;
                    return Optional.empty();
                }
                sweep(context);
                swept = true;
                continue;
            }
            Lane lane = queue.poll();
            Optional<WindowQuery> query = lane.emitter.windowReady(lane.context(context));
            if (query.isPresent()) {
                current = lane;
                return query;
            }
            releaseClaimedAhead(lane, context);
            Duration delay = lane.emitter.pollDelay(lane.context(context));
            idleDelay = idleDelay == null || delay.compareTo(idleDelay) < 0 ? delay : idleDelay;
        }
    }

    private void sweep(EmitterContext context) {
        Instant now = context.now();
        idleDelay = null;
        for (Lane lane : lanes.values()) {
            releaseClaimedAhead(lane, context); // claimed ahead for a round its emitter did not use
        }
        Set<String> seen = new HashSet<>();
        if (claimsByStoredKey) {
            for (KeyCount count : capabilities.keys().pendingByKey(stream, Selection.pending(), now)) {
                Lane lane = lane(count.key());
                lane.known = count.count();
                lane.snapshot = null;
                seen.add(count.key());
                queue.add(lane);
            }
        } else {
            LinkedHashMap<String, List<Message>> groups = new LinkedHashMap<>();
            for (Message m : capabilities.store().read(stream, Selection.pending().limit(scanLimit), null)) {
                String key;
                try {
                    key = selector.keyOf(m);
                } catch (KeySelector.KeyException e) {
                    context.deadLetter(m, e.getMessage()); // counted and told like any dead letter
                    continue;
                }
                groups.computeIfAbsent(key, k -> new ArrayList<>()).add(m);
            }
            for (Map.Entry<String, List<Message>> group : groups.entrySet()) {
                Lane lane = lane(group.getKey());
                lane.snapshot = group.getValue();
                lane.known = group.getValue().size();
                seen.add(group.getKey());
                queue.add(lane);
            }
        }
        // forget keys with nothing pending: memory follows the live keys
        Iterator<Map.Entry<String, Lane>> it = lanes.entrySet().iterator();
        while (it.hasNext()) {
            if (!seen.contains(it.next().getKey())) {
                it.remove();
            }
        }
    }

    /** Gives back a window claimed ahead for a lane that did not take it. */
    private void releaseClaimedAhead(Lane lane, EmitterContext context) {
        if (lane.ahead != null) {
            Claim ahead = lane.ahead;
            lane.ahead = null;
            lane.aheadFor = null;
            context.release(ahead);
        }
    }

    private Lane lane(String key) {
        return lanes.computeIfAbsent(key, k -> new Lane(k, newEmitter()));
    }

    private Lane laneOf(Window window) {
        return lane(window.key());
    }

    @Override
    public Selection query(EmitterContext context, WindowQuery query) {
        return current.emitter.query(current.context(context), query);
    }

    @Override
    public Claim process(EmitterContext context, WindowQuery query, Selection selection) {
        return current.emitter.process(current.context(context), query, selection);
    }

    @Override
    public Optional<Window> emit(EmitterContext context, WindowQuery query, Claim claim) {
        Lane lane = current;
        current = null;
        return lane.emitter.emit(lane.context(context), query, claim);
    }

    @Override
    public void commit(EmitterContext context, Window window) {
        Lane lane = laneOf(window);
        lane.emitter.commit(lane.context(context), window);
    }

    @Override
    public void undo(EmitterContext context, Window window, Throwable error) {
        Lane lane = laneOf(window);
        lane.emitter.undo(lane.context(context), window, error);
    }

    @Override
    public Duration pollDelay(EmitterContext context) {
        if (!queue.isEmpty()) {
            return Duration.ZERO; // keys left to visit in this sweep
        }
        Duration poll = context.pollInterval();
        return idleDelay == null || idleDelay.compareTo(poll) > 0 ? poll : idleDelay;
    }

    @Override
    public String toString() {
        return description;
    }

    /** One key's emitter and what this consumer knows of the key. */
    private final class Lane {
        final String key;
        final WindowEmitter emitter;
        /** Pending messages of the key at the last sweep (an estimate: an upper bound for claims by count). */
        long known = Long.MAX_VALUE;
        /** With computed keys: the key's pending messages from the last sweep, claimed by id. */
        List<Message> snapshot;
        /** A window claimed ahead for this key (with another key's claim), and the selection it answers. */
        Claim ahead;
        Selection aheadFor;
        Instant lastRead;
        boolean lastReadLoaded;
        KeyContext context;

        Lane(String key, WindowEmitter emitter) {
            this.key = key;
            this.emitter = emitter;
        }

        KeyContext context(EmitterContext parent) {
            if (context == null || context.parent != parent) {
                context = new KeyContext(this, parent);
            }
            return context;
        }
    }

    /** The buffer as one key's emitter sees it. */
    private final class KeyContext extends ForwardingEmitterContext {
        final Lane lane;
        final EmitterContext parent;

        KeyContext(Lane lane, EmitterContext parent) {
            super(parent);
            this.lane = lane;
            this.parent = parent;
        }

        @Override
        public String key() {
            return lane.key;
        }

        @Override
        public boolean keyed() {
            return true;
        }

        @Override
        public Optional<Instant> lastRead() {
            if (!lane.lastReadLoaded) {
                lane.lastRead = parent.lastRead().orElse(null);
                lane.lastReadLoaded = true;
            }
            return Optional.ofNullable(lane.lastRead);
        }

        @Override
        public boolean compareAndSetLastRead(Instant expected, Instant next) {
            lastRead();
            if (!Objects.equals(lane.lastRead, expected)) {
                return false;
            }
            lane.lastRead = next;
            return true;
        }

        @Override
        public List<Message> peek(Selection selection) {
            if (lane.snapshot == null) {
                return parent.peek(selection.key(lane.key));
            }
            List<Message> out = new ArrayList<>();
            for (Message m : lane.snapshot) {
                if (selection.matches(m.id(), m.created())) {
                    out.add(m.withKey(lane.key));
                    if (selection.limit() > 0 && out.size() >= selection.limit()) {
                        break;
                    }
                }
            }
            return out;
        }

        @Override
        public Claim claim(Selection selection) {
            if (selection.minCount() > lane.known) {
                // the last sweep saw too few of this key: no store call (the next sweep looks again)
                Instant now = parent.now();
                return new Claim(new Lease("keyed-skip-" + UUID.randomUUID(), "keyed", now, now), List.of());
            }
            Claim claim;
            if (lane.snapshot == null) {
                claim = claimsAhead ? claimAhead(selection) : parent.claim(selection.key(lane.key));
            } else {
                Set<String> ids = new HashSet<>();
                for (Message m : lane.snapshot) {
                    if (selection.matches(m.id(), m.created())) {
                        ids.add(m.id());
                    }
                }
                if (ids.isEmpty() || ids.size() < selection.minCount()) {
                    Instant now = parent.now();
                    return new Claim(new Lease("keyed-skip-" + UUID.randomUUID(), "keyed", now, now), List.of());
                }
                claim = parent.claim(new Selection(selection.createdFrom(), selection.createdBefore(), selection.limit(),
                        selection.minCount(), ids));
                Set<String> taken = new HashSet<>();
                claim.messages().forEach(m -> taken.add(m.id()));
                lane.snapshot.removeIf(m -> taken.contains(m.id()));
                List<Message> keyedMessages = new ArrayList<>(claim.messages().size());
                claim.messages().forEach(m -> keyedMessages.add(m.withKey(lane.key)));
                claim = new Claim(claim.lease(), keyedMessages);
            }
            if (lane.known != Long.MAX_VALUE) {
                lane.known = Math.max(0, lane.known - claim.messages().size());
            }
            return claim;
        }

        /**
         * This key's claim, taken together with the windows of the next keys in the sweep that are
         * known to have enough pending (one store step for all); each of those is handed out when
         * its key's emitter asks for the same selection. Only selections that do not depend on the
         * key's own state (no time bounds, no ids: count windows) are claimed ahead.
         */
        private Claim claimAhead(Selection selection) {
            Selection mine = selection.key(lane.key);
            if (lane.ahead != null) {
                aheadLimit(parent.now()); // a window handed out: part of the pace
                Claim ahead = lane.ahead;
                boolean same = mine.equals(lane.aheadFor);
                lane.ahead = null;
                lane.aheadFor = null;
                if (same) {
                    return fresh(ahead);
                }
                parent.release(ahead);
            }
            if (selection.createdFrom() != null || selection.createdBefore() != null || selection.ids() != null) {
                return parent.claim(mine);
            }
            long needed = Math.max(1, selection.minCount());
            int most = aheadLimit(parent.now());
            List<Lane> batch = new ArrayList<>();
            List<Selection> selections = new ArrayList<>();
            batch.add(lane);
            selections.add(mine);
            for (Lane next : queue) {
                if (batch.size() >= most) {
                    break;
                }
                if (next.ahead == null && next.snapshot == null && next.known >= needed && next.known != Long.MAX_VALUE) {
                    batch.add(next);
                    selections.add(selection.key(next.key));
                }
            }
            if (batch.size() == 1) {
                return parent.claim(mine);
            }
            List<Claim> claims = parent.claimEach(selections);
            for (int i = 1; i < batch.size(); i++) {
                if (!claims.get(i).isEmpty()) {
                    batch.get(i).ahead = claims.get(i);
                    batch.get(i).aheadFor = selections.get(i);
                }
            }
            return claims.get(0);
        }

        /**
         * How many windows to claim at once: as many as this consumer went through in
         * {@link #AHEAD_HORIZON} lately (at least 1, at most {@link #CLAIM_AHEAD}), so competing
         * consumers with slow window functions share the keys instead of one holding them all.
         */
        private int aheadLimit(Instant now) {
            if (lastClaimAt != null) {
                // capped: a pause with nothing to claim says little about the pace of windows
                double since = Math.min(1000, Math.max(0, Duration.between(lastClaimAt, now).toNanos() / 1e6));
                claimEveryMillis = claimEveryMillis < 0 ? since : claimEveryMillis * 0.8 + since * 0.2;
            }
            lastClaimAt = now;
            if (claimEveryMillis < 0) {
                return FIRST_AHEAD;
            }
            double fits = AHEAD_HORIZON.toMillis() / Math.max(claimEveryMillis, 0.01);
            return (int) Math.max(1, Math.min(CLAIM_AHEAD, fits));
        }

        /**
         * A claim taken ahead, its lease renewed if a third of it has passed since (a slow window
         * function before it); empty if the lease was lost meanwhile (its messages went back).
         */
        private Claim fresh(Claim ahead) {
            Lease lease = ahead.lease();
            Instant now = parent.now();
            Duration length = Duration.between(lease.now(), lease.expiresAt());
            if (now.isAfter(lease.now().plus(length.dividedBy(3))) && !parent.renew(ahead)) {
                return new Claim(lease, List.of());
            }
            return ahead;
        }

        @Override
        public Window window(WindowQuery query, Claim claim, List<Message> messages) {
            return parent.window(query, claim, messages).withKey(lane.key);
        }

    }
}
