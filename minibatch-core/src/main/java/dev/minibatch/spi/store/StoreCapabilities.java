package dev.minibatch.spi.store;

import java.util.ArrayList;
import java.util.List;

/**
 * What a store can do beyond {@link StreamStore}, resolved once (the only {@code instanceof} test
 * of the capability mixins): each component is the store itself seen through that mixin, or null
 * when the store lacks it. The consumer runtime and the keyed emitter resolve it once per consumer
 * and branch on these fields, never on the store's class.
 *
 * @param store               the store
 * @param keys                {@link KeyedStore}: keys indexed, claims by key
 * @param batchClaims         {@link BatchClaims}: several claims or commits in one step
 * @param batchTableCommits   {@link BatchTableCommits}: several commits with table state in one step
 * @param deferredClaims      {@link DeferredClaims}: claims written only when they must be
 * @param transactionalAppend {@link TransactionalAppend}: commit and append in one transaction
 * @param tables              {@link TableStore}: per-key state committed with a claim
 * @param wakeups             {@link AppendWakeups}: push notices of appends
 * @param activity            {@link StreamActivity}: heartbeats and append counts
 */
public record StoreCapabilities(StreamStore store, KeyedStore keys, BatchClaims batchClaims,
                                BatchTableCommits batchTableCommits, DeferredClaims deferredClaims, TransactionalAppend transactionalAppend,
                                TableStore tables, AppendWakeups wakeups, StreamActivity activity) {

    /**
     * The capabilities of {@code store}.
     *
     * @param store the store
     * @return its capabilities
     */
    public static StoreCapabilities of(StreamStore store) {
        return new StoreCapabilities(store,
                store instanceof KeyedStore k ? k : null,
                store instanceof BatchClaims b ? b : null,
                store instanceof BatchTableCommits b ? b : null,
                store instanceof DeferredClaims d ? d : null,
                store instanceof TransactionalAppend t ? t : null,
                store instanceof TableStore t ? t : null,
                store instanceof AppendWakeups w ? w : null,
                store instanceof StreamActivity a ? a : null);
    }

    /**
     * {@link EventTime}: time windows close by the store's watermark of message timestamps. Not a
     * record component, so the record's constructor stays as it was.
     *
     * @return the store as {@link EventTime}, or null
     */
    public EventTime eventTime() {
        return store instanceof EventTime e ? e : null;
    }

    /**
     * Why {@code store} cannot serve a consumer feature ({@link ConsumerFeatures}), or empty if it can.
     *
     * @param store the store
     * @param feature the feature a consumer asks for
     * @return the store's reason, or empty
     */
    public static java.util.Optional<String> unsupported(StreamStore store, ConsumerFeatures.Feature feature) {
        return store instanceof ConsumerFeatures f ? f.unsupported(feature) : java.util.Optional.empty();
    }

    /**
     * The store as seen by a named consumer group, or a clear error if the store has no groups.
     *
     * @param store the store
     * @param group the group's name
     * @return the group's view of the store
     * @throws dev.minibatch.model.ConfigurationException if the store has no consumer groups
     */
    public static StreamStore forGroup(StreamStore store, String group) {
        if (store instanceof ConsumerGroups g) {
            return g.forGroup(group);
        }
        throw new dev.minibatch.model.ConfigurationException("consumer group '" + group + "': the store " + store.url()
                + " has no consumer groups (kafka:// has them); its consumers always share a stream's messages");
    }

    /**
     * The store as seen by ordered consumers of {@code group} (see {@link OrderedConsumption}); a
     * store without that capability is returned as it is (its consumers are ordered already), or, for
     * a named group, as that group's view.
     *
     * @param store the store
     * @param group the consumer group's name, or null for the default one
     * @return the ordered view of the store
     */
    public static StreamStore ordered(StreamStore store, String group) {
        if (store instanceof OrderedConsumption o) {
            return o.ordered(group);
        }
        return group == null ? store : forGroup(store, group);
    }

    /**
     * The names of the capabilities present, for logs and status pages.
     *
     * @return the names
     */
    public List<String> names() {
        List<String> out = new ArrayList<>();
        if (keys != null) {
            out.add("keys");
        }
        if (batchClaims != null) {
            out.add("batch claims");
        }
        if (batchTableCommits != null) {
            out.add("batch table commits");
        }
        if (deferredClaims != null) {
            out.add("deferred claims");
        }
        if (transactionalAppend != null) {
            out.add("transactional append");
        }
        if (tables != null) {
            out.add("tables");
        }
        if (wakeups != null) {
            out.add("append wake-ups");
        }
        if (activity != null) {
            out.add("activity");
        }
        if (eventTime() != null) {
            out.add("event time");
        }
        return out;
    }
}
