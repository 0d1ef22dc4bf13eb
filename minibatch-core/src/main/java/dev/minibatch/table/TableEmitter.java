package dev.minibatch.table;

import dev.minibatch.Message;
import dev.minibatch.Window;
import dev.minibatch.spi.Claim;
import dev.minibatch.spi.CommitEffects;
import dev.minibatch.spi.EmitterContext;
import dev.minibatch.spi.NewMessage;
import dev.minibatch.spi.Selection;
import dev.minibatch.spi.StateUpdate;
import dev.minibatch.spi.WindowEmitter;
import dev.minibatch.spi.WindowQuery;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Wraps a consumer's emitter (keyed or not) so that a window's commit carries its prepared state
 * updates: the inner emitter commits as usual, through a context whose {@code commit} is the
 * store's commit with state. Every other step is the inner emitter's. Loop thread only.
 */
final class TableEmitter implements WindowEmitter {

    private final WindowEmitter inner;
    private final Map<String, List<StateUpdate>> prepared;
    private final Map<String, String> changelogs;

    TableEmitter(WindowEmitter inner, Map<String, List<StateUpdate>> prepared, Map<String, String> changelogs) {
        this.inner = inner;
        this.prepared = prepared;
        this.changelogs = changelogs;
    }

    @Override
    public Optional<WindowQuery> windowReady(EmitterContext context) {
        context.settleCommits(); // half-done commits of dead consumers (MongoDB); rate-limited by the store
        return inner.windowReady(context);
    }

    @Override
    public Selection query(EmitterContext context, WindowQuery query) {
        return inner.query(context, query);
    }

    @Override
    public Claim process(EmitterContext context, WindowQuery query, Selection selection) {
        return inner.process(context, query, selection);
    }

    @Override
    public Optional<Window> emit(EmitterContext context, WindowQuery query, Claim claim) {
        return inner.emit(context, query, claim);
    }

    @Override
    public void commit(EmitterContext context, Window window) {
        List<StateUpdate> updates = prepared.remove(window.id());
        if (updates == null) {
            inner.commit(context, window);
            return;
        }
        inner.commit(new WithState(context, TableOperators.Bound.effects(updates, changelogs, context.now())), window);
    }

    @Override
    public void undo(EmitterContext context, Window window, Throwable error) {
        prepared.remove(window.id());
        inner.undo(context, window, error);
    }

    @Override
    public Duration pollDelay(EmitterContext context) {
        return inner.pollDelay(context);
    }

    @Override
    public String toString() {
        return inner.toString();
    }

    /** The consumer's context, with {@code commit} carrying the window's state effects. */
    private static final class WithState implements EmitterContext {
        private final EmitterContext parent;
        private final CommitEffects effects;

        WithState(EmitterContext parent, CommitEffects effects) {
            this.parent = parent;
            this.effects = effects;
        }

        @Override
        public void commit(Window window) {
            parent.commit(window, effects);
        }

        @Override
        public void commitAndAppend(Window window, Map<String, List<NewMessage>> appends) {
            Map<String, List<NewMessage>> all = new HashMap<>(effects.appends());
            all.putAll(appends);
            parent.commit(window, new CommitEffects(effects.updates(), effects.changelogs(), all, effects.now()));
        }

        @Override
        public void commit(Window window, CommitEffects more) {
            parent.commit(window, more);
        }

        @Override
        public String stream() {
            return parent.stream();
        }

        @Override
        public String key() {
            return parent.key();
        }

        @Override
        public boolean keyed() {
            return parent.keyed();
        }

        @Override
        public Clock clock() {
            return parent.clock();
        }

        @Override
        public Instant now() {
            return parent.now();
        }

        @Override
        public boolean emitEmpty() {
            return parent.emitEmpty();
        }

        @Override
        public Duration pollInterval() {
            return parent.pollInterval();
        }

        @Override
        public Optional<Instant> lastRead() {
            return parent.lastRead();
        }

        @Override
        public boolean compareAndSetLastRead(Instant expected, Instant next) {
            return parent.compareAndSetLastRead(expected, next);
        }

        @Override
        public List<Message> peek(Selection selection) {
            return parent.peek(selection);
        }

        @Override
        public Claim claim(Selection selection) {
            return parent.claim(selection);
        }

        @Override
        public Window window(WindowQuery query, Claim claim, List<Message> messages) {
            return parent.window(query, claim, messages);
        }

        @Override
        public void undo(Window window, Throwable error) {
            parent.undo(window, error);
        }
    }
}
