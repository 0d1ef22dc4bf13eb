package dev.minibatch.store;

import dev.minibatch.spi.store.AppendWakeups;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The subscriber registry behind an embedded store's {@link AppendWakeups}: who listens to which
 * stream, and telling them when the store reports an append made in this JVM. The memory and SQLite
 * stores each hold one; appends by other processes reach no one through it.
 *
 * <p><b>Lifecycle.</b> One per store, created with it and {@linkplain #close() closed} with it:
 * closing ends every subscription ({@link AppendWakeups.Subscription#active()} turns false) and a
 * subscription made afterwards is never active. A subscription is active from
 * {@link #subscribe} until it or the registry is closed.
 *
 * <p><b>Threading.</b> Thread-safe. {@link #appended} runs the subscribers' callbacks on the calling
 * thread, so the store calls it after its transaction committed and outside its locks (a callback
 * that read the store at once must see the messages, and must never wait for a lock the appender
 * holds). Callbacks must return quickly, as {@link AppendWakeups} requires; one that throws is
 * logged and does not keep the others from being told. Telling a stream nobody watches costs one
 * map lookup.
 */
public final class LocalWakeups {

    private static final Logger LOG = LoggerFactory.getLogger(LocalWakeups.class);

    private final BooleanSupplier prompt;
    private final ConcurrentHashMap<String, CopyOnWriteArrayList<LocalSubscription>> byStream = new ConcurrentHashMap<>();
    private volatile boolean closed;

    /**
     * @param prompt whether the subscriptions are {@linkplain AppendWakeups.Subscription#prompt()
     *               prompt}: true only where no other process can append to the store (then a
     *               notice announces every append and consumers poll idle streams only rarely)
     */
    public LocalWakeups(boolean prompt) {
        this(() -> prompt);
    }

    /**
     * @param prompt asked on every {@link AppendWakeups.Subscription#prompt()}: whether every append
     *               is announced right now (the SQLite store's cross-process watch runs)
     */
    public LocalWakeups(BooleanSupplier prompt) {
        this.prompt = Objects.requireNonNull(prompt, "prompt");
    }

    /**
     * Registers {@code onAppend} for appends to {@code stream} and calls it once at once, since
     * appends made before may have gone unnoticed ({@link AppendWakeups#subscribeAppends}).
     */
    public AppendWakeups.Subscription subscribe(String stream, Runnable onAppend) {
        LocalSubscription subscription = new LocalSubscription(Objects.requireNonNull(stream, "stream"),
                Objects.requireNonNull(onAppend, "onAppend"));
        // added inside compute: a last subscriber's close removing the list cannot race with this add
        byStream.compute(stream, (s, subscribers) -> {
            CopyOnWriteArrayList<LocalSubscription> list = subscribers == null ? new CopyOnWriteArrayList<>() : subscribers;
            list.add(subscription);
            return list;
        });
        if (closed) { // closed meanwhile: close() may have missed this one
            subscription.close();
            return subscription;
        }
        subscription.tell();
        return subscription;
    }

    /** Messages may have become pending on {@code stream}: tells its subscribers. After the commit, outside locks. */
    public void appended(String stream) {
        List<LocalSubscription> subscribers = byStream.get(stream);
        if (subscribers != null) {
            for (LocalSubscription s : subscribers) {
                s.tell();
            }
        }
    }

    /** {@link #appended(String)} for each stream. */
    public void appended(Collection<String> streams) {
        for (String stream : streams) {
            appended(stream);
        }
    }

    /**
     * Tells every subscriber of every stream once: for a change no append announces, such as the
     * notices ceasing to be prompt (the subscribers then look at the store and at their interval).
     */
    public void appendedToAll() {
        for (List<LocalSubscription> subscribers : byStream.values()) {
            for (LocalSubscription s : subscribers) {
                s.tell();
            }
        }
    }

    /** Ends every subscription, now and to come. Idempotent. */
    public void close() {
        closed = true;
        for (List<LocalSubscription> subscribers : byStream.values()) {
            for (LocalSubscription s : subscribers) {
                s.close();
            }
        }
    }

    private final class LocalSubscription implements AppendWakeups.Subscription {

        private final String stream;
        private final Runnable onAppend;
        private volatile boolean open = true;

        LocalSubscription(String stream, Runnable onAppend) {
            this.stream = stream;
            this.onAppend = onAppend;
        }

        void tell() {
            if (!open) {
                return;
            }
            try {
                onAppend.run();
            } catch (RuntimeException e) {
                // the append has committed already: a failing listener must not fail the appender
                LOG.warn("append notice for stream '{}' failed: {}", stream, e.toString());
            }
        }

        @Override
        public boolean active() {
            return open;
        }

        @Override
        public boolean prompt() {
            return open && prompt.getAsBoolean();
        }

        @Override
        public void close() {
            open = false;
            byStream.computeIfPresent(stream, (s, subscribers) -> {
                subscribers.remove(this);
                return subscribers.isEmpty() ? null : subscribers;
            });
        }
    }
}
