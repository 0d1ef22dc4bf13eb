package dev.minibatch.spi.store;

import java.time.Instant;
import java.util.Objects;

/**
 * The lease a claim takes on messages. Claimed messages belong to {@code token} until
 * {@code expiresAt}; after that any consumer may claim them again (the store counts that as a
 * failed attempt). Commit, release and dead-letter act only on messages still holding the token, so
 * a window whose lease was lost and re-claimed is never committed twice.
 *
 * @param token     unique per claim; also the window's id
 * @param owner     who claimed, for diagnostics (host, process, consumer)
 * @param now       the claimer's clock; used to decide which leases have expired
 * @param expiresAt when the lease lapses unless renewed
 */
public record Lease(String token, String owner, Instant now, Instant expiresAt) {
    /**
     * Checks that no component is null.
     *
     * @param token unique per claim; also the window's id
     * @param owner who claimed
     * @param now the claimer's clock
     * @param expiresAt when the lease lapses unless renewed
     */
    public Lease {
        Objects.requireNonNull(token, "token");
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(now, "now");
        Objects.requireNonNull(expiresAt, "expiresAt");
    }
}
