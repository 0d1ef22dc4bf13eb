package dev.minibatch.kafka.store;

/** What a process does with a stalled count window's records; see {@link StallMover#role}. */
enum StallRole {
    /** Nothing else could fill the windows: keep waiting. */
    KEEP,
    /**
     * This process gathers the leftovers: it moves its own too (a record held unacknowledged pins
     * the partition's share window, which Kafka bounds to a few thousand records, so holding
     * leftovers would stall every consumer), but keeps fetching while the others pause.
     */
    COLLECT,
    /** Move ours to the end of their partitions; with {@code pause}, stop fetching for a while. */
    GIVE,
    /** Move ours, and pause so that the collector fetches them. */
    GIVE_AND_PAUSE
}
