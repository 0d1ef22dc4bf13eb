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
    /**
     * Copies the message list.
     *
     * @param lease the lease
     * @param messages the claimed messages in append order
     */
    public Claim {
        messages = List.copyOf(messages);
    }

    /**
     * Whether the claim took no message.
     *
     * @return true without messages
     */
    public boolean isEmpty() {
        return messages.isEmpty();
    }

    /**
     * The lease's token, also the window's id.
     *
     * @return the token
     */
    public String token() {
        return lease.token();
    }
}
