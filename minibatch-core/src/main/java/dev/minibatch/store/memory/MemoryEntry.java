package dev.minibatch.store.memory;

import com.fasterxml.jackson.databind.JsonNode;
import dev.minibatch.model.Message;
import dev.minibatch.model.MessageState;
import java.time.Instant;
import java.util.Comparator;

/**
 * One message in the memory store, pending, claimed or done, with its order ({@link #ORDER}:
 * creation time, then append sequence). Its mutable fields (attempts, error, availability, the
 * stale mark) are guarded by the lock of the stream that holds it ({@link MemoryStream}).
 */
final class MemoryEntry {

    /** (created, sequence), written out: keyed claims search the main tree once per message. */
    static final Comparator<MemoryEntry> ORDER = (a, b) -> {
        int byCreated = Long.compare(a.createdMillis, b.createdMillis);
        return byCreated != 0 ? byCreated : Long.compare(a.seq, b.seq);
    };


    final long seq;
    final long createdMillis;
    final Instant created;
    final JsonNode data;
    final String key;
    private final String id;
    int attempts;
    String error;
    long availableAt;
    /** Claimed by key but still in its stream's main pending tree (removed lazily); guarded by the stream. */
    boolean stale;

    MemoryEntry(long seq, Instant created, JsonNode data, int attempts, String error, String key) {
        this.seq = seq;
        this.key = key;
        this.id = data == null ? null : Long.toString(seq); // appended entries only; bounds need none
        this.createdMillis = created.toEpochMilli();
        this.created = created;
        this.data = data;
        this.attempts = attempts;
        this.error = error;
    }

    static MemoryEntry bound(long createdMillis, long seq) {
        return new MemoryEntry(seq, Instant.ofEpochMilli(createdMillis), null, 0, null, null);
    }

    String id() {
        return id;
    }

    Message toMessage(String stream, MessageState state) {
        return new Message(id(), stream, created, data, state, attempts, error, key);
    }
}
