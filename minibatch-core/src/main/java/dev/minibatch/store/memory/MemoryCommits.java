package dev.minibatch.store.memory;

import dev.minibatch.spi.store.CommitEffects;
import dev.minibatch.spi.store.NewMessage;
import dev.minibatch.store.LocalWakeups;
import dev.minibatch.store.memory.MemoryStream.ClaimGroup;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Where the memory store ends claims: commits (plain, or with table state and stage outputs),
 * releases and dead letters. Each acts only on a claim still held under its token.
 *
 * <p><b>Threading.</b> Thread-safe: each holds the lock of the stream concerned; a commit with
 * effects holds the locks of every stream it touches, in name order, then the tables' lock.
 * Subscribers of streams that got messages are told after the locks are released.
 */
final class MemoryCommits {

    private final MemoryStreams streams;
    private final MemoryTables tables;
    private final LocalWakeups wakeups;

    MemoryCommits(MemoryStreams streams, MemoryTables tables, LocalWakeups wakeups) {
        this.streams = streams;
        this.tables = tables;
        this.wakeups = wakeups;
    }

    int commit(String stream, String token, boolean keep) {
        MemoryStream state = streams.existing(stream);
        if (state == null) {
            return 0;
        }
        synchronized (state) {
            ClaimGroup group = state.claimed.remove(token);
            if (group == null) {
                return 0;
            }
            if (keep) {
                for (MemoryEntry e : group.entries) {
                    state.done.put(e, e);
                }
            }
            return group.entries.size();
        }
    }

    int commitWithState(String stream, String token, boolean keep, int expected, CommitEffects effects) {
        MemoryStream state = streams.existing(stream);
        if (state == null) {
            return 0;
        }
        // every stream involved is locked, in name order, so two stages feeding each other cannot deadlock
        TreeMap<String, MemoryStream> locked = new TreeMap<>();
        locked.put(stream, state);
        for (Map.Entry<String, List<NewMessage>> a : effects.appends().entrySet()) {
            Instant first = a.getValue().isEmpty() ? effects.now() : a.getValue().get(0).created();
            locked.put(a.getKey(), streams.state(a.getKey(), MemoryStreams.DEFAULT_INTERVAL, first));
        }
        for (String changelog : effects.changelogs().values()) {
            locked.put(changelog, streams.state(changelog, MemoryStreams.DEFAULT_INTERVAL, effects.now()));
        }
        List<String> appended = new ArrayList<>();
        int committed = underLocks(new ArrayList<>(locked.values()), 0, () -> {
            ClaimGroup group = state.claimed.get(token);
            if (group == null || group.entries.size() != expected) {
                return 0;
            }
            // tables first: a state function that throws leaves the claim held and nothing changed
            Map<String, List<NewMessage>> changelog = effects.updates().isEmpty() ? Map.of() : tables.apply(effects);
            state.claimed.remove(token);
            if (keep) {
                for (MemoryEntry e : group.entries) {
                    state.done.put(e, e);
                }
            }
            for (Map.Entry<String, List<NewMessage>> a : effects.appends().entrySet()) {
                streams.appendLocked(locked.get(a.getKey()), a.getValue());
                if (!a.getValue().isEmpty()) {
                    appended.add(a.getKey());
                }
            }
            changelog.forEach((name, messages) -> {
                streams.appendLocked(locked.get(name), messages);
                appended.add(name);
            });
            return expected;
        });
        wakeups.appended(appended); // the next stages' consumers look at once
        return committed;
    }

    private static int underLocks(List<MemoryStream> states, int index, java.util.function.IntSupplier work) {
        if (index == states.size()) {
            return work.getAsInt();
        }
        synchronized (states.get(index)) {
            return underLocks(states, index + 1, work);
        }
    }

    int release(String stream, String token, Instant availableAt, String error) {
        MemoryStream state = streams.existing(stream);
        if (state == null) {
            return 0;
        }
        ClaimGroup group;
        synchronized (state) {
            group = state.claimed.remove(token);
            if (group == null) {
                return 0;
            }
            for (MemoryEntry e : group.entries) {
                if (error != null) {
                    e.attempts++;
                    e.error = error;
                }
                e.availableAt = availableAt.toEpochMilli();
                state.addPending(e);
            }
        }
        // pending again (at once or after a backoff): other consumers of the stream may take them
        wakeups.appended(stream);
        return group.entries.size();
    }

    int deadLetter(String stream, String token, String deadStream, String error, Instant now) {
        MemoryStream state = streams.existing(stream);
        if (state == null) {
            return 0;
        }
        ClaimGroup group;
        synchronized (state) {
            group = state.claimed.remove(token);
            if (group != null) {
                for (MemoryEntry e : group.entries) {
                    state.dropStale(e); // the entry moves to another stream's tree
                }
            }
        }
        if (group == null) {
            return 0;
        }
        MemoryStream dead = streams.state(deadStream, state.interval, now);
        synchronized (dead) {
            for (MemoryEntry e : group.entries) {
                e.attempts++;
                e.error = error;
                e.availableAt = 0;
                dead.addPending(e);
                dead.lastAppend = Math.max(dead.lastAppend, e.createdMillis);
            }
        }
        wakeups.appended(deadStream);
        return group.entries.size();
    }
}
