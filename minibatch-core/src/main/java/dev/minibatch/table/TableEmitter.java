package dev.minibatch.table;

import dev.minibatch.model.Message;
import dev.minibatch.model.Window;
import dev.minibatch.spi.store.Claim;
import dev.minibatch.spi.store.CommitEffects;
import dev.minibatch.spi.emitter.EmitterContext;
import dev.minibatch.spi.emitter.ForwardingEmitterContext;
import dev.minibatch.spi.store.NewMessage;
import dev.minibatch.spi.store.Selection;
import dev.minibatch.spi.store.StateUpdate;
import dev.minibatch.spi.emitter.WindowEmitter;
import dev.minibatch.spi.emitter.WindowQuery;
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
    private static final class WithState extends ForwardingEmitterContext {
        private final CommitEffects effects;

        WithState(EmitterContext parent, CommitEffects effects) {
            super(parent);
            this.effects = effects;
        }

        @Override
        public void commit(Window window) {
            parent().commit(window, effects);
        }

        @Override
        public void commitAndAppend(Window window, Map<String, List<NewMessage>> appends) {
            Map<String, List<NewMessage>> all = new HashMap<>(effects.appends());
            all.putAll(appends);
            parent().commit(window, new CommitEffects(effects.updates(), effects.changelogs(), all, effects.now()));
        }
    }
}
