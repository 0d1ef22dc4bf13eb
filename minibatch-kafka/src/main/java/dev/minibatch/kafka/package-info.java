/**
 * Kafka connector: {@link dev.minibatch.kafka.KafkaSource} feeds a stream from Kafka topics (JSON
 * values, offsets committed only after the records were appended, invalid records dead-lettered),
 * {@link dev.minibatch.kafka.KafkaSink} sends window results to a topic (JSON, idempotent producer,
 * flushed before the window is committed). Both are registered for discovery under the name
 * {@code kafka} and accept any Kafka client property as {@code kafka.<property>}.
 */
package dev.minibatch.kafka;
