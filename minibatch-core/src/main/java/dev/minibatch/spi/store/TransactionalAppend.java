package dev.minibatch.spi.store;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Optional store capability: commit a claim and append new messages in one transaction, so a
 * stage's outputs exist exactly when its inputs are consumed (no duplicates after a crash or a
 * retry, no loss). Memory and SQLite implement it; on other stores stages append first and commit
 * after, idempotently where the store derives ids from {@link NewMessage#origin()} (MongoDB).
 *
 * <p>Thread-safe, like the store.
 */
public interface TransactionalAppend {

    /**
     * In one atomic step: commits the messages claimed under {@code token} (delete, or mark DONE
     * with {@code keep}) and appends {@code appends} (stream name → messages, each list in order;
     * streams are created if missing) — but only if all {@code expected} messages are still held
     * by the token. Otherwise nothing changes (the lease was lost; another consumer has them).
     *
     * @param now the caller's time: streams created for the appends are created then
     * @return how many messages were committed: {@code expected}, or 0 when nothing changed
     * @param stream the stream's name
     * @param token the lease's token
     * @param keep true to mark the messages DONE instead of deleting them
     * @param expected how many messages the token should still hold
     * @param appends stream name → messages to append
     */
    int commitAndAppend(String stream, String token, boolean keep, int expected, Map<String, List<NewMessage>> appends,
                        Instant now);
}
