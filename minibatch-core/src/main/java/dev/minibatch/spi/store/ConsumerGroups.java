package dev.minibatch.spi.store;

/**
 * Optional store capability: named consumer groups. The consumers of a stream normally share its
 * messages, each message going to one of them; consumers in another group get every message
 * again, independently (fan-out: several applications each consume the whole stream). Asked for with
 * {@code streaming(stream).group(name)}.
 *
 * <p><b>Lifecycle and threading.</b> A group's view lives as long as the store and is closed with
 * it (closing the view itself does nothing); thread-safe like the store.
 */
public interface ConsumerGroups {

    /**
     * The store as seen by the consumers of {@code group}: claims, commits, releases, leases and
     * pending counts are the group's; appends and stream metadata are the store's.
     *
     * @param group the group's name, not blank
     * @return the group's view of the store
     */
    StreamStore forGroup(String group);
}
