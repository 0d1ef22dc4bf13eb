package dev.minibatch.pipeline;

import dev.minibatch.model.Window;
import dev.minibatch.spi.emitter.EmitterContext;
import dev.minibatch.spi.store.NewMessage;
import dev.minibatch.spi.store.Selection;
import dev.minibatch.spi.emitter.WindowEmitter;
import dev.minibatch.spi.emitter.WindowQuery;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A stage's emitter: windows of up to {@code batch} pending messages as soon as any are pending,
 * committed together with the outputs the stage's function computed for them.
 */
public final class StageEmitter implements WindowEmitter {

    private final int batch;
    private final Map<String, Map<String, List<NewMessage>>> outputs;

    public StageEmitter(int batch, Map<String, Map<String, List<NewMessage>>> outputs) {
        this.batch = batch;
        this.outputs = outputs;
    }

    @Override
    public Optional<WindowQuery> windowReady(EmitterContext context) {
        context.settleCommits(); // half-done commits of dead instances (MongoDB); rate-limited by the store
        return Optional.of(new WindowQuery(null, null, batch));
    }

    @Override
    public Selection query(EmitterContext context, WindowQuery query) {
        return Selection.pending().limit(batch);
    }

    @Override
    public void commit(EmitterContext context, Window window) {
        Map<String, List<NewMessage>> appends = outputs.remove(window.id());
        if (appends == null) {
            throw new IllegalStateException("stage window " + window.id() + " has no computed outputs");
        }
        context.commitAndAppend(window, appends);
    }

    @Override
    public void undo(EmitterContext context, Window window, Throwable error) {
        outputs.remove(window.id());
        context.undo(window, error);
    }

    /** The outputs are appended with the commit and nowhere else: the store may defer claims. */
    @Override
    public boolean effectsInCommit() {
        return true;
    }

    @Override
    public String toString() {
        return "Stage(batch=" + batch + ")";
    }
}
