package dev.minibatch.runtime;

import dev.minibatch.model.Message;
import dev.minibatch.model.StreamInfo;
import dev.minibatch.model.Window;
import dev.minibatch.spi.emitter.EmitterContext;
import dev.minibatch.spi.emitter.WindowQuery;
import dev.minibatch.spi.store.Claim;
import dev.minibatch.spi.store.CommitEffects;
import dev.minibatch.spi.store.EventTime;
import dev.minibatch.spi.store.NewMessage;
import dev.minibatch.spi.store.Selection;
import dev.minibatch.spi.store.StoreCapabilities;
import dev.minibatch.spi.store.StreamStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The buffer as the consumer's emitter sees it: reads go to the store, claims to the
 * {@link ClaimTracker}, commits to the {@link CommitRouter}, undos and dead letters to the
 * {@link FailurePolicy}. Loop thread only.
 */
final class ConsumerContext implements EmitterContext {

    private final StreamStore store;
    private final StoreCapabilities capabilities;
    private final ConsumerSettings settings;
    private final ClaimTracker claims;
    private final CommitRouter commits;
    private final FailurePolicy failures;
    private final PollPacer pacer;

    ConsumerContext(StoreCapabilities capabilities, ConsumerSettings settings, ClaimTracker claims, CommitRouter commits,
                    FailurePolicy failures, PollPacer pacer) {
        this.store = capabilities.store();
        this.capabilities = capabilities;
        this.settings = settings;
        this.claims = claims;
        this.commits = commits;
        this.failures = failures;
        this.pacer = pacer;
    }

    @Override
    public String stream() {
        return settings.stream();
    }

    @Override
    public Clock clock() {
        return settings.clock();
    }

    @Override
    public Instant now() {
        return settings.now();
    }

    @Override
    public Optional<Instant> watermark() {
        EventTime eventTime = capabilities.eventTime();
        return eventTime == null ? Optional.of(settings.now()) : eventTime.watermark(settings.stream(), settings.now());
    }

    @Override
    public boolean eventTime() {
        return capabilities.eventTime() != null;
    }

    @Override
    public boolean emitEmpty() {
        return settings.emitEmpty();
    }

    @Override
    public Duration pollInterval() {
        return pacer.pollInterval();
    }

    @Override
    public Optional<Instant> lastRead() {
        return store.findStream(settings.stream()).map(StreamInfo::lastRead);
    }

    @Override
    public boolean compareAndSetLastRead(Instant expected, Instant next) {
        return store.compareAndSetLastRead(settings.stream(), expected, next, settings.now());
    }

    @Override
    public List<Message> peek(Selection selection) {
        return store.read(settings.stream(), selection, null);
    }

    @Override
    public Claim claim(Selection selection) {
        return claims.claim(selection);
    }

    @Override
    public List<Claim> claimEach(List<Selection> selections) {
        List<Claim> together = claims.claimEach(selections);
        return together != null ? together : EmitterContext.super.claimEach(selections);
    }

    @Override
    public void release(Claim claim) {
        claims.release(claim.token());
    }

    @Override
    public boolean renew(Claim claim) {
        return claims.renew(claim);
    }

    @Override
    public boolean deadLetter(Message message, String reason) {
        return failures.deadLetter(message, reason);
    }

    @Override
    public Window window(WindowQuery query, Claim claim, List<Message> windowMessages) {
        claims.claimSize(claim.token(), claim.messages().size());
        return new Window(claim.token(), settings.stream(), settings.now(), windowMessages, query.from(), query.to());
    }

    @Override
    public void commit(Window window) {
        commits.commit(window, Map.of(), null);
    }

    @Override
    public void commitAndAppend(Window window, Map<String, List<NewMessage>> appends) {
        commits.commit(window, appends, null);
    }

    @Override
    public void settleCommits() {
        if (capabilities.tables() != null) {
            capabilities.tables().recoverTables(settings.stream(), settings.now());
        }
    }

    @Override
    public void commit(Window window, CommitEffects effects) {
        commits.commit(window, effects.appends(), effects.updates().isEmpty() ? null : effects);
    }

    @Override
    public void undo(Window window, Throwable error) {
        commits.flush(); // commits of windows that finished before this one come first
        failures.undo(window, error);
    }
}
