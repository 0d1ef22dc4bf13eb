package dev.minibatch.plugins.session;

import dev.minibatch.model.Message;
import dev.minibatch.model.Window;
import dev.minibatch.spi.store.Claim;
import dev.minibatch.spi.emitter.EmitterContext;
import dev.minibatch.spi.store.Selection;
import dev.minibatch.spi.emitter.WindowEmitter;
import dev.minibatch.spi.emitter.WindowQuery;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Session windows: pending messages, oldest first, belong to one session while each follows the
 * previous one by less than {@code gap} (by creation time). A session's window is emitted when it
 * closes: when {@code gap} has passed since its last message without a new one, when a later
 * message starts the next session, or when it reaches {@code maxSize} messages.
 *
 * <p>The session is read with {@link EmitterContext#peek} and claimed by its ids, all or nothing:
 * if part of it is claimed elsewhere or is waiting out a retry backoff, nothing is emitted and the
 * next poll looks again, so a failed session is retried whole, after its backoff. Delivery is at
 * least once; every message is in exactly one emitted window per attempt. Never emits empty
 * windows ({@code emitEmpty} does not apply: a session is made of messages).
 *
 * <p>At most {@code maxSize + 1} pending messages are read per poll, so {@code maxSize} also bounds
 * the work of one poll.
 *
 * <p><b>Per key.</b> With {@code streaming(s).emitter("session", …).keyBy(…)} each key gets its own
 * instance and sees only its key's messages: a session per key, with a gap per key (a user's
 * clicks, not everyone's).
 *
 * <p><b>Threading.</b> One instance per consumer, called from its loop thread only.
 */
public final class SessionWindow implements WindowEmitter {

    /** Upper bound of {@code maxSize}: the peek reads maxSize + 1 messages each poll. */
    public static final int MAX_SIZE_LIMIT = 1_000_000;

    private final Duration gap;
    private final int maxSize;
    private List<String> sessionIds = List.of();
    private Instant closesAt;

    /**
     * @param gap     silence that closes a session (at least 1 ms)
     * @param maxSize most messages in one session window, 1 to {@value #MAX_SIZE_LIMIT}
     */
    public SessionWindow(Duration gap, int maxSize) {
        Objects.requireNonNull(gap, "gap");
        if (gap.toMillis() < 1) {
            throw new IllegalArgumentException("SessionWindow gap must be at least 1 ms, was " + gap);
        }
        if (maxSize < 1 || maxSize > MAX_SIZE_LIMIT) {
            throw new IllegalArgumentException("SessionWindow maxSize must be between 1 and " + MAX_SIZE_LIMIT
                    + ", was " + maxSize);
        }
        this.gap = Duration.ofMillis(gap.toMillis());
        this.maxSize = maxSize;
    }

    public Duration gap() {
        return gap;
    }

    public int maxSize() {
        return maxSize;
    }

    @Override
    public Optional<WindowQuery> windowReady(EmitterContext context) {
        Instant now = context.now().truncatedTo(ChronoUnit.MILLIS);
        List<Message> view = context.peek(Selection.pending().limit(maxSize + 1));
        closesAt = null;
        if (view.isEmpty()) {
            return Optional.empty();
        }
        int end = 1;
        boolean closed = false;
        while (end < view.size()) {
            if (end == maxSize) {
                closed = true; // full
                break;
            }
            if (!view.get(end).created().isBefore(view.get(end - 1).created().plus(gap))) {
                closed = true; // the next message starts a new session
                break;
            }
            end++;
        }
        Instant last = view.get(end - 1).created();
        if (!closed) {
            closed = end == maxSize || !now.isBefore(last.plus(gap));
        }
        if (!closed) {
            closesAt = last.plus(gap);
            return Optional.empty();
        }
        List<String> ids = new ArrayList<>(end);
        for (Message m : view.subList(0, end)) {
            ids.add(m.id());
        }
        sessionIds = ids;
        return Optional.of(new WindowQuery(view.get(0).created(), last.plusMillis(1), 0));
    }

    @Override
    public Selection query(EmitterContext context, WindowQuery query) {
        return Selection.ids(sessionIds).minCount(sessionIds.size());
    }

    @Override
    public Optional<Window> emit(EmitterContext context, WindowQuery query, Claim claim) {
        return claim.isEmpty() ? Optional.empty() : Optional.of(context.window(query, claim, claim.messages()));
    }

    @Override
    public Duration pollDelay(EmitterContext context) {
        Duration poll = context.pollInterval();
        if (closesAt == null) {
            return poll;
        }
        Duration until = Duration.between(context.now(), closesAt);
        if (until.isNegative()) {
            return Duration.ZERO;
        }
        return until.compareTo(poll) < 0 ? until : poll;
    }

    @Override
    public String toString() {
        return "SessionWindow(gap=" + gap + ", maxSize=" + maxSize + ")";
    }
}
