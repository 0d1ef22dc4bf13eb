/**
 * The SPI for connector authors: a {@link dev.minibatch.spi.connector.Source} feeds a stream from
 * outside (Kafka, MQTT, MongoDB, omega|ml), a {@link dev.minibatch.spi.connector.Sink} receives a
 * consumer's results; their providers make them available by name (CLI, plugins).
 *
 * <p><b>Stability: SPI, evolving.</b> New methods arrive as default methods.
 */
package dev.minibatch.spi.connector;
