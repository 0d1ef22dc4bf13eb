/**
 * The {@code kafka://} stream store: a stream is a Kafka topic, appends go through an idempotent
 * producer ({@code acks=all}; several messages as one record batch or one Kafka transaction), and
 * the consumers of a stream form one Kafka <em>share group</em> (KIP-932), so they compete per
 * record, past the topic's partition count, under the brokers' acquisition locks.
 *
 * <p>{@link dev.minibatch.kafka.store.KafkaStore} is the store; {@code ShareFetcher} owns the share
 * consumers of one stream in one process and serves claims from the records they hold;
 * {@code KafkaAppender} writes; {@code KafkaCatalog} creates and lists topics and keeps each stream's
 * metadata in a compacted topic; {@code LogReader} reads without consuming.
 *
 * <p>Ordered consumers ({@code KafkaOrderedView}) are members of a Kafka consumer group:
 * {@code OrderedFetcher} owns one ordered consumer's Kafka consumer (a member of its group), {@code OrderedBuffer} the records
 * of its assigned partitions; windows of stages and tables commit in Kafka transactions with their
 * offsets ({@code DoneAhead}: the records done past an offset, in its metadata). Tables:
 * {@code TableChangelogs} (the compacted changelog topics and their records), {@code OwnedTables}
 * (the partitions' state a member owns, restored from the changelog), {@code TableQueries} (queries
 * from any process, read from the changelog).
 *
 * <p><i>Stability: evolving.</i> Select the store by URL ({@code kafka://host:9092/?prefix=mb.}); the
 * classes here are not API.
 */
package dev.minibatch.kafka.store;
