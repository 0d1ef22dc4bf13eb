package dev.minibatch.spi.emitter;

import dev.minibatch.model.Message;
import dev.minibatch.model.Window;
import dev.minibatch.spi.store.Claim;
import dev.minibatch.spi.store.CommitEffects;
import dev.minibatch.spi.store.NewMessage;
import dev.minibatch.spi.store.Selection;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An {@link EmitterContext} that forwards every method, default methods included, to a parent
 * context: the base of the contexts that wrapping emitters (keyed windows, table operators) hand
 * to the emitters they wrap. Override only what changes. Every method of {@link EmitterContext}
 * is forwarded here, so a default method added to it later is forwarded too once it is added here
 * (a test checks that none is missing); a wrapper never silently falls back to a default.
 *
 * <p>Threading: as the parent, the consumer's loop thread only.
 */
public abstract class ForwardingEmitterContext implements EmitterContext {

    private final EmitterContext parent;

    /**
     * A context forwarding every call to {@code parent}.
     *
     * @param parent the context to forward to
     */
    protected ForwardingEmitterContext(EmitterContext parent) {
        this.parent = java.util.Objects.requireNonNull(parent, "parent");
    }

    /**
     * The context this one forwards to.
     *
     * @return the parent context
     */
    protected final EmitterContext parent() {
        return parent;
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
    public Optional<Instant> watermark() {
        return parent.watermark();
    }

    @Override
    public boolean eventTime() {
        return parent.eventTime();
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
    public List<Claim> claimEach(List<Selection> selections) {
        return parent.claimEach(selections);
    }

    @Override
    public void release(Claim claim) {
        parent.release(claim);
    }

    @Override
    public boolean renew(Claim claim) {
        return parent.renew(claim);
    }

    @Override
    public boolean deadLetter(Message message, String reason) {
        return parent.deadLetter(message, reason);
    }

    @Override
    public Window window(WindowQuery query, Claim claim, List<Message> messages) {
        return parent.window(query, claim, messages);
    }

    @Override
    public void commit(Window window) {
        parent.commit(window);
    }

    @Override
    public void commitAndAppend(Window window, Map<String, List<NewMessage>> appends) {
        parent.commitAndAppend(window, appends);
    }

    @Override
    public void settleCommits() {
        parent.settleCommits();
    }

    @Override
    public void commit(Window window, CommitEffects effects) {
        parent.commit(window, effects);
    }

    @Override
    public void undo(Window window, Throwable error) {
        parent.undo(window, error);
    }
}
