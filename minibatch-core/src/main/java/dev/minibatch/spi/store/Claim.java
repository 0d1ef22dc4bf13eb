package dev.minibatch.spi.store;

import dev.minibatch.model.Message;
import java.util.List;

/**
 * Messages a consumer holds under one lease.
 *
 * @param lease    the lease (its token is the window id)
 * @param messages the claimed messages in append order; may be empty
 */
public record Claim(Lease lease, List<Message> messages) {
    public Claim {
        messages = List.copyOf(messages);
    }

    public boolean isEmpty() {
        return messages.isEmpty();
    }

    public String token() {
        return lease.token();
    }
}
