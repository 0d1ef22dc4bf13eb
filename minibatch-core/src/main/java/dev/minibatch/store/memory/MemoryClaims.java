package dev.minibatch.store.memory;

import dev.minibatch.model.Message;
import dev.minibatch.model.MessageState;
import dev.minibatch.spi.store.Claim;
import dev.minibatch.spi.store.Lease;
import dev.minibatch.spi.store.Selection;
import dev.minibatch.store.memory.MemoryStream.ClaimGroup;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Where the memory store claims messages and keeps them claimed: claims (by selection, by key, by
 * ids; all-or-nothing with a minimum count), the recovery of expired leases before a claim, and
 * lease renewal. How a claim ends is {@link MemoryCommits}.
 *
 * <p><b>Threading.</b> Thread-safe: every method holds the lock of the stream concerned.
 */
final class MemoryClaims {

    private final MemoryStreams streams;

    MemoryClaims(MemoryStreams streams) {
        this.streams = streams;
    }

    Claim claim(String stream, Selection selection, Lease lease) {
        MemoryStream state = streams.existing(stream);
        if (state == null) {
            return new Claim(lease, List.of());
        }
        List<Message> claimed = new ArrayList<>(selection.limit() > 0 ? Math.min(selection.limit(), 1024) : 16);
        synchronized (state) {
            recoverExpired(state, lease.now());
            List<MemoryEntry> taken = new ArrayList<>(selection.limit() > 0 ? Math.min(selection.limit(), 1024) : 16);
            long now = lease.now().toEpochMilli();
            int limit = selection.limit();
            if (selection.ids() != null) {
                List<MemoryEntry> byIds = new ArrayList<>();
                Map<Long, MemoryEntry> index = state.idIndex();
                for (String id : selection.ids()) {
                    Long seq = parseId(id);
                    MemoryEntry e = seq == null ? null : index.get(seq);
                    if (e != null && e.availableAt <= now && selection.matches(id, e.created) && selection.matchesKey(e.key)) {
                        byIds.add(e);
                    }
                }
                byIds.sort(MemoryEntry.ORDER);
                taken = limit > 0 && byIds.size() > limit ? new ArrayList<>(byIds.subList(0, limit)) : byIds;
                if (taken.size() < selection.minCount()) {
                    return new Claim(lease, List.of());
                }
                for (MemoryEntry e : taken) {
                    state.removePending(e);
                }
            } else {
                // the range view already applies the time bounds; walk it in order
                TreeMap<MemoryEntry, MemoryEntry> source = state.pendingOf(selection);
                java.util.NavigableMap<MemoryEntry, MemoryEntry> view = MemoryStream.range(source, selection);
                boolean allAvailable = state.latestAvailableAt <= now && view == source;
                int available = allAvailable ? view.size() - (source == state.pending ? state.stale : 0)
                        : countAvailable(view, now, selection.minCount());
                if (selection.minCount() > 0 && available < selection.minCount()) {
                    return new Claim(lease, List.of());
                }
                Iterator<MemoryEntry> it = view.keySet().iterator();
                while (it.hasNext() && (limit == 0 || taken.size() < limit)) {
                    MemoryEntry e = it.next();
                    if (e.stale) { // taken by a keyed claim earlier: drop it from the main tree now
                        it.remove();
                        e.stale = false;
                        state.stale--;
                        continue;
                    }
                    if (e.availableAt > now) {
                        continue;
                    }
                    it.remove();
                    if (source != state.pending) {
                        // a keyed claim leaves the entry in the main tree, marked: searching that tree
                        // per message would cost a keyed claim more than the claim itself
                        e.stale = true;
                        state.stale++;
                    }
                    if (source == state.pending) {
                        state.unindex(e, null);
                    } else if (state.byId != null) {
                        state.byId.remove(e.seq); // e left its key's tree above; an emptied tree goes below
                    }
                    taken.add(e);
                }
                if (source != state.pending) {
                    if (source.isEmpty() && selection.byKey()) {
                        state.byKey.remove(selection.key() == null ? MemoryStream.NO_KEY : selection.key());
                    }
                    state.purgeStaleIfMany();
                }
            }
            ClaimGroup group = new ClaimGroup(lease.owner(), lease.expiresAt().toEpochMilli(), taken);
            for (MemoryEntry e : taken) {
                claimed.add(e.toMessage(stream, MessageState.CLAIMED));
            }
            state.claimed.put(lease.token(), group);
        }
        return new Claim(lease, claimed);
    }

    private static int countAvailable(java.util.NavigableMap<MemoryEntry, MemoryEntry> view, long now, int enough) {
        int count = 0;
        for (MemoryEntry e : view.keySet()) {
            if (!e.stale && e.availableAt <= now && ++count >= enough) {
                break;
            }
        }
        return count;
    }

    private static Long parseId(String id) {
        try {
            return Long.valueOf(id);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static void recoverExpired(MemoryStream state, Instant now) {
        long nowMillis = now.toEpochMilli();
        Iterator<Map.Entry<String, ClaimGroup>> it = state.claimed.entrySet().iterator();
        while (it.hasNext()) {
            ClaimGroup group = it.next().getValue();
            if (group.leaseUntil <= nowMillis) {
                it.remove();
                for (MemoryEntry e : group.entries) {
                    e.attempts++;
                    e.error = "lease of " + group.owner + " expired";
                    e.availableAt = nowMillis;
                    state.addPending(e);
                }
            }
        }
    }

    boolean renew(String stream, String token, Instant expiresAt) {
        MemoryStream state = streams.existing(stream);
        if (state == null) {
            return false;
        }
        synchronized (state) {
            ClaimGroup group = state.claimed.get(token);
            if (group == null) {
                return false;
            }
            group.leaseUntil = expiresAt.toEpochMilli();
            return true;
        }
    }
}
