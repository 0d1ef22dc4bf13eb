package dev.minibatch.kafka.store;

import dev.minibatch.model.Message;
import dev.minibatch.model.MessageState;
import dev.minibatch.model.StreamInfo;
import dev.minibatch.model.StreamStats;
import dev.minibatch.spi.store.AppendWakeups;
import dev.minibatch.spi.store.Claim;
import dev.minibatch.spi.store.ConsumerFeatures;
import dev.minibatch.spi.store.Lease;
import dev.minibatch.spi.store.NewMessage;
import dev.minibatch.spi.store.Selection;
import dev.minibatch.spi.store.StreamStore;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * A {@link KafkaStore} as the consumers of a named group see it ({@code streaming(s).group(name)}):
 * their own share group ({@code topic#name}), so each group gets every message. Claims, commits,
 * releases, dead letters, reads and stats are the group's; appends and metadata the store's. Closing
 * the view does nothing: the store owns the clients. Thread-safe.
 */
final class KafkaGroupView implements StreamStore, AppendWakeups, ConsumerFeatures {

    private final KafkaStore store;
    private final String group;

    KafkaGroupView(KafkaStore store, String group) {
        this.store = store;
        this.group = group;
    }

    @Override
    public String url() {
        return store.url() + " (group " + group + ")";
    }

    @Override
    public StreamInfo openStream(String name, Duration interval, Instant now) {
        return store.openStream(name, interval, now);
    }

    @Override
    public Optional<StreamInfo> findStream(String name) {
        return store.findStream(name, group);
    }

    @Override
    public List<StreamInfo> listStreams() {
        return store.listStreams();
    }

    @Override
    public void append(String stream, List<NewMessage> messages) {
        store.append(stream, messages);
    }

    @Override
    public List<Message> read(String stream, Selection selection, List<MessageState> states) {
        return store.read(stream, group, selection, states);
    }

    @Override
    public Claim claim(String stream, Selection selection, Lease lease) {
        return store.claim(stream, group, selection, lease);
    }

    @Override
    public boolean renew(String stream, String token, Instant expiresAt) {
        return store.renew(stream, group, token, expiresAt);
    }

    @Override
    public int commit(String stream, String token, boolean keep) {
        return store.commit(stream, group, token);
    }

    @Override
    public int release(String stream, String token, Instant availableAt, String error) {
        return store.release(stream, group, token, availableAt);
    }

    @Override
    public int deadLetter(String stream, String token, String deadStream, String error, Instant now) {
        return store.deadLetter(stream, group, token, deadStream, error);
    }

    @Override
    public boolean compareAndSetLastRead(String stream, Instant expected, Instant next, Instant now) {
        return store.compareAndSetLastRead(stream, group, expected, next);
    }

    @Override
    public StreamStats stats(String stream) {
        return store.stats(stream, group);
    }

    @Override
    public int expire(String stream, Instant cutoff) {
        return store.expire(stream, cutoff);
    }

    @Override
    public int clear(String stream) {
        return store.clear(stream);
    }

    @Override
    public Subscription subscribeAppends(String stream, Runnable onAppend) {
        return store.subscribeAppends(stream, group, onAppend);
    }

    @Override
    public Optional<String> unsupported(Feature feature) {
        return store.unsupported(feature);
    }

    @Override
    public void close() {
        // the store owns the clients and fetchers
    }
}
